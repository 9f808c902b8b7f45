"""Task sources by name, so scenarios pick one with a string and no if/elif chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ponder.errors import ScenarioError
from ponder.tasks import gym, humaneval
from ponder.tasks.base import Task
from ponder.tasks.static import load_task_file

FILE_SOURCE = "file"


OTHER_SOURCES = {"humaneval": humaneval.generate}


def source_names() -> list[str]:
    return [*sorted(gym.GYM_TASKS), *sorted(OTHER_SOURCES), FILE_SOURCE]


def load_tasks(
    source: str,
    *,
    seed: int = 0,
    limit: int = 10,
    options: dict[str, Any] | None = None,
    path: Path | None = None,
    origin: str = "<code>",
) -> list[Task]:
    """Build the task list of a scenario. Errors name `origin` (the scenario file)."""
    if source == FILE_SOURCE:
        if path is None:
            raise ScenarioError(origin, "tasks.path", "the 'file' source needs a path")
        return load_task_file(path)[:limit]
    if source in OTHER_SOURCES:
        try:
            return list(OTHER_SOURCES[source](seed, limit, options or {}))
        except (TypeError, ValueError) as error:
            raise ScenarioError(origin, "tasks.options", f"rejected by {source}: {error}") from None
    if source not in gym.GYM_TASKS:
        raise ScenarioError(
            origin,
            "tasks.source",
            f"unknown task source '{source}' (choose from {', '.join(source_names())})",
        )
    try:
        return gym.generate(source, seed, limit, options or {})
    except (TypeError, ValueError, AssertionError) as error:
        raise ScenarioError(origin, "tasks.options", f"rejected by {source}: {error}") from None
