"""The memory protocol graphs call; kept free of heavy imports so graphs load fast."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ponder.tasks import Task


class MemoryHooks(Protocol):
    """What a graph needs from memory."""

    async def recall(self, task: Task) -> list[str]:
        """Quoted notes for the actor before `task`."""
        ...

    async def remember(self, task: Task, outcome: Mapping[str, Any]) -> None:
        """Store what `task` taught: its final state as a plain mapping."""
        ...
