"""The write side: turn a finished task into records, and distill concepts every N tasks.

The refine graph's final state is read as a plain mapping (`attempts`, `feedback`,
`reflections`, `solved`), so memory never imports the graph that produces it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ponder.llm import LLM
from ponder.memory.concepts import distill
from ponder.memory.config import MemoryConfig, Mode
from ponder.memory.records import Experience, MemoryRecord, Reflection, task_signature
from ponder.memory.store import MemoryStore
from ponder.tasks import Task

log = logging.getLogger("ponder.memory")

_ATTEMPT_CHARS = 2000
_ROOT_CAUSE = re.compile(r"root cause\s*(?:was|is|:|-)?\s*(.+?)(?:\.(?:\s|$)|\n|$)", re.I)


def root_cause_of(lesson: str) -> str:
    """Find the 'root cause ...' clause the reflector writes in prose, or return ''."""
    match = _ROOT_CAUSE.search(lesson)
    return match.group(1).strip() if match else ""


def _feedback(outcome: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(outcome.get("feedback") or [])


def experience_of(
    task: Task, outcome: Mapping[str, Any], *, run_id: str = "", model: str = ""
) -> Experience | None:
    """Record the trajectory and verdict of one task; `None` when nothing was attempted."""
    attempts: Sequence[str] = outcome.get("attempts") or []
    if not attempts:
        return None
    feedback = _feedback(outcome)
    last = feedback[-1] if feedback else {}
    solved = bool(outcome.get("solved", last.get("success", False)))
    return Experience(
        task_signature=task_signature(task.prompt()),
        task_id=task.id,
        trajectory=[attempt[:_ATTEMPT_CHARS] for attempt in attempts],
        answer=task.extract(attempts[-1]) or "",
        success=solved,
        score=float(last.get("score", 1.0 if solved else 0.0)),
        feedback=str(last.get("message", "")),
        run_id=run_id,
        model=model,
    )


def reflections_of(
    task: Task, outcome: Mapping[str, Any], *, run_id: str = "", model: str = ""
) -> list[Reflection]:
    """One record per lesson, each tied to the attempt and feedback it was drawn from."""
    attempts: Sequence[str] = outcome.get("attempts") or []
    feedback = _feedback(outcome)
    signature = task_signature(task.prompt())
    records = []
    for index, lesson in enumerate(outcome.get("reflections") or []):
        if not lesson.strip():
            continue
        records.append(
            Reflection(
                task_signature=signature,
                task_id=task.id,
                lesson=lesson.strip(),
                root_cause=root_cause_of(lesson),
                attempt=attempts[index][:_ATTEMPT_CHARS] if index < len(attempts) else "",
                feedback=str(feedback[index].get("message", "")) if index < len(feedback) else "",
                solved_later=bool(outcome.get("solved", False)),
                run_id=run_id,
                model=model,
            )
        )
    return records


def records_of(
    task: Task,
    outcome: Mapping[str, Any],
    learn: Sequence[Mode],
    *,
    run_id: str = "",
    model: str = "",
) -> list[MemoryRecord]:
    """Build the records the `learn` modes draw from a finished task (concepts: see distill)."""
    records: list[MemoryRecord] = []
    if "experience" in learn:
        experience = experience_of(task, outcome, run_id=run_id, model=model)
        if experience is not None:
            records.append(experience)
    if "reflection" in learn:
        records.extend(reflections_of(task, outcome, run_id=run_id, model=model))
    return records


async def remember(
    store: MemoryStore,
    task: Task,
    outcome: Mapping[str, Any],
    config: MemoryConfig,
    *,
    llm: LLM | None = None,
    run_id: str = "",
    model: str = "",
) -> list[MemoryRecord]:
    """Write what `task` taught; every `distill_every` tasks, distill concepts with `llm`.

    Returns the stored records (a merged near-duplicate comes back as the record it joined).
    """
    records = records_of(task, outcome, config.learn, run_id=run_id, model=model)
    stored = [await asyncio.to_thread(store.add, record) for record in records]
    if "concept" in config.learn and config.distill_every > 0 and llm is not None:
        done = await asyncio.to_thread(store.bump_counter, "tasks")
        if done % config.distill_every == 0:
            report = await distill(store, llm, run_id=run_id)
            for problem in report.parse_errors + report.applied.skipped:
                log.warning("concept distillation: %s", problem)
    return stored
