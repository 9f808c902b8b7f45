"""The `ponder` command. User mistakes print one line and exit 2; nothing prints a traceback."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ponder.errors import BudgetExceeded, PonderError, UsageError
from ponder.llm.redact import redact

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
scenario_app = typer.Typer(
    no_args_is_help=True, help="Validate scenario files and print their schema."
)
graph_app = typer.Typer(no_args_is_help=True, help="Inspect agent graphs.")
app.add_typer(scenario_app, name="scenario")
app.add_typer(graph_app, name="graph")

console = Console()
errors = Console(stderr=True)

EXIT_BUDGET = 3


def _fail(error: PonderError) -> typer.Exit:
    errors.print(f"[red]error:[/] {redact(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


@app.command()
def run(
    scenario_file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    model: Annotated[str | None, typer.Option(help="litellm model string for every role")] = None,
    resume: Annotated[str | None, typer.Option(help="continue the run with this id")] = None,
    limit: Annotated[int | None, typer.Option(help="run only the first N tasks")] = None,
    max_trials: Annotated[int | None, typer.Option(help="override max_trials")] = None,
    output_dir: Annotated[Path | None, typer.Option(help="override output_dir")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bars")] = False,
) -> None:
    """Run a scenario: every task through its graph, then a summary table."""
    from ponder.cli.progress import RichProgress, summary_table
    from ponder.scenario import load_scenario, parse_scenario, run_scenario

    try:
        scenario = load_scenario(scenario_file)
        overrides = {
            key: value
            for key, value in {
                "model": model,
                "max_trials": max_trials,
                "output_dir": str(output_dir) if output_dir else None,
            }.items()
            if value is not None
        }
        if overrides or limit:
            data = scenario.model_dump(mode="json", exclude_unset=True) | overrides
            if limit:
                data["tasks"] = data["tasks"] | {"limit": limit}
            scenario = parse_scenario(data, str(scenario_file))
        if quiet:
            report = asyncio.run(run_scenario(scenario, resume=resume))
        else:
            with RichProgress(console) as progress:
                report = asyncio.run(run_scenario(scenario, resume=resume, progress=progress))
    except PonderError as error:
        raise _fail(error) from None
    console.print(summary_table(report))
    console.print(f"run directory: {report.run_dir}", highlight=False)
    if report.error is not None:
        if isinstance(report.error, BudgetExceeded):
            errors.print(f"stopped: {report.stopped_by}; resume with --resume {report.run_id}")
            raise typer.Exit(EXIT_BUDGET)
        raise _fail(report.error)


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the JSON schema of scenario files."""
    from ponder.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))


@scenario_app.command("check")
def scenario_check(files: Annotated[list[Path], typer.Argument(help="scenario files")]) -> None:
    """Validate scenario files; one line per file."""
    from ponder.scenario import load_scenario

    failed = None
    for file in files:
        try:
            scenario = load_scenario(file)
        except PonderError as error:
            errors.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
            failed = error
            continue
        console.print(
            f"{file}: ok ({scenario.name}, {scenario.graph}/{scenario.mode})", highlight=False
        )
    if failed is not None:
        raise typer.Exit(failed.exit_code)


@graph_app.command("draw")
def graph_draw(
    name: Annotated[str, typer.Argument(help="graph name, e.g. refine")],
    mode: Annotated[str, typer.Option(help="graph mode")] = "reflexion",
) -> None:
    """Print a graph as Mermaid."""
    from ponder.graphs import MODES, RefineAgents, build_refine_graph
    from ponder.llm import ScriptedLLM

    try:
        if name != "refine":
            raise UsageError(f"unknown graph '{name}' (choose from refine)")
        if mode not in MODES:
            raise UsageError(f"graph refine has no mode '{mode}' (choose from {', '.join(MODES)})")
        agents = RefineAgents.from_llm(ScriptedLLM.from_replies([]))
        graph = build_refine_graph(agents, mode=mode)
    except PonderError as error:
        raise _fail(error) from None
    print(graph.get_graph().draw_mermaid())


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        errors.print("interrupted; resume with --resume RUN_ID")
        sys.exit(130)
