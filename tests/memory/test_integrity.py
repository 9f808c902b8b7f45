"""Integrity of the embedded store under concurrent processes and a hard kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from .conftest import hash_store

VOCABULARY = Path(__file__).with_name("conftest.py")  # any English text gives varied records

WRITER = textwrap.dedent(
    """
    import random, sys
    from ponder.memory import Experience, HashEmbedding, MemoryStore

    path, name, count, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[5])
    store = MemoryStore.open(path, embedder=HashEmbedding())
    words = random.Random(name).choices(open(sys.argv[4]).read().split(), k=8 * count)
    for start in range(0, count, batch):
        records = [
            Experience(
                id=f"{name}-{i}", task_signature=" ".join(words[8 * i : 8 * i + 8]), success=True
            )
            for i in range(start, min(start + batch, count))
        ]
        store.add_many(records, merge=False)
        for record in records:
            print(record.id, flush=True)
    """
)


def _writer(path: Path, name: str, count: int, batch: int = 1) -> subprocess.Popen[str]:
    """A process adding `count` records, `batch` per write, printing each id once stored."""
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), name, str(count), str(VOCABULARY), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "memory"
    hash_store(path)  # create the collection first so both writers open the same one
    # 25 records per write: interleaved writers reload the index from disk on every turn
    writers = [_writer(path, name, 1000, batch=25) for name in ("a", "b")]
    for writer in writers:
        out, err = writer.communicate(timeout=240)
        assert writer.returncode == 0, err
        assert len(out.split()) == 1000
    store = hash_store(path)
    assert store.count() == 2000
    ids = set(store.collection.get(include=[])["ids"])
    assert ids == {f"{name}-{i}" for name in ("a", "b") for i in range(1000)}
    everything = store.search_vector(store.embed(["any query"])[0], k=2000)
    assert len(everything) == 2000  # the vector index holds every record, not only the table


def test_records_written_before_sigkill_survive(tmp_path: Path) -> None:
    path = tmp_path / "memory"
    hash_store(path)
    writer = _writer(path, "k", 100_000)
    assert writer.stdout is not None
    confirmed: list[str] = []
    deadline = time.monotonic() + 120
    while len(confirmed) < 150 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        confirmed.append(line.strip())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    assert len(confirmed) >= 150, writer.stderr.read() if writer.stderr else ""
    store = hash_store(path)
    stored = set(store.collection.get(include=[])["ids"])
    assert set(confirmed) <= stored
    in_index = {hit.record.id for hit in store.search_vector(store.embed(["q"])[0], k=len(stored))}
    assert set(confirmed) <= in_index
    assert store.get(confirmed[-1]) is not None
    store.add(store.get(confirmed[0]).model_copy(update={"id": "after-kill"}), merge=False)  # type: ignore[union-attr]
    assert store.get("after-kill") is not None
