"""Benchmark the memory store: insert throughput, query latency and recall@10.

Two kinds of rows:
- `vectors`: precomputed 384-d vectors (a mixture of 200 Gaussian clusters, normalised, like
  sentence embeddings that group by topic) written straight to the store, so the numbers
  are the store's own: chromadb's HNSW index plus ponder's record decoding.
- `minilm`: synthetic task texts embedded by the offline MiniLM model on insert and on
  query, i.e. what a run pays.

recall@10 compares the store's top 10 with exact cosine search in numpy over the same data.

    .venv/bin/python bench/memory.py                     # 1k, 10k, 100k vectors + minilm 10k
    .venv/bin/python bench/memory.py --sizes 1000 10000 --minilm 2000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from ponder.memory import Experience, HashEmbedding, MemoryStore, MiniLMEmbedding

DIM = 384
BATCH = 1000


@dataclass
class Row:
    case: str
    records: int
    insert_per_s: float
    p50_ms: float
    p99_ms: float
    recall: float


def clustered(n: int, rng: np.random.Generator, centers: np.ndarray) -> np.ndarray:
    picks = rng.integers(0, len(centers), size=n)
    points = centers[picks] + 0.35 * rng.standard_normal((n, DIM)) / np.sqrt(DIM)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def exact_top(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ data.T
    return np.argsort(-scores, axis=1)[:, :k]


def measure_queries(
    search: Callable[[int], list[str]], truth: np.ndarray, ids: list[str], k: int
) -> tuple[float, float, float]:
    """Run every query once; return p50 ms, p99 ms and mean recall@k."""
    latencies, recalls = [], []
    for index in range(len(truth)):
        started = time.perf_counter()
        found = search(index)
        latencies.append((time.perf_counter() - started) * 1000)
        wanted = {ids[i] for i in truth[index]}
        recalls.append(len(wanted & set(found[:k])) / k)
    return (
        float(np.percentile(latencies, 50)),
        float(np.percentile(latencies, 99)),
        float(np.mean(recalls)),
    )


def records_for(n: int, texts: list[str] | None = None) -> list[Experience]:
    return [
        Experience(
            id=f"r{i}", task_signature=texts[i] if texts else f"record {i}", success=i % 3 > 0
        )
        for i in range(n)
    ]


def bench_vectors(n: int, queries: int, root: Path, seed: int) -> Row:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((200, DIM)) / np.sqrt(DIM)
    data, probes = clustered(n, rng, centers), clustered(queries, rng, centers)
    store = MemoryStore.open(root / f"vectors-{n}", embedder=HashEmbedding())
    records = records_for(n)
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        store.add_embedded(records[start : start + BATCH], data[start : start + BATCH].tolist())
    insert = n / (time.perf_counter() - started)
    ids = [record.id for record in records]
    truth = exact_top(data, probes, 10)
    p50, p99, recall = measure_queries(
        lambda i: [hit.record.id for hit in store.search_vector(probes[i].tolist(), 10)],
        truth,
        ids,
        10,
    )
    return Row("vectors", n, insert, p50, p99, recall)


def task_texts(n: int, seed: int) -> list[str]:
    """Varied task-like sentences: arithmetic, word problems and questions about things."""
    rng = random.Random(seed)
    names = ["Ava", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun"]
    things = ["apples", "marbles", "books", "coins", "stickers", "pencils", "eggs", "cards"]
    verbs = ["buys", "finds", "gives away", "loses", "sells", "receives"]
    forms = [
        lambda: f"What is {rng.randint(2, 999)} {rng.choice('+-*')} {rng.randint(2, 999)}?",
        lambda: (
            f"{rng.choice(names)} has {rng.randint(2, 90)} {rng.choice(things)} and "
            f"{rng.choice(verbs)} {rng.randint(1, 40)}. How many are left?"
        ),
        lambda: (
            f"Use the numbers {rng.randint(1, 13)}, {rng.randint(1, 13)}, {rng.randint(1, 13)} "
            f"and {rng.randint(1, 13)} to make {rng.choice([24, 10, 100, 36])}."
        ),
        lambda: (
            f"A train travels {rng.randint(20, 400)} km in {rng.randint(1, 9)} hours. "
            f"What is its average speed in km per {rng.choice(['hour', 'minute'])}?"
        ),
    ]
    return [rng.choice(forms)() for _ in range(n)]


def bench_minilm(n: int, queries: int, root: Path, seed: int) -> Row:
    texts = task_texts(n + queries, seed)
    store = MemoryStore.open(root / f"minilm-{n}", embedder=MiniLMEmbedding())
    store.embed(["warm up the model"])
    records = records_for(n, texts[:n])
    started = time.perf_counter()
    for start in range(0, n, 256):
        store.add_many(records[start : start + 256], merge=False)
    insert = n / (time.perf_counter() - started)
    stored = store.collection.get(ids=[record.id for record in records], include=["embeddings"])
    order = {record_id: index for index, record_id in enumerate(stored["ids"])}
    embeddings = np.asarray(stored["embeddings"], dtype=np.float32)
    data = embeddings[[order[record.id] for record in records]]
    probes = np.array(store.embed(texts[n:]), dtype=np.float32)
    truth = exact_top(data, probes, 10)
    ids = [record.id for record in records]
    p50, p99, recall = measure_queries(
        lambda i: [hit.record.id for hit in store.search(texts[n + i], k=10)], truth, ids, 10
    )
    return Row("minilm (embed + store)", n, insert, p50, p99, recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--minilm", type=int, default=10_000, help="0 to skip")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ponder-bench-") as tmp:
        for size in args.sizes:
            rows.append(bench_vectors(size, args.queries, Path(tmp), args.seed))
            print(f"done: vectors {size}", flush=True)
        if args.minilm:
            rows.append(bench_minilm(args.minilm, args.queries, Path(tmp), args.seed))
    table = Table(title="ponder memory store (chromadb embedded, HNSW cosine, k=10)")
    for column in ("case", "records", "insert rec/s", "query p50 ms", "query p99 ms", "recall@10"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for row in rows:
        table.add_row(
            row.case,
            f"{row.records:,}",
            f"{row.insert_per_s:,.0f}",
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            f"{row.recall:.3f}",
        )
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
