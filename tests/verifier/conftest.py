from __future__ import annotations

from pathlib import Path

import pytest

from tests.verifier import tiny


@pytest.fixture(scope="session")
def qwen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("qwen-prm")
    tiny.qwen_prm(directory)
    return directory


@pytest.fixture(scope="session")
def shepherd_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("math-shepherd")
    tiny.math_shepherd(directory)
    return directory


@pytest.fixture(scope="session")
def skywork_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("skywork")
    tiny.skywork(directory)
    return directory


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("llama")
    tiny.llama_backbone(directory)
    return directory
