"""Markdown reports with plots, for one run and for several runs side by side.

Every number in a report is computed from the run's `results.jsonl`, so a report can always be
regenerated and checked against the episodes it summarises.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ponder.eval.plots import (
    plot_comparison,
    plot_learning_curves,
    plot_scaling,
    plot_sequence,
    success_by_trial,
)
from ponder.eval.runs import LoadedRun
from ponder.eval.stats import bootstrap_difference, wilson


@dataclass(frozen=True)
class RunMetrics:
    """The headline numbers of one run."""

    tasks: int
    solved: int
    rate: float
    low: float
    high: float
    mean_trials: float
    tokens: int
    mean_tokens: float
    cost_usd: float
    wall_s: float


def metrics(run: LoadedRun) -> RunMetrics:
    results = run.results
    count = len(results)
    rate = wilson(sum(run.successes), count)
    tokens = sum(r.tokens for r in results)
    return RunMetrics(
        tasks=count,
        solved=rate.successes,
        rate=rate.value,
        low=rate.low,
        high=rate.high,
        mean_trials=sum(r.trials for r in results) / count if count else 0.0,
        tokens=tokens,
        mean_tokens=tokens / count if count else 0.0,
        cost_usd=round(sum(r.cost_usd for r in results), 6),
        wall_s=round(sum(r.wall_s for r in results), 3),
    )


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def write_run_report(run: LoadedRun) -> Path:
    """`report.md` and plots in the run directory; returns the report's path."""
    numbers = metrics(run)
    trials = max([r.trials for r in run.results] + [1])
    curve = success_by_trial(run, trials)
    learning = plot_learning_curves([run], run.path / "success_by_trial.png")
    sequence = plot_sequence([run], run.path / "success_over_sequence.png")
    lines = [
        f"# Run {run.run_id}",
        "",
        f"Scenario: **{run.scenario.get('name', '?')}** — model `{run.scenario.get('model', '?')}`, "
        f"graph `{run.scenario.get('graph', '?')}`, mode `{run.scenario.get('mode', '?')}`.",
        "",
        "| tasks | solved | success (95% Wilson) | mean trials | tokens | tokens/task | cost ($) | wall (s) |",
        "|---|---|---|---|---|---|---|---|",
        f"| {numbers.tasks} | {numbers.solved} | {_pct(numbers.rate)} [{_pct(numbers.low)}, {_pct(numbers.high)}] "
        f"| {numbers.mean_trials:.2f} | {numbers.tokens} | {numbers.mean_tokens:.0f} | {numbers.cost_usd:g} "
        f"| {numbers.wall_s:.1f} |",
        "",
        "## Success by trial",
        "",
        "| within k trials | " + " | ".join(str(k) for k in range(1, trials + 1)) + " |",
        "|---|" + "---|" * trials,
        "| solved | " + " | ".join(_pct(value) for value in curve) + " |",
        "",
        f"![success by trial]({learning.name})",
        "",
        f"![success over the task sequence]({sequence.name})",
        "",
        "## Tasks",
        "",
        "| task | solved | trials | tokens | wall (s) | stop | answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in run.results:
        answer = r.answer.replace("|", "\\|").replace("\n", " ")[:60]
        lines.append(
            f"| {r.task_id} | {'yes' if r.solved else 'no'} | {r.trials} | {r.tokens} | {r.wall_s:.1f} "
            f"| {r.stop_reason} | `{answer}` |"
        )
    if run.summary.get("stopped_by"):
        lines += ["", f"Stopped early: {run.summary['stopped_by']}."]
    path = run.path / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Comparison:
    """One row of a comparison: a run's rate and its difference from the first run."""

    run: LoadedRun
    numbers: RunMetrics
    difference: float
    low: float
    high: float


def compare(runs: Sequence[LoadedRun]) -> list[Comparison]:
    baseline = runs[0].successes
    rows = []
    for run in runs:
        difference, low, high = bootstrap_difference(baseline, run.successes)
        rows.append(Comparison(run, metrics(run), difference, low, high))
    return rows


def _search_settings(run: LoadedRun) -> tuple[str, int] | None:
    search = run.scenario.get("search")
    if run.scenario.get("graph") != "search" or not isinstance(search, dict):
        return None
    return str(search.get("strategy")), int(search.get("n", 1))


def scaling_rows(runs: Sequence[LoadedRun], strategy: str) -> list[tuple[int, float, float]]:
    """(n, tokens per task, success rate) of the search runs using `strategy`, by n."""
    rows = []
    for run in runs:
        settings = _search_settings(run)
        if settings is not None and settings[0] == strategy:
            numbers = metrics(run)
            rows.append((settings[1], numbers.mean_tokens, numbers.rate))
    return sorted(rows)


def scaling_points(runs: Sequence[LoadedRun]) -> dict[str, list[tuple[float, float]]]:
    """Success against tokens per task for every search strategy among `runs`."""
    strategies = sorted({s[0] for run in runs if (s := _search_settings(run)) is not None})
    return {
        strategy: [(tokens, rate) for _, tokens, rate in scaling_rows(runs, strategy)]
        for strategy in strategies
    }


def write_comparison(runs: Sequence[LoadedRun], directory: Path) -> Path:
    """`compare.md`, `compare.json` and `compare.png` for runs side by side."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = compare(runs)
    plot = plot_comparison(runs, directory / "compare.png")
    lines = [
        "# Runs compared",
        "",
        f"Differences are against {runs[0].run_id}, with 95% bootstrap intervals.",
        "",
        "| run | label | tasks | success (95% Wilson) | difference [95% CI] | tokens/task |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        n = row.numbers
        lines.append(
            f"| {row.run.run_id} | {row.run.label} | {n.tasks} | {_pct(n.rate)} [{_pct(n.low)}, {_pct(n.high)}] "
            f"| {100 * row.difference:+.1f} [{100 * row.low:+.1f}, {100 * row.high:+.1f}] pts | {n.mean_tokens:.0f} |"
        )
    sequence = plot_sequence(runs, directory / "sequence.png")
    lines += [
        "",
        f"![comparison]({plot.name})",
        "",
        f"![success over the task sequence]({sequence.name})",
        "",
    ]
    scaling = scaling_points(runs)
    if scaling:
        curve = plot_scaling(scaling, directory / "scaling.png")
        lines += [
            "## Test-time scaling",
            "",
            "| strategy | n | tokens/task | success |",
            "|---|---|---|---|",
            *(
                f"| {strategy} | {n} | {tokens:.0f} | {_pct(rate)} |"
                for strategy, series in scaling.items()
                for n, tokens, rate in scaling_rows(runs, strategy)
            ),
            "",
            f"![test-time scaling]({curve.name})",
            "",
        ]
    (directory / "compare.md").write_text("\n".join(lines), encoding="utf-8")
    data = [
        {"run_id": r.run.run_id, "label": r.run.label, "tasks": r.numbers.tasks, "solved": r.numbers.solved,
         "rate": r.numbers.rate, "difference": r.difference, "difference_ci": [r.low, r.high]}
        for r in rows
    ]  # fmt: skip
    (directory / "compare.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return directory / "compare.md"
