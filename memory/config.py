"""The `memory:` block of a scenario file, validated strictly like the rest of it.

```yaml
memory:
  path: .ponder/memory          # embedded store directory (ignored when url is set)
  url: http://127.0.0.1:8000    # optional Chroma server; PONDER_CHROMA_URL also works
  learn: [experience, reflection, concept]
  recall: {modes: [experience, reflection, concept], min_similarity: 0.3, failures: true}
  k: 3                          # notes per recalled mode
  distill_every: 10             # concept distillation every N tasks; 0 = only on demand
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from chromadb.api import ClientAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ponder.memory import _client
from ponder.memory.embeddings import HashEmbedding, MiniLMEmbedding
from ponder.memory.store import COLLECTION, DEFAULT_MERGE_THRESHOLD, MemoryStore

Mode = Literal["experience", "reflection", "concept"]
MODES: tuple[Mode, ...] = ("experience", "reflection", "concept")
EMBEDDERS = {"minilm": MiniLMEmbedding, "hash": HashEmbedding}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique(modes: list[Mode]) -> list[Mode]:
    if len(set(modes)) != len(modes):
        raise ValueError("each mode may be listed once")
    return modes


class RecallSpec(_Strict):
    """Which modes are read back before a task, and how close a memory must be to count."""

    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    min_similarity: float = Field(
        default=0.3,
        ge=-1,
        le=1,
        description="cosine similarity below which a memory is not recalled",
    )
    failures: bool = Field(
        default=True, description="also recall failed experiences, as things to avoid"
    )

    _check_modes = field_validator("modes")(_unique)


class MemoryConfig(_Strict):
    """Where memory lives, which modes write to it and which are read back, and how much."""

    path: Path = Field(default=_client.DEFAULT_PATH, description="embedded store directory")
    url: str | None = Field(default=None, description="Chroma server URL; overrides path")
    collection: str = Field(default=COLLECTION, min_length=3, max_length=63)
    learn: list[Mode] = Field(
        default_factory=lambda: list(MODES), description="modes that write after each task"
    )
    recall: RecallSpec = Field(default_factory=RecallSpec)
    k: int = Field(default=3, ge=0, le=50, description="notes recalled per mode")
    distill_every: int = Field(
        default=10, ge=0, description="run concept distillation every N tasks (0: only on demand)"
    )
    merge_threshold: float = Field(
        default=DEFAULT_MERGE_THRESHOLD, gt=0, le=1, description="similarity at which records merge"
    )
    embedding: Literal["minilm", "hash"] = Field(
        default="minilm", description="embedding for a new store; an existing store keeps its own"
    )

    _check_learn = field_validator("learn")(_unique)

    def open_store(self) -> MemoryStore:
        """Open the configured store, creating it with the configured embedding if new."""
        connection = _client.Connection.to(self.path, self.url)
        return MemoryStore(
            connection,
            embedder=_embedder_if_new(connection.client, self.collection, self.embedding),
            collection=self.collection,
            merge_threshold=self.merge_threshold,
        )


def _embedder_if_new(
    client: ClientAPI, collection: str, embedding: str
) -> MiniLMEmbedding | HashEmbedding | None:
    """Return no function for an existing collection: it reopens with the one it was made with."""
    names = {c.name for c in client.list_collections()}
    return None if collection in names else EMBEDDERS[embedding]()
