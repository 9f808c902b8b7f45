"""`MemoryStore`: records in one chromadb collection, embedded by a registered function.

The document of each chromadb entry is the record's `embed_text()`; the metadata holds the
whole record as JSON (`record`) plus flat copies of the fields that filters and sorting use.
Adding a record first looks for a near-duplicate of the same kind (cosine similarity at or
above `merge_threshold`) and merges into it instead of storing the text twice.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.collection_configuration import CreateCollectionConfiguration
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.errors import NotFoundError

from ponder.memory._client import Connection
from ponder.memory.embeddings import MiniLMEmbedding
from ponder.memory.merge import absorb
from ponder.memory.records import (
    Concept,
    Experience,
    Kind,
    MemoryRecord,
    record_from_data,
)

COLLECTION = "ponder-memory"
DEFAULT_MERGE_THRESHOLD = 0.95
_CONFIGURATION: CreateCollectionConfiguration = {
    "hnsw": {"space": "cosine", "ef_construction": 100, "ef_search": 100, "max_neighbors": 16}
}

Where = dict[str, Any]


@dataclass(frozen=True)
class Hit:
    """A record found by similarity; `similarity` is cosine similarity in [-1, 1]."""

    record: MemoryRecord
    similarity: float


def metadata_of(record: MemoryRecord) -> dict[str, str | int | float | bool]:
    """Flat, filterable fields plus the full record; chromadb metadata allows scalars only."""
    meta: dict[str, str | int | float | bool] = {
        "kind": record.kind,
        "schema_version": record.schema_version,
        "created_at": record.created_at.timestamp(),
        "updated_at": record.updated_at.timestamp(),
        "run_id": record.run_id,
        "model": record.model,
        "occurrences": record.occurrences,
        "record": record.model_dump_json(),
    }
    if isinstance(record, Experience):
        meta["success"] = record.success
        meta["score"] = record.score
    if isinstance(record, Concept):
        meta["votes"] = record.votes
        meta["retired"] = record.retired
    return meta


def where_all(*clauses: Where | None, **equals: Any) -> Where | None:
    """Combine filters the way chromadb wants them: one clause bare, several under `$and`."""
    parts: list[Where] = [clause for clause in clauses if clause]
    parts.extend({key: value} for key, value in equals.items() if value is not None)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


class MemoryStore:
    """Records of every kind in one chromadb collection; safe to share between threads."""

    def __init__(
        self,
        connection: Connection,
        *,
        embedder: EmbeddingFunction[Documents] | None = None,
        collection: str = COLLECTION,
        merge_threshold: float = DEFAULT_MERGE_THRESHOLD,
    ) -> None:
        self.connection = connection
        self.merge_threshold = merge_threshold
        self.collection_name = collection
        with connection.writing():
            opened = connection.collection(
                collection, lambda client: _open_collection(client, collection, embedder)
            )
        function = opened.configuration.get("embedding_function")
        if embedder is None and function is None:
            raise ValueError(f"collection {collection} has no embedding function stored")
        self.embedder: EmbeddingFunction[Documents] = embedder or function  # type: ignore[assignment]

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        url: str | None = None,
        **options: Any,
    ) -> MemoryStore:
        """Open (or create) the store at `path`, or on the server at `url`/`PONDER_CHROMA_URL`."""
        return cls(Connection.to(path, url), **options)

    @property
    def collection(self) -> Collection:
        """The chromadb collection, reopened if another process wrote to this store."""
        return self.connection.collection(self.collection_name, self._reopen)

    def _reopen(self, client: ClientAPI) -> Collection:
        return client.get_collection(self.collection_name, embedding_function=self.embedder)  # type: ignore[arg-type]

    # -- writing -------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [list(map(float, vector)) for vector in self.embedder(list(texts))]

    def add(self, record: MemoryRecord, *, merge: bool = True) -> MemoryRecord:
        """Store `record`, or merge it into a near-duplicate; returns what is stored."""
        (vector,) = self.embed([record.embed_text()])
        with self.connection.writing():
            if merge:
                twin = self._nearest_twin(record, vector)
                if twin is not None:
                    merged = absorb(twin, record)
                    self._write([merged], None)
                    return merged
            self._write([record], [vector])
        return record

    def add_many(
        self, records: Sequence[MemoryRecord], *, merge: bool = True
    ) -> list[MemoryRecord]:
        """Add records in order; without merging they are written in one batch, ids kept."""
        if merge:
            return [self.add(record) for record in records]
        if records:
            vectors = self.embed([record.embed_text() for record in records])
            with self.connection.writing():
                self._write(list(records), vectors)
        return list(records)

    def add_embedded(
        self, records: Sequence[MemoryRecord], vectors: Sequence[Sequence[float]]
    ) -> None:
        """Store records with vectors computed elsewhere (bulk loads, benchmarks); no merging."""
        if len(records) != len(vectors):
            raise ValueError(f"{len(records)} records but {len(vectors)} vectors")
        with self.connection.writing():
            self._write(list(records), [list(map(float, vector)) for vector in vectors])

    def update(self, record: MemoryRecord) -> MemoryRecord:
        """Replace a stored record by id, re-embedding it (its text may have changed)."""
        (vector,) = self.embed([record.embed_text()])
        with self.connection.writing():
            self._write([record], [vector])
        return record

    def _nearest_twin(self, record: MemoryRecord, vector: list[float]) -> MemoryRecord | None:
        where = where_all(
            kind=record.kind, success=record.success if isinstance(record, Experience) else None
        )
        hits = self._query(vector, where, 1)
        if hits and hits[0].similarity >= self.merge_threshold and hits[0].record.id != record.id:
            return hits[0].record
        return None

    def _write(self, records: list[MemoryRecord], vectors: list[list[float]] | None) -> None:
        ids = [record.id for record in records]
        metadatas: Any = [metadata_of(record) for record in records]
        if vectors is None:
            self.collection.update(ids=ids, metadatas=metadatas)
        else:
            documents = [record.embed_text() for record in records]
            self.collection.upsert(
                ids=ids,
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=documents,
                metadatas=metadatas,
            )

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id; returns how many existed."""
        wanted = list(ids)
        if not wanted:
            return 0
        with self.connection.writing():
            present = self.collection.get(ids=wanted, include=[])["ids"]
            if present:
                self.collection.delete(ids=present)
        return len(present)

    # -- reading -------------------------------------------------------------------------

    def get(self, record_id: str) -> MemoryRecord | None:
        found = self.collection.get(ids=[record_id], include=["metadatas"])
        metadatas = found["metadatas"] or []
        return record_from_data(str(metadatas[0]["record"])) if metadatas else None

    def count(self, kind: Kind | None = None) -> int:
        if kind is None:
            return self.collection.count()
        return len(self.collection.get(where={"kind": kind}, include=[])["ids"])

    def records(
        self, kind: Kind | None = None, where: Where | None = None, limit: int | None = None
    ) -> list[MemoryRecord]:
        """List records matching the filters, most recently updated first."""
        found = self.collection.get(where=where_all(where, kind=kind), include=["metadatas"])
        metadatas = found["metadatas"] or []
        ordered = sorted(metadatas, key=lambda meta: float(meta["updated_at"]), reverse=True)  # type: ignore[arg-type]
        return [record_from_data(str(meta["record"])) for meta in ordered[:limit]]

    def search(
        self,
        query: str,
        *,
        kind: Kind | None = None,
        k: int = 5,
        where: Where | None = None,
        min_similarity: float = -1.0,
    ) -> list[Hit]:
        """Find the `k` records most similar to `query`, best first."""
        if k <= 0:
            return []
        (vector,) = self.embed([query])
        hits = self._query(vector, where_all(where, kind=kind), k)
        return [hit for hit in hits if hit.similarity >= min_similarity]

    def search_vector(
        self, vector: Sequence[float], k: int, where: Where | None = None
    ) -> list[Hit]:
        """Nearest records to a precomputed vector (benchmarks isolate the store this way)."""
        return self._query(list(vector), where, k)

    def _query(self, vector: list[float], where: Where | None, k: int) -> list[Hit]:
        result = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=k,
            where=where,
            include=["metadatas", "distances"],
        )
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        return [
            Hit(record_from_data(str(meta["record"])), 1.0 - float(distance))
            for meta, distance in zip(metadatas, distances, strict=True)
        ]

    # -- bookkeeping ---------------------------------------------------------------------

    def bump_counter(self, name: str) -> int:
        """Increment a named counter kept in the collection metadata; returns the new value."""
        key = f"ponder:{name}"
        with self.connection.writing():
            current = self._reopen(self.connection.client)
            metadata = dict(current.metadata or {})
            value = int(metadata.get(key, 0)) + 1
            metadata[key] = value
            current.modify(metadata=metadata)
        return value

    def stats(self) -> dict[str, Any]:
        """Count records per kind and outcome, for `ponder memory stats`."""
        found = self.collection.get(include=["metadatas"])
        counts: dict[str, int] = {}
        for meta in found["metadatas"] or []:
            kind = str(meta["kind"])
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "experience":
                label = "experience.success" if meta.get("success") else "experience.failure"
                counts[label] = counts.get(label, 0) + 1
            if kind == "concept" and meta.get("retired"):
                counts["concept.retired"] = counts.get("concept.retired", 0) + 1
        return {
            "total": len(found["ids"]),
            "counts": dict(sorted(counts.items())),
            "embedding": self.embedder.name(),
            "collection": self.collection_name,
        }


def _open_collection(
    client: ClientAPI, name: str, embedder: EmbeddingFunction[Documents] | None
) -> Collection:
    """Open `name` with its stored embedding function, or create it with `embedder` (MiniLM)."""
    try:
        if embedder is None:
            return client.get_collection(name)
        return client.get_collection(name, embedding_function=embedder)  # type: ignore[arg-type]
    except NotFoundError:
        pass
    except ValueError as error:
        if "does not exist" not in str(error):
            raise
    return client.get_or_create_collection(
        name,
        embedding_function=embedder or MiniLMEmbedding(),  # type: ignore[arg-type]
        configuration=copy.deepcopy(_CONFIGURATION),  # chromadb writes into the dict it gets
    )
