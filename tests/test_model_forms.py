"""--model forms: Hugging Face folders, OpenAI-compatible and Ollama servers; identity, and the back-end registry."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness.backends.base import KINDS, LoadOptions, open_backend
from harness.errors import ConfigError, ModelLoadError
from harness.models import ModelRef, folder_sha256s, model_sha256, model_size, resolve_model
from harness.session import HarnessSession, RunOptions


def _hf_folder(root: Path, weights: bytes = b"w" * 10) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text('{"model_type": "llama"}')
    (root / "model.safetensors").write_bytes(weights)
    return root


def test_a_folder_with_config_and_safetensors_is_an_hf_model(tmp_path: Path) -> None:
    folder = _hf_folder(tmp_path / "m")
    for spec in (str(folder), f"hf:{folder}"):
        ref = resolve_model(spec)
        assert (ref.kind, ref.path, ref.endpoint) == ("hf", folder.resolve(), None)
    assert model_size(resolve_model(str(folder))) == 10


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "is a folder without config.json"),
        ({"config.json": b"{}"}, "holds no weights"),
        ({"config.json": b"{}", "pytorch_model.bin": b"x"}, "only pickled weights"),
    ],
)
def test_a_folder_that_is_not_a_safetensors_checkpoint_is_refused(
    tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ModelLoadError, match=message):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelLoadError, match="no such folder"):
        resolve_model(f"hf:{tmp_path / 'absent'}")


def test_an_hf_folder_identity_covers_weights_and_config(tmp_path: Path) -> None:
    a = resolve_model(str(_hf_folder(tmp_path / "a")))
    same = resolve_model(str(_hf_folder(tmp_path / "b")))
    other_weights = resolve_model(str(_hf_folder(tmp_path / "c", b"v" * 10)))
    assert model_sha256(a) == model_sha256(same)
    assert model_sha256(a) != model_sha256(other_weights)
    (tmp_path / "b" / "tokenizer.json").write_text("{}")
    assert model_sha256(a) != model_sha256(resolve_model(str(tmp_path / "b")))
    assert set(folder_sha256s(tmp_path / "a")) == {"config.json", "model.safetensors"}
    assert folder_sha256s(tmp_path / "a")["model.safetensors"] == hashlib.sha256(b"w" * 10).hexdigest()


def test_server_specs_name_the_server_and_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = resolve_model("openai:http://127.0.0.1:8080/v1/#smollm2")
    assert (ref.kind, ref.path, ref.endpoint, ref.name) == ("openai", None, "http://127.0.0.1:8080/v1", "smollm2")
    assert resolve_model("openai:https://example.invalid/v1").name is None
    monkeypatch.setenv("OLLAMA_HOST", "10.0.0.2:11434")
    ref = resolve_model("ollama:pokkit-mini")
    assert (ref.kind, ref.endpoint, ref.name) == ("ollama", "http://10.0.0.2:11434", "pokkit-mini")
    monkeypatch.delenv("OLLAMA_HOST")
    assert resolve_model("ollama:pokkit-mini").endpoint == "http://127.0.0.1:11434"
    assert model_sha256(ref) is None and model_size(ref) is None
    with pytest.raises(ConfigError, match="behind a server has no file"):
        _ = ref.file


@pytest.mark.parametrize(
    "spec, message",
    [
        ("openai:127.0.0.1:8080/v1", "is not an http\\(s\\) URL"),
        ("openai:", "no URL"),
        ("ollama:", "name the model"),
    ],
)
def test_bad_server_specs_are_one_line(spec: str, message: str) -> None:
    with pytest.raises(ModelLoadError, match=message):
        resolve_model(spec)


def test_an_unknown_kind_is_a_config_error_with_a_suggestion() -> None:
    assert {"gguf", "scripted"} <= set(KINDS.names())
    with pytest.raises(ConfigError, match=r"Unknown model kind 'ggfu'\. Did you mean: gguf\?"):
        open_backend(ModelRef("x", None, "ggfu", "path"), LoadOptions())


def test_concurrency_is_for_servers_and_batching_models_only(tmp_path: Path) -> None:
    responses = tmp_path / "r.yaml"
    responses.write_text("'*': ribbit\n")
    session = HarnessSession(RunOptions(model=f"scripted:{responses}", concurrency=2, results=tmp_path / "out"))
    with pytest.raises(ConfigError, match=r"--concurrency sets requests in flight to a server .* not for a scripted"):
        session.open([], 0)
    with pytest.raises(ConfigError, match="--concurrency must be between 1 and 256"):
        HarnessSession(RunOptions(concurrency=0, results=tmp_path / "o2")).open([], 0)
