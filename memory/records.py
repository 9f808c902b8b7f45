"""What memory holds: three record kinds.

They are pydantic models because they cross process boundaries (chromadb metadata, JSONL
exports) and must be validated when read back.

Every record stores `schema_version`, so a store written by a newer ponder is refused with a
clear error instead of being misread.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SCHEMA_VERSION = 1
Kind = Literal["experience", "reflection", "concept"]
KINDS: tuple[Kind, ...] = ("experience", "reflection", "concept")

_SIGNATURE_CHARS = 600


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def task_signature(prompt: str) -> str:
    """Identify a task for retrieval by its prompt, whitespace-collapsed and bounded."""
    return re.sub(r"\s+", " ", prompt).strip()[:_SIGNATURE_CHARS]


class _Record(BaseModel):
    """Fields every record carries; `occurrences` counts near-duplicates merged into it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    run_id: str = ""
    model: str = ""
    occurrences: int = Field(default=1, ge=1)

    def embed_text(self) -> str:  # pragma: no cover - every kind overrides it
        """Return the text whose embedding places the record in the store."""
        raise NotImplementedError

    def summary(self) -> str:  # pragma: no cover - every kind overrides it
        """One line for tables."""
        raise NotImplementedError


class Experience(_Record):
    """One task's trajectory and outcome: an example to imitate (success) or to avoid."""

    kind: Literal["experience"] = "experience"
    task_signature: str
    task_id: str = ""
    trajectory: list[str] = Field(default_factory=list)
    answer: str = ""
    success: bool
    score: float = 0.0
    feedback: str = ""

    def embed_text(self) -> str:
        return self.task_signature

    def summary(self) -> str:
        verdict = "success" if self.success else "failure"
        return f"[{verdict}] {self.task_signature} -> {self.answer or '(no answer)'}"


class Reflection(_Record):
    """A lesson the reflector drew from an attempt and its feedback."""

    kind: Literal["reflection"] = "reflection"
    task_signature: str
    task_id: str = ""
    lesson: str
    root_cause: str = ""
    attempt: str = ""
    feedback: str = ""
    solved_later: bool = False

    def embed_text(self) -> str:
        return f"{self.task_signature}\n{self.lesson}"

    def summary(self) -> str:
        return self.lesson


class ConceptEdit(BaseModel):
    """One change to a concept, kept so its history can be read back."""

    model_config = ConfigDict(extra="forbid")

    at: datetime = Field(default_factory=now)
    op: Literal["ADD", "EDIT", "UPVOTE", "DOWNVOTE", "MERGE"]
    text: str = ""
    votes: int = 0


class Concept(_Record):
    """A general insight drawn from several tasks; ranked by votes, retired at zero votes."""

    kind: Literal["concept"] = "concept"
    insight: str
    votes: int = 1
    retired: bool = False
    sources: list[str] = Field(default_factory=list)
    history: list[ConceptEdit] = Field(default_factory=list)

    def embed_text(self) -> str:
        return self.insight

    def summary(self) -> str:
        state = " (retired)" if self.retired else ""
        return f"{self.insight} [votes {self.votes}{state}]"


MemoryRecord = Annotated[Experience | Reflection | Concept, Field(discriminator="kind")]
RECORD_ADAPTER: TypeAdapter[MemoryRecord] = TypeAdapter(MemoryRecord)


class SchemaTooNew(ValueError):
    """A record was written by a newer ponder whose schema this one does not know."""


def record_from_data(data: dict[str, Any] | str) -> MemoryRecord:
    """Validate a stored record (dict or JSON); refuse schema versions from the future."""
    record = (
        RECORD_ADAPTER.validate_json(data)
        if isinstance(data, str)
        else RECORD_ADAPTER.validate_python(data)
    )
    if record.schema_version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"record {record.id} has schema version {record.schema_version}; "
            f"this ponder reads up to {SCHEMA_VERSION} (upgrade ponder)"
        )
    return record
