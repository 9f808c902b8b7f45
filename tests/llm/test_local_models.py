import hashlib
from pathlib import Path

import pytest

from ponder.errors import ModelNotAvailable, ScenarioError
from ponder.llm import LocalModelEntry, register_local_model
from ponder.llm.local_models import resolve
from tests.conftest import requires_embedded


@requires_embedded
def test_builtin_model_is_found_through_its_package() -> None:
    resolved = resolve("smollm2-135m")
    assert resolved.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert "site-packages" in str(resolved.path) and resolved.path.stat().st_size > 50_000_000


def test_named_entry_checks_sha256(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF not really a model")
    good = hashlib.sha256(model.read_bytes()).hexdigest()
    register_local_model("tiny-good", LocalModelEntry(path=model, sha256=good))
    assert resolve("tiny-good").path == model
    register_local_model("tiny-bad", LocalModelEntry(path=model, sha256="0" * 64))
    with pytest.raises(ModelNotAvailable, match="sha256"):
        resolve("tiny-bad")


def test_user_config_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "qwen.gguf"
    model.write_bytes(b"x")
    config = tmp_path / "config.yaml"
    config.write_text(f"local_models:\n  qwen:\n    path: {model}\n    n_ctx: 2048\n")
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    assert resolve("qwen").n_ctx == 2048
    config.write_text(f"local_models:\n  qwen:\n    path: {model}\n    n_ctxx: 1\n")
    with pytest.raises(ScenarioError, match=r"local_models\.qwen\.n_ctxx: Extra inputs"):
        resolve("qwen")


def test_path_and_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="file not found"):
        resolve(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelNotAvailable, match="unknown local model local/nope"):
        resolve("nope")
