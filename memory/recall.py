"""The read side: before a task, the notes memory puts in front of the actor.

Each note is one line of quoted data, labelled by where it came from, so the actor's prompt
can present it as data. Concepts are ranked by relevance and votes together; lessons and
experiences by relevance alone.
"""

from __future__ import annotations

import asyncio
import math

from ponder.memory import _prompts
from ponder.memory.config import MemoryConfig
from ponder.memory.records import Concept, Experience, Reflection
from ponder.memory.store import Hit, MemoryStore
from ponder.tasks import Task

VOTE_WEIGHT = 0.1


def concept_rank(hit: Hit) -> float:
    """Relevance plus a bonus that grows with the log of the votes."""
    votes = hit.record.votes if isinstance(hit.record, Concept) else 0
    return hit.similarity + VOTE_WEIGHT * math.log1p(max(votes, 0))


def _note(hit: Hit) -> str:
    record = hit.record
    q = _prompts.quote
    if isinstance(record, Concept):
        return f"Insight (votes {record.votes}): {q(record.insight)}"
    if isinstance(record, Reflection):
        return (
            f"Lesson from a similar problem ({q(record.task_signature, 160)}): {q(record.lesson)}"
        )
    assert isinstance(record, Experience)
    task = q(record.task_signature, 200)
    if record.success:
        return f"Solved a similar problem ({task}) with the answer: {q(record.answer, 200)}"
    return (
        f"Failed a similar problem ({task}) with the answer {q(record.answer, 200)}; "
        f"feedback: {q(record.feedback, 300)}"
    )


def recall_hits(store: MemoryStore, query: str, config: MemoryConfig) -> list[Hit]:
    """Find the records to show for `query`, grouped: concepts, lessons, successes, failures."""
    k, floor, modes = config.k, config.recall.min_similarity, config.recall.modes
    hits: list[Hit] = []
    if k == 0:
        return hits
    if "concept" in modes:
        found = store.search(
            query, kind="concept", k=3 * k, where={"retired": False}, min_similarity=floor
        )
        hits.extend(sorted(found, key=concept_rank, reverse=True)[:k])
    if "reflection" in modes:
        hits.extend(store.search(query, kind="reflection", k=k, min_similarity=floor))
    if "experience" in modes:
        hits.extend(
            store.search(
                query, kind="experience", k=k, where={"success": True}, min_similarity=floor
            )
        )
        if config.recall.failures:
            hits.extend(
                store.search(
                    query, kind="experience", k=k, where={"success": False}, min_similarity=floor
                )
            )
    return hits


async def recall_notes(store: MemoryStore, task: Task, config: MemoryConfig) -> list[str]:
    """Return the notes for the actor before `task`: one quoted line per recalled record."""
    hits = await asyncio.to_thread(recall_hits, store, task.prompt(), config)
    return [_note(hit) for hit in hits]
