"""LangGraph's long-term store (`BaseStore`) over chromadb, with semantic search.

Items live in one collection used as a key-value table (a constant one-dimensional vector
each; metadata holds the namespace, key, timestamps and the value as JSON). When an index is
configured, the indexed text fields of each item are embedded into a second collection, one
entry per field, and a query takes the best-scoring field of each item, as LangGraph's own
stores do. Namespace prefixes become equality filters on per-level metadata keys, so chromadb
narrows the candidates; value filters (`$eq`, `$ne`, `$gt`, ...) are applied to the decoded
values, with the same semantics as `InMemoryStore`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction
from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)
from langgraph.store.base.embed import get_text_at_path, tokenize_path

from ponder.memory._client import Connection
from ponder.memory.store import Where, where_all

_UNIT = np.ones((1, 1), dtype=np.float32)  # items need a vector; they are found by id or filter


class ChromaIndexConfig(TypedDict, total=False):
    """What to embed: a chromadb embedding function and the value fields (JSON paths)."""

    embed: EmbeddingFunction[Documents]
    fields: list[str]


def _item_id(namespace: tuple[str, ...], key: str) -> str:
    return hashlib.sha256(json.dumps([list(namespace), key]).encode()).hexdigest()[:32]


def _namespace_where(prefix: Sequence[str]) -> Where | None:
    return where_all(*({f"ns_{level}": part} for level, part in enumerate(prefix)))


def _matches(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    path = condition.path
    if len(namespace) < len(path):
        return False
    pairs = (
        zip(namespace, path, strict=False)
        if condition.match_type == "prefix"
        else zip(reversed(namespace), reversed(path), strict=False)
    )
    return all(wanted == "*" or part == wanted for part, wanted in pairs)


def _apply_operator(value: Any, operator: str, wanted: Any) -> bool:
    if operator == "$eq":
        return bool(value == wanted)
    if operator == "$ne":
        return bool(value != wanted)
    if value is None:
        return False
    if operator == "$gt":
        return float(value) > float(wanted)
    if operator == "$gte":
        return float(value) >= float(wanted)
    if operator == "$lt":
        return float(value) < float(wanted)
    if operator == "$lte":
        return float(value) <= float(wanted)
    raise ValueError(f"unsupported filter operator: {operator}")


def _compare(value: Any, wanted: Any) -> bool:
    """Match one filter entry: operators, nested objects, lists element-wise, else equality."""
    if isinstance(wanted, dict):
        if any(key.startswith("$") for key in wanted):
            return all(_apply_operator(value, op, arg) for op, arg in wanted.items())
        return isinstance(value, dict) and all(_compare(value.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(wanted)
            and all(_compare(v, w) for v, w in zip(value, wanted, strict=True))
        )
    return bool(value == wanted)


def _passes(item: Item, filter: dict[str, Any] | None) -> bool:
    return not filter or all(_compare(item.value.get(k), v) for k, v in filter.items())


def _item_of(meta: dict[str, Any]) -> Item:
    return Item(
        value=json.loads(meta["value"]),
        key=str(meta["key"]),
        namespace=tuple(json.loads(meta["ns"])),
        created_at=datetime.fromtimestamp(float(meta["created_at"]), UTC),
        updated_at=datetime.fromtimestamp(float(meta["updated_at"]), UTC),
    )


def _search_item(item: Item, score: float | None = None) -> SearchItem:
    return SearchItem(
        item.namespace, item.key, item.value, item.created_at, item.updated_at, score=score
    )


class ChromaStore(BaseStore):
    """A `BaseStore` whose items and vectors live in chromadb (embedded or server)."""

    supports_ttl = False

    def __init__(
        self,
        connection: Connection,
        *,
        index: ChromaIndexConfig | None = None,
        collection: str = "ponder-langgraph",
    ) -> None:
        self.connection = connection
        self.name = collection
        self.embedder = index.get("embed") if index else None
        self.fields = [
            (path, tokenize_path(path) if path != "$" else path)
            for path in ((index or {}).get("fields") or ["$"])
        ]
        with connection.writing():
            self.items  # noqa: B018  (create both collections up front)
            self.vectors  # noqa: B018

    @property
    def items(self) -> Collection:
        """Items as a key-value table: a constant vector each, everything in metadata."""
        return self.connection.collection(
            f"{self.name}-items",
            lambda client: client.get_or_create_collection(
                f"{self.name}-items",
                embedding_function=None,
                configuration={"hnsw": {"space": "l2"}},
            ),
        )

    @property
    def vectors(self) -> Collection | None:
        """One entry per indexed field of each item; `None` without an index."""
        if self.embedder is None:
            return None
        return self.connection.collection(
            f"{self.name}-vectors",
            lambda client: client.get_or_create_collection(
                f"{self.name}-vectors",
                embedding_function=self.embedder,  # type: ignore[arg-type]
                configuration={"hnsw": {"space": "cosine"}},
            ),
        )

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        url: str | None = None,
        **options: Any,
    ) -> ChromaStore:
        """Open the store in a directory, or on a Chroma server at `url`."""
        return cls(Connection.to(path, url), **options)

    # -- BaseStore -----------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run operations in order; later operations see the effect of earlier ones."""
        results: list[Result] = []
        for op in ops:
            if isinstance(op, GetOp):
                results.append(self._get(op.namespace, op.key))
            elif isinstance(op, SearchOp):
                results.append(self._search(op))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._list_namespaces(op))
            elif isinstance(op, PutOp):
                self._put(op)
                results.append(None)
            else:
                raise ValueError(f"unknown operation type: {type(op)}")
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Run `batch` in a worker thread: chromadb calls block."""
        return await asyncio.to_thread(self.batch, list(ops))

    # -- operations ----------------------------------------------------------------------

    def _get(self, namespace: tuple[str, ...], key: str) -> Item | None:
        found = self.items.get(ids=[_item_id(namespace, key)], include=["metadatas"])
        metadatas = found["metadatas"] or []
        return _item_of(dict(metadatas[0])) if metadatas else None

    def _put(self, op: PutOp) -> None:
        item_id = _item_id(op.namespace, op.key)
        with self.connection.writing():
            if self.vectors is not None:
                self.vectors.delete(where={"item": item_id})
            if op.value is None:
                self.items.delete(ids=[item_id])
                return
            existing = self._get(op.namespace, op.key)
            stamp = datetime.now(UTC).timestamp()
            levels = {f"ns_{level}": part for level, part in enumerate(op.namespace)}
            meta: dict[str, Any] = {
                "ns": json.dumps(list(op.namespace)),
                "ns_depth": len(op.namespace),
                "key": op.key,
                "value": json.dumps(dict(op.value)),
                "created_at": existing.created_at.timestamp() if existing else stamp,
                "updated_at": stamp,
                **levels,
            }
            self.items.upsert(ids=[item_id], embeddings=_UNIT, metadatas=[meta])
            texts = self._texts(op)
            if texts and self.vectors is not None:
                self.vectors.add(
                    ids=[f"{item_id}:{path}" for path, _ in texts],
                    documents=[text for _, text in texts],
                    metadatas=[{"item": item_id, **levels} for _ in texts],
                )

    def _texts(self, op: PutOp) -> list[tuple[str, str]]:
        """Return (path, text) pairs to embed for a put, per the op's or the store's fields."""
        if self.embedder is None or op.index is False or op.value is None:
            return []
        paths = (
            self.fields
            if op.index is None
            else [(path, tokenize_path(path) if path != "$" else path) for path in op.index]
        )
        texts: list[tuple[str, str]] = []
        for path, tokens in paths:
            found = get_text_at_path(op.value, tokens)
            if len(found) == 1:
                texts.append((path, found[0]))
            else:
                texts.extend((f"{path}.{i}", text) for i, text in enumerate(found))
        return texts

    def _candidates(self, prefix: Sequence[str]) -> list[Item]:
        found = self.items.get(where=_namespace_where(prefix), include=["metadatas"])
        items = [_item_of(dict(meta)) for meta in found["metadatas"] or []]
        return sorted(items, key=lambda item: item.updated_at, reverse=True)

    def _search(self, op: SearchOp) -> list[SearchItem]:
        if not op.query or self.vectors is None:
            matched = [
                item for item in self._candidates(op.namespace_prefix) if _passes(item, op.filter)
            ]
            return [_search_item(item) for item in matched[op.offset : op.offset + op.limit]]
        wanted = op.offset + op.limit
        total = self.vectors.count()
        (query_vector,) = self.embedder([op.query])  # type: ignore[misc]
        fetch = max(4 * wanted, 20)
        while True:
            scored = self._ranked(query_vector, op, min(fetch, total))
            if len(scored) >= wanted or fetch >= total:
                break
            fetch *= 4
        if len(scored) < wanted:
            seen = {(item.namespace, item.key) for item, _ in scored}
            for item in self._candidates(op.namespace_prefix):
                if (item.namespace, item.key) not in seen and _passes(item, op.filter):
                    scored.append((item, None))
        return [_search_item(item, score) for item, score in scored[op.offset : wanted]]

    def _ranked(self, vector: Any, op: SearchOp, fetch: int) -> list[tuple[Item, float | None]]:
        """Best field score per item (max pooling), filtered, best first."""
        if fetch <= 0 or self.vectors is None:
            return []
        result = self.vectors.query(
            query_embeddings=[vector],
            n_results=fetch,
            where=_namespace_where(op.namespace_prefix),
            include=["metadatas", "distances"],
        )
        best: dict[str, float] = {}
        metadatas = (result["metadatas"] or [[]])[0]
        for meta, distance in zip(metadatas, (result["distances"] or [[]])[0], strict=True):
            item_id = str(meta["item"])
            best.setdefault(item_id, 1.0 - float(distance))
        if not best:
            return []
        found = self.items.get(ids=list(best), include=["metadatas"])
        items = {
            item_id: _item_of(dict(meta))
            for item_id, meta in zip(found["ids"], found["metadatas"] or [], strict=True)
        }
        return [
            (items[item_id], score)
            for item_id, score in best.items()
            if item_id in items and _passes(items[item_id], op.filter)
        ]

    def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        found = self.items.get(include=["metadatas"])
        namespaces = {tuple(json.loads(str(meta["ns"]))) for meta in found["metadatas"] or []}
        if op.match_conditions:
            namespaces = {
                ns for ns in namespaces if all(_matches(c, ns) for c in op.match_conditions)
            }
        if op.max_depth is not None:
            namespaces = {ns[: op.max_depth] for ns in namespaces}
        return sorted(namespaces)[op.offset : op.offset + op.limit]
