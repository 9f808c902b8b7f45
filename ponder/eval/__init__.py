"""Evaluation: reports, plots and comparisons computed from run directories."""

from ponder.eval.report import compare, metrics, write_comparison, write_run_report
from ponder.eval.runs import LoadedRun, load_run
from ponder.eval.stats import bootstrap_difference, wilson

__all__ = (
    "LoadedRun",
    "bootstrap_difference",
    "compare",
    "load_run",
    "metrics",
    "wilson",
    "write_comparison",
    "write_run_report",
)
