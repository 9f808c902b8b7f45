"""Scenario files: schema, loading, building graphs from them, and running them."""

from ponder.scenario.loader import load_scenario, parse_scenario
from ponder.scenario.run_dir import RunDirectory, TaskResult
from ponder.scenario.runner import ProgressSink, RunReport, run_scenario
from ponder.scenario.schema import BudgetSpec, RoleSettings, Scenario, TaskSpec

__all__ = (
    "BudgetSpec",
    "ProgressSink",
    "RoleSettings",
    "RunDirectory",
    "RunReport",
    "Scenario",
    "TaskResult",
    "TaskSpec",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
)
