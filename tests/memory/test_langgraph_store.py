"""`ChromaStore` against LangGraph's `InMemoryStore`: the same operations, the same answers.

Every test runs on the embedded store and on a real Chroma server. Semantic search uses the
fake embedder on both sides, so scores must agree, not only the order.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from ponder.memory import ChromaStore, HashEmbedding

EMBED = HashEmbedding()


def _embed(texts: list[str]) -> list[list[float]]:
    return [vector.tolist() for vector in map(np.asarray, EMBED(texts))]


def stores(backend: str, fields: list[str] | None = None) -> tuple[ChromaStore, InMemoryStore]:
    index: dict[str, Any] = {"embed": EMBED, "fields": fields or ["text"]}
    if backend.startswith("http"):
        chroma = ChromaStore.open(
            url=backend, index=index, collection=f"lg-{uuid.uuid4().hex[:10]}"
        )  # type: ignore[arg-type]
    else:
        chroma = ChromaStore.open(Path(backend), index=index)  # type: ignore[arg-type]
    reference = InMemoryStore(
        index={"dims": EMBED.dim, "embed": _embed, "fields": fields or ["text"]}
    )
    return chroma, reference


DOCS = [
    (("docs", "alice"), "1", {"text": "python tutorial for beginners", "stars": 5, "tag": "py"}),
    (("docs", "alice"), "2", {"text": "typescript guide", "stars": 3, "tag": "ts"}),
    (("docs", "bob"), "3", {"text": "advanced python decorators", "stars": 4, "tag": "py"}),
    (("notes", "bob", "v1"), "4", {"text": "grocery list: eggs and milk", "stars": 1}),
    (("notes", "carol", "v1"), "5", {"text": "python snake care", "stars": 2, "meta": {"a": 1}}),
]


def fill(*targets: BaseStore) -> None:
    for store in targets:
        for namespace, key, value in DOCS:
            store.put(namespace, key, value)


def keys(items: list[Any]) -> list[str]:
    return [item.key for item in items]


def test_get_put_update_delete(backend: str) -> None:
    chroma, _ = stores(backend)
    chroma.put(("users", "u1"), "prefs", {"theme": "dark"})
    first = chroma.get(("users", "u1"), "prefs")
    assert first is not None and first.value == {"theme": "dark"}
    chroma.put(("users", "u1"), "prefs", {"theme": "light"})
    second = chroma.get(("users", "u1"), "prefs")
    assert second is not None and second.value == {"theme": "light"}
    assert second.created_at == first.created_at and second.updated_at >= first.updated_at
    assert chroma.get(("users",), "prefs") is None
    chroma.delete(("users", "u1"), "prefs")
    assert chroma.get(("users", "u1"), "prefs") is None
    assert chroma.search(("users",), query="light theme") == []


@pytest.mark.parametrize(
    "prefix, filter",
    [
        ((), None),
        (("docs",), None),
        (("docs", "alice"), None),
        (("notes",), {"stars": {"$gte": 2}}),
        ((), {"tag": "py"}),
        ((), {"stars": {"$gt": 1, "$lt": 5}}),
        ((), {"tag": {"$ne": "py"}}),
        ((), {"meta": {"a": 1}}),
        (("nothing",), None),
    ],
)
def test_filtered_search_matches_in_memory_store(
    backend: str, prefix: tuple[str, ...], filter: dict[str, Any] | None
) -> None:
    chroma, reference = stores(backend)
    fill(chroma, reference)
    got = chroma.search(prefix, filter=filter, limit=10)
    want = reference.search(prefix, filter=filter, limit=10)
    assert sorted(keys(got)) == sorted(keys(want))
    assert {item.key: item.value for item in got} == {item.key: item.value for item in want}


@pytest.mark.parametrize("prefix", [(), ("docs",), ("notes", "bob")])
def test_semantic_search_matches_in_memory_store(backend: str, prefix: tuple[str, ...]) -> None:
    chroma, reference = stores(backend)
    fill(chroma, reference)
    got = chroma.search(prefix, query="python programming", limit=3)
    want = reference.search(prefix, query="python programming", limit=3)
    assert keys(got) == keys(want)
    assert [item.score for item in got] == pytest.approx([item.score for item in want], abs=1e-4)


def test_semantic_search_pages_filters_and_fills_unindexed(backend: str) -> None:
    chroma, reference = stores(backend)
    fill(chroma, reference)
    for store in (chroma, reference):
        store.put(("docs", "dave"), "6", {"text": "python packaging", "stars": 9}, index=False)
    query = dict(query="python", filter={"stars": {"$gte": 2}})
    everything = chroma.search((), limit=10, **query)  # type: ignore[arg-type]
    assert keys(everything) == keys(reference.search((), limit=10, **query))  # type: ignore[arg-type]
    assert everything[-1].key == "6" and everything[-1].score is None
    page = chroma.search((), limit=2, offset=1, **query)  # type: ignore[arg-type]
    assert keys(page) == keys(everything)[1:3]


def test_field_paths_and_per_put_index(backend: str) -> None:
    chroma, reference = stores(backend, fields=["title", "sections[*].body"])
    value = {"title": "cooking", "sections": [{"body": "boil pasta"}, {"body": "python scripts"}]}
    for store in (chroma, reference):
        store.put(("kb",), "a", value)
        store.put(("kb",), "b", {"title": "python handbook", "sections": []})
        store.put(("kb",), "c", {"title": "gardening", "other": "python"}, index=["other"])
    got = chroma.search(("kb",), query="python", limit=3)
    want = reference.search(("kb",), query="python", limit=3)
    assert keys(got) == keys(want)
    assert [item.score for item in got] == pytest.approx([item.score for item in want], abs=1e-4)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"prefix": ("notes",)},
        {"suffix": ("v1",)},
        {"prefix": ("notes", "*", "v1")},
        {"max_depth": 1},
        {"max_depth": 2, "prefix": ("docs",)},
        {"limit": 2, "offset": 1},
    ],
)
def test_list_namespaces_matches_in_memory_store(backend: str, options: dict[str, Any]) -> None:
    chroma, reference = stores(backend)
    fill(chroma, reference)
    assert chroma.list_namespaces(**options) == reference.list_namespaces(**options)


async def test_async_api(backend: str) -> None:
    chroma, _ = stores(backend)
    await chroma.aput(("a",), "k", {"text": "hello world"})
    item = await chroma.aget(("a",), "k")
    assert item is not None and item.value == {"text": "hello world"}
    found = await chroma.asearch(("a",), query="hello")
    assert keys(found) == ["k"] and found[0].score is not None and found[0].score > 0.5
    await chroma.adelete(("a",), "k")
    assert await chroma.aget(("a",), "k") is None


def test_persists_across_reopen(tmp_path: Path) -> None:
    index: Any = {"embed": EMBED, "fields": ["text"]}
    ChromaStore.open(tmp_path, index=index).put(("docs",), "1", {"text": "python tutorial"})
    reopened = ChromaStore.open(tmp_path, index=index)
    assert keys(reopened.search(("docs",), query="python")) == ["1"]
