from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.envs._java import scienceworld_jvms


@pytest.fixture(autouse=True)
def _no_leaked_jvm() -> Iterator[None]:
    """Every test must leave no ScienceWorld JVM behind, whatever it did."""
    yield
    assert scienceworld_jvms() == [], "a ScienceWorld JVM outlived its test"


@pytest.fixture(scope="session")
def game_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compiled TextWorld games shared by the session (compiling takes 1-3 s)."""
    return tmp_path_factory.mktemp("textworld-games")
