"""The store's contract, run against the embedded store and a real Chroma server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ponder.memory import Concept, Experience, MemoryStore, Reflection

from .conftest import hash_store


def experience(question: str, answer: str, success: bool, **extra: object) -> Experience:
    return Experience(task_signature=question, answer=answer, success=success, **extra)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field(any_store: MemoryStore) -> None:
    record = experience(
        "What is 17 + 25?", "42", True, score=1.0, trajectory=["17+25=42"], run_id="r1"
    )
    any_store.add(record)
    assert any_store.get(record.id) == record
    assert any_store.get("missing") is None


def test_search_ranks_the_similar_record_first(any_store: MemoryStore) -> None:
    any_store.add(experience("What is 17 + 25?", "42", True))
    any_store.add(experience("Paint the garden fence blue before the rain", "done", True))
    any_store.add(Reflection(task_signature="What is 3 + 4?", lesson="carry the tens"))
    hits = any_store.search("What is 17 + 26?", kind="experience", k=2)
    assert [hit.record.answer for hit in hits] == ["42", "done"]  # type: ignore[union-attr]
    assert hits[0].similarity > hits[1].similarity
    assert all(hit.record.kind == "experience" for hit in hits)


def test_near_duplicates_of_one_kind_merge(any_store: MemoryStore) -> None:
    first = any_store.add(experience("What is 17 + 25?", "42", True, score=0.5))
    second = any_store.add(experience("What is 17 + 25?", "42", True, score=1.0))
    assert second.id == first.id
    assert second.occurrences == 2 and second.score == 1.0  # type: ignore[union-attr]
    assert any_store.count() == 1
    assert any_store.get(first.id) == second


def test_different_kinds_or_outcomes_are_not_merged(any_store: MemoryStore) -> None:
    any_store.add(experience("What is 17 + 25?", "42", True))
    any_store.add(experience("What is 17 + 25?", "32", False))
    any_store.add(Concept(insight="What is 17 + 25?"))
    assert any_store.count() == 3
    assert any_store.count("experience") == 2


def test_a_distinct_record_is_not_merged(any_store: MemoryStore) -> None:
    any_store.add(Reflection(task_signature="What is 17 + 25?", lesson="add the units first"))
    any_store.add(Reflection(task_signature="Spell 'necessary'", lesson="one c, two s"))
    assert any_store.count("reflection") == 2


def test_concept_proposed_twice_gains_a_vote(any_store: MemoryStore) -> None:
    first = any_store.add(Concept(insight="Check the carry when adding multi-digit numbers."))
    merged = any_store.add(Concept(insight="Check the carry when adding multi-digit numbers."))
    assert isinstance(merged, Concept) and merged.id == first.id
    assert merged.votes == 2 and [edit.op for edit in merged.history] == ["MERGE"]


def test_update_delete_and_listing(any_store: MemoryStore) -> None:
    old = any_store.add(Concept(insight="Estimate before computing."))
    new = any_store.add(Reflection(task_signature="What is 9 * 8?", lesson="recheck tables"))
    assert [r.id for r in any_store.records()] == [new.id, old.id]
    any_store.update(old.model_copy(update={"insight": "Estimate the size first."}))
    assert any_store.get(old.id).insight == "Estimate the size first."  # type: ignore[union-attr]
    hits = any_store.search("estimate the size", kind="concept", k=1)
    assert hits[0].record.insight == "Estimate the size first."  # type: ignore[union-attr]
    assert any_store.delete([old.id, "missing"]) == 1
    assert [r.id for r in any_store.records()] == [new.id]


def test_filters_and_counter(any_store: MemoryStore) -> None:
    any_store.add(experience("What is 17 + 25?", "42", True))
    any_store.add(experience("What is 18 + 25?", "33", False))
    failures = any_store.search("17 + 25", kind="experience", where={"success": False}, k=5)
    assert [h.record.answer for h in failures] == ["33"]  # type: ignore[union-attr]
    assert [any_store.bump_counter("tasks") for _ in range(3)] == [1, 2, 3]
    stats = any_store.stats()
    assert stats["counts"]["experience.failure"] == 1 and stats["total"] == 2


def test_min_similarity_drops_unrelated_records(store: MemoryStore) -> None:
    store.add(experience("Paint the garden fence blue", "done", True))
    assert store.search("What is 17 + 25?", min_similarity=0.5) == []


def test_reopens_in_a_new_process_without_naming_the_embedding(tmp_path: Path) -> None:
    path = tmp_path / "memory"
    store = hash_store(path)
    kept = store.add(experience("What is 17 + 25?", "42", True))
    store.add(experience("Paint the garden fence blue", "done", True))
    script = (
        "import sys; from ponder.memory import MemoryStore\n"
        "s = MemoryStore.open(sys.argv[1])\n"
        "print(type(s.embedder).__name__, s.search('What is 17 + 25?', k=1)[0].record.id)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["HashEmbedding", kept.id]


def test_schema_version_from_the_future_is_refused(store: MemoryStore) -> None:
    record = experience("What is 1 + 1?", "2", True).model_copy(update={"schema_version": 99})
    store.add(record)
    with pytest.raises(ValueError, match="schema version 99"):
        store.get(record.id)


def test_ponder_chroma_url_selects_the_server(
    chroma_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ponder.memory import HashEmbedding, MemoryConfig

    monkeypatch.setenv("PONDER_CHROMA_URL", chroma_url)
    store = MemoryStore.open(tmp_path / "unused", embedder=HashEmbedding(), collection="env-url")
    store.add(experience("What is 2 + 2?", "4", True))
    assert store.connection.url == chroma_url and not (tmp_path / "unused").exists()
    again = MemoryConfig(collection="env-url", embedding="hash").open_store()
    assert again.count() == 1 and isinstance(again.embedder, HashEmbedding)


def test_stores_with_different_embeddings_coexist_in_one_process(tmp_path: Path) -> None:
    from ponder.memory import HashEmbedding, MemoryConfig

    hashed = MemoryStore.open(tmp_path / "a", embedder=HashEmbedding(dim=64))
    other = MemoryConfig(path=tmp_path / "b", embedding="hash").open_store()
    assert (hashed.embedder.get_config()["dim"], other.embedder.get_config()["dim"]) == (64, 384)
