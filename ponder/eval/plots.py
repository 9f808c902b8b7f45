"""PNG plots of runs (matplotlib, headless)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from ponder.eval.runs import LoadedRun
from ponder.eval.stats import wilson


def success_by_trial(run: LoadedRun, max_trials: int) -> list[float]:
    """Fraction of tasks solved within k trials, k = 1..max: the learning curve of reflection."""
    total = len(run.results) or 1
    return [
        sum(r.solved and r.trials <= k for r in run.results) / total
        for k in range(1, max_trials + 1)
    ]


def _save_rate_plot(
    figure: Figure, axes: Axes, title: str, path: Path, *, series: bool = True
) -> Path:
    """The finish every plot here shares: a 0-1 success axis, title, grid, legend, PNG."""
    axes.set_ylim(0, 1)
    axes.set_title(title)
    if series:  # line plots of labelled runs; the bar chart needs neither
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def plot_learning_curves(runs: Sequence[LoadedRun], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(6, 4))
    for run in runs:
        trials = max([r.trials for r in run.results] + [1])
        curve = success_by_trial(run, trials)
        axes.plot(range(1, trials + 1), curve, marker="o", label=run.label)
    axes.set_xlabel("trial")
    axes.set_ylabel("solved within k trials")
    return _save_rate_plot(figure, axes, "success rate by trial", path)


def plot_sequence(runs: Sequence[LoadedRun], path: Path, window: int = 5) -> Path:
    """Rolling success over the task sequence: how memory changes later tasks."""
    figure, axes = plt.subplots(figsize=(6, 4))
    for run in runs:
        solved = [float(r.solved) for r in run.results]
        rolling = [
            sum(solved[max(0, i - window + 1) : i + 1])
            / len(solved[max(0, i - window + 1) : i + 1])
            for i in range(len(solved))
        ]
        axes.plot(range(1, len(solved) + 1), rolling, label=run.label)
    axes.set_xlabel("task in sequence")
    axes.set_ylabel(f"success (rolling mean of {window})")
    return _save_rate_plot(figure, axes, "success over the task sequence", path)


def plot_scaling(points: dict[str, list[tuple[float, float]]], path: Path) -> Path:
    """Success against generated tokens for each strategy: the test-time scaling curve."""
    figure, axes = plt.subplots(figsize=(6, 4))
    for label, series in points.items():
        ordered = sorted(series)
        axes.plot(
            [tokens for tokens, _ in ordered],
            [rate for _, rate in ordered],
            marker="o",
            label=label,
        )
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(ScalarFormatter())
    axes.xaxis.set_minor_formatter(NullFormatter())  # log minor labels collide
    axes.set_xlabel("generated tokens per task")
    axes.set_ylabel("success rate")
    return _save_rate_plot(figure, axes, "test-time scaling", path)


def plot_comparison(runs: Sequence[LoadedRun], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(6, 4))
    rates = [wilson(sum(run.successes), len(run.successes)) for run in runs]
    positions = range(len(runs))
    axes.bar(positions, [rate.value for rate in rates], color="#8a7fd6")
    axes.errorbar(
        positions,
        [rate.value for rate in rates],
        yerr=[
            [max(0.0, rate.value - rate.low) for rate in rates],
            [max(0.0, rate.high - rate.value) for rate in rates],
        ],
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    axes.set_xticks(list(positions), [run.run_id for run in runs], rotation=15, fontsize=7)
    axes.set_ylabel("success rate (95% Wilson)")
    return _save_rate_plot(figure, axes, "runs compared", path, series=False)
