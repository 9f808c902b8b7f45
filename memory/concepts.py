"""Concept learning: an LLM proposes ADD/EDIT/UPVOTE/DOWNVOTE operations on the concept list.

Replies are parsed strictly: each operation is validated on its own by pydantic, so one bad
element is reported and skipped without losing the good ones. Concepts are shown to the
model under short labels (C1, C2, ...) that map back to record ids, which keeps small models
from inventing ids. A concept whose votes reach zero is retired, not deleted: it stays in the
store with its history and leaves the prompts.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ponder.llm import LLM
from ponder.memory import _prompts
from ponder.memory.records import Concept, ConceptEdit, Experience, now
from ponder.memory.store import MemoryStore


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddOp(_Op):
    op: Literal["ADD"]
    text: str = Field(min_length=3, max_length=500)


class EditOp(_Op):
    op: Literal["EDIT"]
    id: str = Field(min_length=1)
    text: str = Field(min_length=3, max_length=500)


class UpvoteOp(_Op):
    op: Literal["UPVOTE"]
    id: str = Field(min_length=1)


class DownvoteOp(_Op):
    op: Literal["DOWNVOTE"]
    id: str = Field(min_length=1)


ConceptOp = Annotated[AddOp | EditOp | UpvoteOp | DownvoteOp, Field(discriminator="op")]
_OP_ADAPTER: TypeAdapter[ConceptOp] = TypeAdapter(ConceptOp)


@dataclass
class ParsedOps:
    """The operations that validated and one message per element that did not."""

    ops: list[ConceptOp] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_ops(reply: str) -> ParsedOps:
    """Read a JSON array of operations out of a model reply (code fences allowed)."""
    parsed = ParsedOps()
    start, end = reply.find("["), reply.rfind("]")
    if start < 0 or end < start:
        parsed.errors.append("reply holds no JSON array")
        return parsed
    try:
        items = json.loads(reply[start : end + 1])
    except json.JSONDecodeError as error:
        parsed.errors.append(f"reply is not valid JSON: {error.msg} at char {error.pos}")
        return parsed
    for index, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("op"), str):
            item = item | {"op": item["op"].strip().upper()}
        try:
            parsed.ops.append(_OP_ADAPTER.validate_python(item))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'op'}: {e['msg']}" for e in error.errors()
            )
            parsed.errors.append(f"operation {index}: {problems}")
    return parsed


@dataclass
class ApplyReport:
    """What applying operations changed, and what was skipped and why."""

    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    voted: dict[str, int] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def apply_ops(
    store: MemoryStore,
    ops: list[ConceptOp],
    labels: dict[str, str],
    *,
    sources: list[str] | None = None,
    run_id: str = "",
    model: str = "",
) -> ApplyReport:
    """Apply operations; `labels` maps the short labels the model saw (C1, ...) to record ids."""
    report = ApplyReport()
    for op in ops:
        if isinstance(op, AddOp):
            concept = Concept(
                insight=op.text,
                sources=list(sources or []),
                run_id=run_id,
                model=model,
                history=[ConceptEdit(op="ADD", text=op.text, votes=1)],
            )
            stored = store.add(concept)
            report.added.append(stored.id)
            continue
        record_id = labels.get(op.id.upper(), op.id)
        current = store.get(record_id)
        if not isinstance(current, Concept):
            report.skipped.append(f"{op.op} {op.id}: no such concept")
            continue
        if isinstance(op, EditOp):
            edited = current.model_copy(
                update={
                    "insight": op.text,
                    "updated_at": now(),
                    "history": [
                        *current.history,
                        ConceptEdit(op="EDIT", text=op.text, votes=current.votes),
                    ],
                }
            )
            store.update(edited)
            report.edited.append(record_id)
            continue
        if current.retired:
            report.skipped.append(f"{op.op} {op.id}: concept is retired")
            continue
        votes = current.votes + (1 if isinstance(op, UpvoteOp) else -1)
        voted = current.model_copy(
            update={
                "votes": max(votes, 0),
                "retired": votes <= 0,
                "updated_at": now(),
                "history": [*current.history, ConceptEdit(op=op.op, votes=max(votes, 0))],
            }
        )
        store.update(voted)
        report.voted[record_id] = voted.votes
        if voted.retired:
            report.retired.append(record_id)
    return report


def active_concepts(store: MemoryStore) -> list[Concept]:
    """Concepts not retired, most votes first."""
    found = store.records("concept", where={"retired": False})
    concepts = [record for record in found if isinstance(record, Concept)]
    return sorted(concepts, key=lambda concept: (-concept.votes, concept.created_at))


@dataclass
class DistillReport:
    """One distillation: what the model proposed, what was applied, what was rejected."""

    reply: str
    parse_errors: list[str]
    applied: ApplyReport
    successes: int
    failures: int


def _listing(experiences: list[Experience]) -> str:
    lines = [
        f"- task: {_prompts.quote(e.task_signature, 300)} | answer: {_prompts.quote(e.answer, 120)}"
        + (f" | feedback: {_prompts.quote(e.feedback, 200)}" if not e.success else "")
        for e in experiences
    ]
    return "\n".join(lines) or "(none)"


async def distill(
    store: MemoryStore,
    llm: LLM,
    *,
    sample: int = 8,
    max_ops: int = 5,
    run_id: str = "",
    templates: dict[str, str] | None = None,
) -> DistillReport:
    """Ask `llm` to compare recent successes and failures and edit the concept list."""
    experiences = await asyncio.to_thread(store.records, "experience")
    typed = [record for record in experiences if isinstance(record, Experience)]
    successes = [e for e in typed if e.success][:sample]
    failures = [e for e in typed if not e.success][:sample]
    concepts = await asyncio.to_thread(active_concepts, store)
    labels = {f"C{index}": concept.id for index, concept in enumerate(concepts, start=1)}
    insights = "\n".join(
        f"{label}: {_prompts.quote(concept.insight)} (votes {concept.votes})"
        for label, concept in zip(labels, concepts, strict=True)
    )
    parts = _prompts.load("distill") | (templates or {})
    messages = _prompts.chat(
        _prompts.render(parts["system"], max_ops=max_ops),
        _prompts.render(
            parts["user"],
            successes=_listing(successes),
            failures=_listing(failures),
            insights=insights or "(none yet)",
        ),
    )
    reply = (await llm.complete(messages)).text
    parsed = parse_ops(reply)
    ops = parsed.ops[:max_ops]
    errors = parsed.errors + [
        f"operation beyond the limit of {max_ops} skipped" for _ in parsed.ops[max_ops:]
    ]
    sources = [e.id for e in successes + failures]
    applied = await asyncio.to_thread(
        apply_ops, store, ops, labels, sources=sources, run_id=run_id, model=llm.model
    )
    return DistillReport(reply, errors, applied, len(successes), len(failures))
