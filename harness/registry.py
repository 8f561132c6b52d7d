"""Name -> thing registries (scorers, case loaders, training generators) and the "did you mean" of every
unknown name.

A :class:`Registry` is filled by decorators as modules import. Its ``load`` imports the modules that register
the built-in entries, once, before the first lookup, so no caller has to import them first. A name registered
twice is a programming error (ValueError), except by the same function imported again (a module reload), which
replaces itself. An unknown name is a :class:`~harness.errors.ConfigError` listing what there is, with the close
match :func:`did_you_mean` finds.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar, overload

from harness.errors import ConfigError

T = TypeVar("T")
D = TypeVar("D")
# Who registered an entry: the (module, qualname) of the function or class, equal across a module reload.
Origin = tuple[str, str]
# Words a duplicate registration: (name, origin already registered, origin registering now) -> message.
ClashMessage = Callable[[str, Origin, Origin], str]

_MISSING: Any = object()


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The one name of ``known`` closest to ``name`` (difflib's ratio, 0.6 at least), or None when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


def origin_of(obj: object) -> Origin:
    """``(module, qualname)`` of a function or class; of an instance, those of its class."""
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    return getattr(target, "__module__", "?"), getattr(target, "__qualname__", "?")


class Registry(Generic[T]):
    """Entries of one kind by name.

    ``kind`` is the word in messages ("scorer", "case loader"). ``load``, when given, imports the modules that
    register the built-in entries; it runs once, before the first lookup (``get``, ``all``, ``names``, ``in``),
    and again after a failure. ``clash`` words the ValueError of a duplicate name; the default names both modules.

    ``registry[name] = value`` and ``del registry[name]`` set and remove an entry as is, without the duplicate
    check, for tests that patch one in (``monkeypatch.setitem``, which also uses ``get(name, default)``).
    """

    def __init__(self, kind: str, load: Callable[[], None] | None = None, clash: ClashMessage | None = None) -> None:
        self.kind = kind
        self._load = load
        self._loaded = load is None
        self._loading = False
        self._lock = threading.RLock()
        self._clash = clash or self._default_clash
        self._entries: dict[str, tuple[T, Origin]] = {}

    def _default_clash(self, name: str, old: Origin, new: Origin) -> str:
        return f"{self.kind} {name!r} is registered twice ({old[0]}, {new[0]})"

    def _ensure_loaded(self) -> None:
        if self._loaded or self._load is None:
            return
        # Another thread waits here until the entries are all in (the session opens back ends in threads); the
        # loading thread itself may look an entry up while ``load`` imports a module (the lock is reentrant),
        # and then sees what is registered so far instead of loading again.
        with self._lock:
            if self._loaded or self._loading:
                return
            self._loading = True
            try:
                self._load()
                self._loaded = True
            finally:
                self._loading = False

    def add(self, name: str, value: T, origin: object = None) -> T:
        """Register ``value`` as ``name`` and return it. ``origin`` is the function or class that registers it
        (default: ``value`` itself): the same origin replaces its entry, another one is a ValueError."""
        new = origin_of(value if origin is None else origin)
        old = self._entries.get(name)
        if old is not None and old[1] != new:
            raise ValueError(self._clash(name, old[1], new))
        self._entries[name] = (value, new)
        return value

    @overload
    def get(self, name: str) -> T: ...

    @overload
    def get(self, name: str, default: D) -> T | D: ...

    def get(self, name: str, default: Any = _MISSING) -> Any:
        """The entry ``name``. An unknown name returns ``default`` when one is given, else is a ConfigError that
        lists the known names, with a "did you mean" when one is close."""
        self._ensure_loaded()
        entry = self._entries.get(name)
        if entry is not None:
            return entry[0]
        if default is not _MISSING:
            return default
        close = did_you_mean(name, self._entries)
        hint = f" Did you mean: {close}?" if close else ""
        raise ConfigError(f"Unknown {self.kind} {name!r}.{hint} Available: {', '.join(sorted(self._entries))}")

    def all(self) -> dict[str, T]:
        """Every entry by name, in registration order (a copy: changing it changes no registry)."""
        self._ensure_loaded()
        return {name: value for name, (value, _) in self._entries.items()}

    def names(self) -> list[str]:
        """The registered names, sorted."""
        self._ensure_loaded()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._entries

    def __setitem__(self, name: str, value: T) -> None:
        self._entries[name] = (value, origin_of(value))

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
