"""`ponder memory` commands, driven through typer's runner on real stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ponder.cli.memory_cmd import memory_app
from ponder.memory import Concept, Experience, MemoryStore, Reflection
from tests.conftest import requires_embedded

from .conftest import hash_store

runner = CliRunner()


def filled(path: Path) -> MemoryStore:
    store = hash_store(path)
    store.add(Experience(task_signature="What is 17 + 25?", answer="42", success=True, run_id="r1"))
    store.add(
        Experience(task_signature="What is 18 + 27?", answer="35", success=False, feedback="no")
    )
    store.add(Reflection(task_signature="What is 18 + 27?", lesson="Carry the tens."))
    store.add(Concept(insight="Check the carry.", votes=3))
    store.add(Concept(insight="Guess.", votes=0, retired=True))
    return store


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(memory_app, list(args))
    return result.exit_code, result.output


def test_export_then_import_into_an_empty_store_gives_the_same_records(tmp_path: Path) -> None:
    source = filled(tmp_path / "a")
    code, out = invoke("export", str(tmp_path / "dump.jsonl"), "--store", str(tmp_path / "a"))
    assert code == 0 and "exported 5 records" in out
    code, out = invoke(
        "import",
        str(tmp_path / "dump.jsonl"),
        "--store",
        str(tmp_path / "b"),
        "--embedding",
        "hash",
    )
    assert code == 0 and "imported 5 records" in out
    copy = MemoryStore.open(tmp_path / "b")

    def contents(store: MemoryStore) -> dict[str, tuple[object, object]]:
        got = store.collection.get(include=["documents", "metadatas"])
        return {
            i: (doc, meta)
            for i, doc, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True
            )
        }

    assert contents(copy) == contents(source)
    assert copy.search("17 + 25", k=1)[0].record.id == source.search("17 + 25", k=1)[0].record.id


def test_ls_search_show_and_stats(tmp_path: Path) -> None:
    store = filled(tmp_path / "m")
    where = ["--store", str(tmp_path / "m")]
    code, out = invoke("ls", *where, "--json", "--kind", "concept")
    assert code == 0 and {r["insight"] for r in json.loads(out)} == {"Check the carry.", "Guess."}
    code, out = invoke("search", "What is 17 + 25?", *where, "--json", "-k", "1")
    assert json.loads(out)[0]["record"]["answer"] == "42"
    code, out = invoke("search", "What is 17 + 25?", *where, "-k", "2")
    assert code == 0 and "similarity" in out and "[success]" in out  # text, not rich markup
    concept = next(r for r in store.records("concept") if r.votes == 3)  # type: ignore[union-attr]
    code, out = invoke("show", concept.id[:8], *where, "--json")
    assert code == 0 and json.loads(out)["votes"] == 3
    code, out = invoke("stats", *where, "--json")
    assert json.loads(out)["counts"] == {
        "concept": 2,
        "concept.retired": 1,
        "experience": 2,
        "experience.failure": 1,
        "experience.success": 1,
        "reflection": 1,
    }


def test_rm_and_prune(tmp_path: Path) -> None:
    store = filled(tmp_path / "m")
    where = ["--store", str(tmp_path / "m")]
    code, out = invoke("prune", *where, "--retired", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["removed"] == 0 and len(json.loads(out)["matched"]) == 1
    assert store.count() == 5
    code, _ = invoke("prune", *where, "--retired")
    assert code == 0 and store.count("concept") == 1
    code, _ = invoke("prune", *where, "--kind", "experience", "--older-than", "1")
    assert store.count("experience") == 2  # nothing is a day old yet
    code, _ = invoke("prune", *where, "--kind", "experience", "--older-than", "0")
    assert store.count("experience") == 0
    reflection = store.records("reflection")[0]
    code, out = invoke("rm", reflection.id, *where)
    assert code == 0 and "removed 1" in out and store.get(reflection.id) is None


def test_mistakes_print_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out = invoke("ls", "--store", str(tmp_path / "nowhere"))
    assert code == 2 and "no memory store at" in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()
    filled(tmp_path / "m")
    code, out = invoke("show", "zzz", "--store", str(tmp_path / "m"))
    assert code == 2 and "matches no record" in out
    code, out = invoke("prune", "--store", str(tmp_path / "m"))
    assert code == 2 and "needs a condition" in out
    code, out = invoke("ls", "--store", str(tmp_path / "m"), "--kind", "thought")
    assert code == 2 and "unknown kind" in out
    (tmp_path / "bad.jsonl").write_text('{"kind": "experience"}\n')
    code, out = invoke("import", str(tmp_path / "bad.jsonl"), "--store", str(tmp_path / "m"))
    assert code == 2 and "bad.jsonl:1: not a memory record" in out


@pytest.mark.embedded
@requires_embedded
def test_distill_runs_the_embedded_model_and_reports_what_it_did(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    before = {c.id: c.votes for c in MemoryStore.open(tmp_path / "s").records(kind="concept")}
    code, out = invoke(
        "distill", "--store", str(tmp_path / "s"), "--sample", "2", "--max-ops", "2", "--json"
    )
    assert code == 0, out
    report = json.loads(out)
    assert set(report) >= {"added", "edited", "voted", "retired"}
    after = MemoryStore.open(tmp_path / "s").records(kind="concept")
    changed = (
        len(report["added"]) + len(report["edited"]) + len(report["voted"]) + len(report["retired"])
    )
    assert changed <= 2  # max-ops holds whatever the small model proposed
    assert {c.id for c in after} >= set(before)  # nothing stored is lost
