"""Rich progress bars and the summary table for `ponder run`."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ponder.scenario import RunReport, TaskResult


class RichProgress:
    """One bar for the run's tasks and one bar per task that fills trial by trial."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self._overall: TaskID | None = None
        self._bars: dict[str, TaskID] = {}
        self._solved = 0

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def run_started(self, total: int, already_done: int) -> None:
        status = f"{already_done} done before resume" if already_done else ""
        self._overall = self.progress.add_task(
            "[bold]tasks", total=total, completed=already_done, status=status
        )

    def task_started(self, task_id: str, max_trials: int) -> None:
        self._bars[task_id] = self.progress.add_task(
            f"  {task_id}", total=max_trials, status="trial 1"
        )

    def trial_finished(self, task_id: str, trial: int) -> None:
        self.progress.update(self._bars[task_id], completed=trial, status=f"trial {trial}")

    def message(self, task_id: str, line: str) -> None:
        """A live line (an embodied step: action and score) printed above the bars."""
        self.progress.console.print(f"[dim]{task_id}[/] {line}", highlight=False, markup=True)

    def task_finished(self, result: TaskResult) -> None:
        verdict = "[green]solved" if result.solved else "[red]unsolved"
        bar = self._bars[result.task_id]
        total = self.progress.tasks[bar].total
        self.progress.update(bar, completed=total, status=f"{verdict}[/] in {result.trials}")
        self._solved += result.solved
        if self._overall is not None:
            self.progress.update(self._overall, advance=1, status=f"{self._solved} solved")


def summary_table(report: RunReport) -> Table:
    """Per-task rows and a total row: solved, trials, tokens, wall time."""
    table = Table(title=f"run {report.run_id}", show_footer=True)
    solved = f"{report.solved}/{report.total_tasks}"
    trials = sum(result.trials for result in report.results)
    tokens = sum(result.tokens for result in report.results)
    table.add_column("task", footer="total")
    table.add_column("solved", footer=solved)
    table.add_column("trials", justify="right", footer=str(trials))
    table.add_column("tokens", justify="right", footer=str(tokens))
    table.add_column("wall (s)", justify="right", footer=f"{report.wall_s:.1f}")
    table.add_column("answer")
    for result in report.results:
        table.add_row(
            result.task_id,
            "[green]yes" if result.solved else "[red]no",
            str(result.trials),
            str(result.tokens),
            f"{result.wall_s:.1f}",
            result.answer[:40],
        )
    return table
