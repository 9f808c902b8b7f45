"""The real MiniLM embedder, reopening in a new process, and the scenario config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from ponder.memory import Experience, MemoryConfig, MiniLMEmbedding, Reflection, recall_hits


def test_minilm_store_ranks_by_meaning_and_reopens_in_a_new_process(tmp_path: Path) -> None:
    config = MemoryConfig(path=tmp_path / "m")
    store = config.open_store()
    assert isinstance(store.embedder, MiniLMEmbedding)
    store.add(Reflection(task_signature="What is 17 + 25?", lesson="Carry the tens digit."))
    store.add(Reflection(task_signature="Spell 'necessary'.", lesson="One c and two s."))
    store.add(
        Experience(task_signature="How many legs do 3 spiders have?", answer="24", success=True)
    )
    hits = recall_hits(store, "Compute 38 plus 45.", config)
    assert [h.record.kind for h in hits] == ["reflection"]  # the spelling lesson is too far
    assert hits[0].record.lesson == "Carry the tens digit."  # type: ignore[union-attr]
    vectors = np.array(store.embedder(["sum of two numbers", "adding numbers", "a red bicycle"]))
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # a new process: the store reopens without naming its embedding, and importing memory
    # (and its CLI) loads neither agents nor graphs: imports flow graphs -> agents -> memory
    script = (
        "import sys; from ponder.memory import MemoryStore; import ponder.cli.memory_cmd\n"
        "s = MemoryStore.open(sys.argv[1])\n"
        "print(s.embedder.name(), s.search('arachnid legs', k=1)[0].record.answer)\n"
        "print(len([m for m in sys.modules if m.startswith(('ponder.agents', 'ponder.graphs'))]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "m")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["ponder-minilm", "24", "0"]


def test_config_is_strict() -> None:
    assert MemoryConfig().learn == ["experience", "reflection", "concept"]
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"learn": ["experience", "experience"]})
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"recall": {"modes": ["dreams"]}})
    with pytest.raises(ValidationError):
        MemoryConfig.model_validate({"k": 3, "typo": 1})
    assert MemoryConfig.model_validate({"recall": {"modes": ["concept"]}, "k": 5}).k == 5
