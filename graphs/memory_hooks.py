"""How graphs read from and write to memory: one recall node before a task, one write node after.

Graphs depend only on the small `MemoryHooks` protocol (`graphs/_hooks.py`); `StoreMemory`
implements it over the chromadb store and the learning modes of `ponder.memory`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ponder.llm import LLM
from ponder.memory import MemoryStore
from ponder.memory.config import MemoryConfig
from ponder.memory.learn import remember
from ponder.memory.recall import recall_notes
from ponder.tasks import Task


@dataclass
class StoreMemory:
    """`MemoryHooks` over a `MemoryStore`, learning and recalling as the config says."""

    store: MemoryStore
    config: MemoryConfig
    distiller: LLM | None = None
    run_id: str = ""
    model: str = ""
    recalled: dict[str, list[str]] = field(default_factory=dict)

    async def recall(self, task: Task) -> list[str]:
        if self.config.k == 0 or not self.config.recall.modes:
            return []
        notes = await recall_notes(self.store, task, self.config)
        self.recalled[task.id] = notes
        return notes

    async def remember(self, task: Task, outcome: Mapping[str, Any]) -> None:
        if not self.config.learn:
            return
        await remember(
            self.store,
            task,
            outcome,
            self.config,
            llm=self.distiller,
            run_id=self.run_id,
            model=self.model,
        )
