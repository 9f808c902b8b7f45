"""A run's directory: its scenario snapshot, checkpoints, call trace and per-task results.

Results are appended one JSON line per finished task and fsynced, so a run killed at any
moment keeps every result it reported, and `--resume` knows exactly which tasks are done.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ponder.errors import UsageError


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task, as written to `results.jsonl`."""

    task_id: str
    solved: bool
    score: float
    trials: int
    tokens: int
    cost_usd: float
    wall_s: float
    stop_reason: str
    answer: str


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class RunDirectory:
    """Paths and durable files of one run."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.run_id = run_id
        self.path = root / run_id

    @classmethod
    def create(cls, root: Path) -> RunDirectory:
        run = cls(root, new_run_id())
        run.path.mkdir(parents=True, exist_ok=False)
        return run

    @classmethod
    def existing(cls, root: Path, run_id: str) -> RunDirectory:
        run = cls(root, run_id)
        if not run.results.parent.is_dir():
            raise UsageError(f"--resume {run_id}: no run directory at {run.path}")
        return run

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints.sqlite"

    @property
    def trace(self) -> Path:
        return self.path / "trace.jsonl"

    @property
    def results(self) -> Path:
        return self.path / "results.jsonl"

    @property
    def scenario(self) -> Path:
        return self.path / "scenario.json"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    def append_result(self, result: TaskResult) -> None:
        with self.results.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(result)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def finished(self) -> dict[str, TaskResult]:
        """Results already recorded; a last line cut short by a kill is ignored."""
        done: dict[str, TaskResult] = {}
        if not self.results.exists():
            return done
        for line in self.results.read_text(encoding="utf-8").splitlines():
            try:
                result = TaskResult(**json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue
            done[result.task_id] = result
        return done

    def write_json(self, path: Path, data: object) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        temporary.replace(path)
