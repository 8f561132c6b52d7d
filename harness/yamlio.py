"""YAML loading that refuses duplicate keys and names the file and line of every problem.

Anchors and aliases are allowed (suites/pokkit shares lists with them), but a document whose aliases
expand past :data:`MAX_EXPANDED_NODES` nodes is refused before it is built: a few hundred bytes of
nested aliases (a "billion laughs" file) would otherwise expand to gigabytes in whatever walks the
result. Recursive aliases are refused too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError

# The nodes a document may hold once every alias is expanded: the largest shipped suite has ~1,100, a scripted
# responses file has 3 per case; 387 million (the 817-byte bomb) is refused at this limit in milliseconds.
MAX_EXPANDED_NODES = 1_000_000


class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping below says so, with its line
            continue
        if duplicate:
            mark = key_node.start_mark
            raise ConfigError(f"{mark.name}:{mark.line + 1}: duplicate key {key!r}; each key may appear once")
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def expanded_size(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """How many nodes ``root`` holds with every alias expanded (an alias counts its whole target each time
    it is used); computed once per distinct node, so it stays cheap however large the expansion. Raises
    ValueError past ``limit`` and for a node that contains itself."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()
    # Iterative post-order walk: a file nested thousands deep must not hit Python's recursion limit.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if children_done:
            pending.discard(key)
            size = 1 + sum(sizes[id(c)] for c in children)
            if size > limit:
                raise ValueError(f"aliases expand it to more than {limit:,} nodes")
            sizes[key] = size
            continue
        pending.add(key)  # pending: the node being walked and its ancestors
        stack.append((node, True))
        for child in children:
            if id(child) in pending:
                raise ValueError("an alias refers to a node that contains it (a recursive structure)")
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def load_yaml(path: Path) -> Any:
    """Parse ``path`` as YAML; a missing file, bad syntax, a duplicate key or an alias bomb is a ConfigError
    naming the file (and the line where there is one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    loader = _StrictLoader(text)
    loader.name = str(path)  # marks (errors, duplicate keys) name the file instead of "<unicode string>"
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            expanded_size(node)
        except ValueError as exc:
            raise ConfigError(f"{path}: refused: {exc}; write the repeated parts out or use fewer aliases") from None
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; flatten the YAML") from None
    finally:
        loader.dispose()
