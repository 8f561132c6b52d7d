"""harness.registry (the one name -> thing registry and its "did you mean") and the JSONL writers of
harness.results (append_jsonl, write_jsonl_atomic)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.loaders import get_loader
from harness.registry import Registry, did_you_mean, origin_of
from harness.results import append_jsonl, iter_jsonl, write_jsonl_atomic
from train.generators.registry import generator, generators


def _one() -> str:
    return "one"


def _two() -> str:
    return "two"


def _twins() -> list[Callable[[], str]]:
    """Two distinct function objects with the same module and qualname: what a module reload makes."""
    out = []
    for word in ("old", "new"):

        def twin(word: str = word) -> str:
            return word

        out.append(twin)
    return out


# ------------------------------------------------------------------ registering


def test_a_second_function_under_a_name_is_refused_naming_both_modules() -> None:
    reg: Registry[Callable[[], str]] = Registry("scorer")
    reg.add("x", _one)
    with pytest.raises(ValueError) as info:
        reg.add("x", _two)
    assert str(info.value) == f"scorer 'x' is registered twice ({__name__}, {__name__})"
    assert reg.get("x") is _one  # the refused one did not replace it


def test_the_same_function_registered_again_replaces_itself() -> None:
    old, new = _twins()
    assert old is not new and origin_of(old) == origin_of(new)
    reg: Registry[Callable[[], str]] = Registry("scorer")
    reg.add("x", old)
    reg.add("x", new)  # a module reload: no clash
    assert reg.get("x") is new
    # the origin, not the value, is what is compared: a new value from the same function replaces the old one
    info: Registry[str] = Registry("scorer")
    info.add("x", "first", origin=_one)
    info.add("x", "second", origin=_one)
    assert info.get("x") == "second"
    with pytest.raises(ValueError, match="registered twice"):
        info.add("x", "third", origin=_two)


def test_a_clash_message_can_be_worded_by_the_registry() -> None:
    reg: Registry[str] = Registry("generator", clash=lambda name, old, new: f"{name}: {'.'.join(old)} vs {new[1]}")
    reg.add("x", "a", origin=_one)
    with pytest.raises(ValueError, match=rf"^x: {__name__}\._one vs _two$"):
        reg.add("x", "b", origin=_two)


def test_the_generator_clash_names_both_functions() -> None:
    def alarm(rng: Any) -> list[Any]:
        return []

    assert "alarm" in generators()  # the built-in one is registered (registering alone loads nothing)
    with pytest.raises(ValueError) as info:
        generator("alarm", weight=1, targets=["datetime"])(alarm)
    assert str(info.value) == (
        "generator 'alarm' is registered twice (train.generators.pokkit.alarm, "
        f"{__name__}.test_the_generator_clash_names_both_functions.<locals>.alarm); generator names must be unique"
    )


# ------------------------------------------------------------------ looking up


def test_an_unknown_name_lists_what_there_is_with_a_close_match() -> None:
    reg: Registry[int] = Registry("case loader")
    for name, value in (("jsonl", 1), ("bfcl", 2), ("josi_prompts", 3)):
        reg.add(name, value, origin=name)
    with pytest.raises(ConfigError) as info:
        reg.get("bfc")
    assert str(info.value) == "Unknown case loader 'bfc'. Did you mean: bfcl? Available: bfcl, josi_prompts, jsonl"
    with pytest.raises(ConfigError) as info:
        reg.get("zzz")
    assert str(info.value) == "Unknown case loader 'zzz'. Available: bfcl, josi_prompts, jsonl"
    assert reg.get("zzz", None) is None and reg.get("bfcl", None) == 2


def test_the_real_registries_keep_their_unknown_name_messages() -> None:
    with pytest.raises(ConfigError, match=r"^Unknown case loader 'bfc'\. Did you mean: bfcl\? Available: .*jsonl"):
        get_loader("bfc")


def test_did_you_mean() -> None:
    assert did_you_mean("tool_cal", ["short", "tool_call", "no_tool_call"]) == "tool_call"
    assert did_you_mean("tool_cal", iter(["tool_call"])) == "tool_call"  # any iterable, read once
    assert did_you_mean("weather", ["tool_call", "short"]) is None
    assert did_you_mean("x", []) is None


def test_load_runs_once_before_the_first_lookup() -> None:
    calls: list[int] = []

    def load() -> None:
        calls.append(1)
        reg.add("built_in", "b", origin=_one)

    reg: Registry[str] = Registry("scorer", load=load)
    reg.add("mine", "m", origin=_two)  # registering does not load
    assert calls == []
    assert reg.get("built_in") == "b"
    assert "mine" in reg and reg.names() == ["built_in", "mine"] and set(reg.all()) == {"built_in", "mine"}
    with pytest.raises(ConfigError):
        reg.get("nothing")
    assert calls == [1]


def test_a_load_that_failed_runs_again() -> None:
    calls: list[int] = []

    def load() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ImportError("a broken scorer module")

    reg: Registry[str] = Registry("scorer", load=load)
    with pytest.raises(ImportError):
        reg.names()
    assert reg.names() == [] and reg.names() == []
    assert calls == [1, 1]


def test_all_is_a_copy() -> None:
    reg: Registry[str] = Registry("scorer")
    reg.add("a", "A", origin=_one)
    got = reg.all()
    assert got == {"a": "A"}
    got["b"] = "B"
    del got["a"]
    assert reg.all() == {"a": "A"} and "b" not in reg


def test_monkeypatch_can_patch_an_entry_in_and_out(monkeypatch: pytest.MonkeyPatch) -> None:
    reg: Registry[str] = Registry("scorer")
    reg.add("a", "A", origin=_one)
    with monkeypatch.context() as patch:
        # a Registry is no Mapping, but has what setitem uses (get with a default, [name] =, del [name])
        patch.setitem(reg, "b", "B")
        patch.setitem(reg, "a", "patched")
        assert reg.all() == {"a": "patched", "b": "B"}
    assert reg.all() == {"a": "A"}


# ------------------------------------------------------------------ JSONL writers


RECORDS: list[Any] = [{"text": "a\u2028b", "n": 1}, {"text": "line\nbreak\u2029", "nested": [1.5, None]}, "plain"]


def _lines(path: Path) -> list[Any]:
    return [value for _, value in iter_jsonl(path)]


def test_append_jsonl_round_trips_one_line_per_object(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "ledger.jsonl"
    for record in RECORDS:
        append_jsonl(path, record)
    assert _lines(path) == RECORDS
    text = path.read_text(encoding="utf-8")
    # U+2028/U+2029 are escaped, so even str.splitlines() sees one line per object
    assert "\u2028" not in text and len(text.splitlines()) == len(RECORDS) and text.endswith("\n")


def test_append_jsonl_survives_a_lone_surrogate(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    append_jsonl(path, {"r": "cut\ud800"})
    assert _lines(path) == [{"r": "cut\ufffd"}]


def test_write_jsonl_atomic_round_trips_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    write_jsonl_atomic(path, [{"old": True}])
    write_jsonl_atomic(path, iter(RECORDS))
    assert _lines(path) == RECORDS
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(RECORDS)
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]  # no temporary file left


@pytest.mark.parametrize("bad", ["raises", "circular"])
def test_write_jsonl_atomic_keeps_the_old_file_when_an_item_fails(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "data.jsonl"
    write_jsonl_atomic(path, [{"old": 1}, {"old": 2}])
    before = path.read_bytes()

    def items() -> Iterator[Any]:
        yield {"new": 1}  # written to the temporary file before the failure
        if bad == "raises":
            raise RuntimeError("the source broke")
        loop: list[Any] = []
        loop.append(loop)
        yield loop

    with pytest.raises((RuntimeError, ValueError, RecursionError)):
        write_jsonl_atomic(path, items())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]


def test_a_lookup_from_another_thread_waits_for_the_load() -> None:
    """The session opens back ends in threads: a second thread's lookup during the first one's load must see
    every entry, not a half-loaded registry."""
    import threading
    import time

    started = threading.Event()

    def load() -> None:
        started.set()
        time.sleep(0.2)
        registry.add("late", 2, origin=load)
        registry.get("early")  # a lookup inside the load, as a module's import may do: no second load

    registry: Registry[int] = Registry("thing", load=load)
    registry.add("early", 1, origin=load)
    found: list[int] = []
    first = threading.Thread(target=lambda: found.append(registry.get("early")))
    first.start()
    started.wait(5)
    found.append(registry.get("late"))  # this thread arrives mid-load
    first.join(5)
    assert sorted(found) == [1, 2]
