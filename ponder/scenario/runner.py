"""Running a scenario: every task through its graph, durably, within one budget.

Finished tasks are recorded in `results.jsonl` as they end; an interrupted task resumes from
its last LangGraph checkpoint. A budget stop or a fatal model error ends the run cleanly:
what finished is saved and the report says why it stopped.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from ponder.errors import BudgetExceeded, LLMCallError, PonderError, UsageError
from ponder.graphs._hooks import MemoryHooks
from ponder.llm import Budget, Ledger, Totals, register_local_model
from ponder.scenario.build import (
    GRAPH_KINDS,
    LLMFactory,
    Outcome,
    RunResources,
    default_llm,
    scenario_tasks,
    scenario_verifier,
)
from ponder.scenario.run_dir import RunDirectory, TaskResult
from ponder.scenario.schema import Scenario
from ponder.tasks import Task


class ProgressSink(Protocol):
    """Receives run events; the CLI draws progress bars from them, tests record them."""

    def run_started(self, total: int, already_done: int) -> None: ...
    def task_started(self, task_id: str, max_trials: int) -> None: ...
    def trial_finished(self, task_id: str, trial: int) -> None: ...
    def task_finished(self, result: TaskResult) -> None: ...


@dataclass
class RunReport:
    """What a run did; `stopped_by` is set when a budget or a model error ended it early."""

    run_id: str
    run_dir: str
    results: list[TaskResult]
    total_tasks: int
    wall_s: float
    totals: Totals
    stopped_by: str | None = None
    error: PonderError | None = field(default=None, repr=False)

    @property
    def solved(self) -> int:
        return sum(result.solved for result in self.results)


def _task_spec(scenario: Scenario) -> dict[str, object]:
    source = scenario.tasks if scenario.tasks is not None else scenario.environment
    return source.model_dump(mode="json") if source is not None else {}


def _open_run(scenario: Scenario, resume: str | None) -> RunDirectory:
    if resume is None:
        run = RunDirectory.create(scenario.output_dir)
        run.write_json(run.scenario, scenario.model_dump(mode="json"))
        return run
    run = RunDirectory.existing(scenario.output_dir, resume)
    if run.scenario.exists():
        stored = json.loads(run.scenario.read_text(encoding="utf-8"))
        key = "tasks" if scenario.tasks is not None else "environment"
        if stored.get(key) != _task_spec(scenario):
            raise UsageError(
                f"--resume {resume}: the scenario's tasks differ from those of the run"
            )
    return run


def _open_memory(
    scenario: Scenario, run: RunDirectory, ledger: Ledger, make_llm: LLMFactory
) -> MemoryHooks | None:
    """The run's memory hooks; `{run_dir}` in the store path gives each run a fresh store."""
    if scenario.memory is None:
        return None
    from ponder.graphs.memory_hooks import StoreMemory

    config = scenario.memory
    if "{run_dir}" in str(config.path):
        config = config.model_copy(
            update={"path": Path(str(config.path).replace("{run_dir}", str(run.path)))}
        )
    distiller = make_llm("distiller", scenario.role("reflector"), ledger)
    return StoreMemory(
        config.open_store(), config, distiller, run_id=run.run_id, model=scenario.model
    )


def _result(task: Task, outcome: Outcome, ledger: Ledger, wall_s: float) -> TaskResult:
    return TaskResult(
        task_id=task.id,
        solved=outcome.solved,
        score=outcome.score,
        trials=outcome.steps,
        tokens=ledger.totals.tokens,
        cost_usd=round(ledger.totals.cost_usd, 6),
        wall_s=round(wall_s, 3),
        stop_reason=outcome.stop_reason,
        answer=outcome.answer,
    )


async def run_scenario(
    scenario: Scenario,
    *,
    resume: str | None = None,
    make_llm: LLMFactory = default_llm,
    progress: ProgressSink | None = None,
) -> RunReport:
    """Run (or resume) a scenario and return its report; never raises for a budget stop."""
    started = time.perf_counter()
    for name, entry in scenario.local_models.items():
        register_local_model(name, entry)
    tasks = scenario_tasks(scenario)
    run = _open_run(scenario, resume)
    done = run.finished()
    spent, spent_by_task = Ledger.read_trace(run.trace)
    budget = Budget(**scenario.budget.model_dump())
    ledger = Ledger(budget, run.trace, run.run_id, start=spent)
    todo = [task for task in tasks if task.id not in done]
    if progress is not None:
        progress.run_started(len(tasks), len(tasks) - len(todo))
    limit = asyncio.Semaphore(scenario.concurrency)
    kind = GRAPH_KINDS[scenario.graph]
    resources = RunResources(
        _open_memory(scenario, run, ledger, make_llm),
        scenario_verifier(scenario, tasks),
        run_dir=run.path,
        announce=getattr(progress, "message", None),
    )

    async with AsyncSqliteSaver.from_conn_string(str(run.checkpoints)) as saver:

        async def one(task: Task) -> None:
            async with limit:
                task_ledger = ledger.for_task(task.id, start=spent_by_task.get(task.id))
                graph = kind.build(scenario, task_ledger, make_llm, saver, resources)
                if progress is not None:
                    progress.task_started(task.id, kind.steps(scenario))

                def on_progress(step: int) -> None:
                    if progress is not None:
                        progress.trial_finished(task.id, step)

                task_started = time.perf_counter()
                outcome = await kind.run(graph, task, task.id, on_progress, resources)
                result = _result(task, outcome, task_ledger, time.perf_counter() - task_started)
                run.append_result(result)
                done[task.id] = result
                if progress is not None:
                    progress.task_finished(result)

        stopped_by: str | None = None
        error: PonderError | None = None
        try:
            async with asyncio.TaskGroup() as group:
                for task in todo:
                    group.create_task(one(task))
        except* BudgetExceeded as stop:
            error = stop.exceptions[0]  # type: ignore[assignment]
            stopped_by = str(error)
        except* LLMCallError as failure:
            error = failure.exceptions[0]  # type: ignore[assignment]
            stopped_by = str(error)

    report = RunReport(
        run_id=run.run_id,
        run_dir=str(run.path),
        results=[done[task.id] for task in tasks if task.id in done],
        total_tasks=len(tasks),
        wall_s=time.perf_counter() - started,
        totals=ledger.totals,
        stopped_by=stopped_by,
        error=error,
    )
    run.write_json(
        run.summary,
        {
            "run_id": report.run_id,
            "scenario": scenario.name,
            "tasks": report.total_tasks,
            "finished": len(report.results),
            "solved": report.solved,
            "tokens": report.totals.tokens,
            "cost_usd": round(report.totals.cost_usd, 6),
            "calls": report.totals.calls,
            "wall_s": round(report.wall_s, 3),
            "stopped_by": stopped_by,
        },
    )
    return report
