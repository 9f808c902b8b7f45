"""Reading finished runs back: results, summary and scenario of a run directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ponder.errors import UsageError
from ponder.scenario.run_dir import RunDirectory, TaskResult


@dataclass(frozen=True)
class LoadedRun:
    """A run as the report sees it: results in task order plus what produced them."""

    run_id: str
    path: Path
    results: list[TaskResult]
    scenario: dict[str, object]
    summary: dict[str, object]
    label: str

    @property
    def successes(self) -> list[bool]:
        return [result.solved for result in self.results]


def load_run(path: Path) -> LoadedRun:
    """Load `runs/<id>`; the label names what makes the run different (model, graph, mode)."""
    if not (path / "results.jsonl").exists():
        raise UsageError(f"{path}: not a run directory (no results.jsonl)")
    run = RunDirectory(path.parent, path.name)
    scenario = json.loads(run.scenario.read_text(encoding="utf-8")) if run.scenario.exists() else {}
    summary = json.loads(run.summary.read_text(encoding="utf-8")) if run.summary.exists() else {}
    finished = run.finished()
    order = [
        line
        for line in (path / "results.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    ids = list(dict.fromkeys(json.loads(line)["task_id"] for line in order))
    return LoadedRun(
        path.name,
        path,
        [finished[i] for i in ids],
        scenario,
        summary,
        describe(scenario) or path.name,
    )


def describe(scenario: dict[str, object]) -> str:
    """A short label naming what sets a run apart: model, graph and mode, memory, search."""
    graph, mode = scenario.get("graph"), scenario.get("mode")
    parts = [scenario.get("name"), scenario.get("model"), graph, mode if mode != graph else None]
    parts.append("memory" if scenario.get("memory") else "no memory")
    search = scenario.get("search")
    if scenario.get("graph") == "search" and isinstance(search, dict):
        parts.append(f"{search.get('strategy')} n={search.get('n')}")
    return " ".join(str(part) for part in parts if part)
