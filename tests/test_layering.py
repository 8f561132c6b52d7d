"""The packages depend one way: harness <- train, harness <- reports, and nothing back (nor sideways).

harness is the core every user installs; train and reports build on it. An upward import (harness importing
train or reports, reports importing train) would tie the core to torch or pandas and make cycles possible.
This test parses the source, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> the packages it may import (besides itself and third-party code)
ALLOWED = {"harness": set(), "reports": {"harness"}, "train": {"harness"}, "evals": {"harness"}}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _violations(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in ALLOWED and top != package and top not in ALLOWED[package]:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_upward_imports(package: str) -> None:
    assert _violations(package) == []


def test_the_rule_has_no_cycle() -> None:
    for package, allowed in ALLOWED.items():
        for other in allowed:
            assert package not in ALLOWED[other], f"{package} and {other} may import each other"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from reports.load import load_run\n    import train.cli\n")
    assert _imports(source) == [(2, "reports.load"), (3, "train.cli")]


def _module_level_imports(path: Path) -> list[str]:
    """What importing ``path`` imports at once: statements in its body (also under ``if``/``try``), not those
    inside functions (lazy loads) or under ``if TYPE_CHECKING:``."""
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append(node.module)
                found.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body)
    return found


def _import_cycle(root: Path, packages: list[str]) -> list[str]:
    """One cycle of module-level imports between the modules of ``packages`` under ``root`` ([] when none)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {m: sorted({i for i in _module_level_imports(p) if i in modules} - {m}) for m, p in modules.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for dep in graph[module]:
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return []


def test_no_module_level_import_cycle() -> None:
    """Importing any module never needs a module that is still half-imported (suite -> scoring -> scorers ->
    suite was one); registries that load their built-in plugins inside a function are not cycles."""
    assert _import_cycle(ROOT, sorted(ALLOWED)) == []


def test_the_cycle_finder_sees_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import f\n")
    (tmp_path / "pkg" / "b.py").write_text("import pkg.c\n\ndef f():\n    import pkg.a\n")
    (tmp_path / "pkg" / "c.py").write_text("if True:\n    from pkg import a\n")
    assert _import_cycle(tmp_path, ["pkg"]) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
