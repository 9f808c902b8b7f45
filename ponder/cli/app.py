"""The `ponder` command. User mistakes print one line and exit 2; nothing prints a traceback."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ponder.errors import BudgetExceeded, PonderError
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


_SAMPLE_SECTIONS: dict[str, dict[str, object]] = {
    "debate": {"debate": {"agents": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}},
    "roles": {
        "team": {
            "members": [
                {"name": "planner", "instructions": "plan"},
                {"name": "solver", "instructions": "solve"},
                {"name": "critic", "instructions": "check", "critic": True},
                {"name": "reviser", "instructions": "fix"},
            ]
        }
    },
}


@graph_app.command("draw")
def graph_draw(
    name: Annotated[str, typer.Argument(help="graph name: refine, debate or roles")],
    mode: Annotated[str | None, typer.Option(help="graph mode, e.g. self-refine")] = None,
    scenario_file: Annotated[
        Path | None, typer.Option("--scenario", help="draw this scenario's graph (its own team)")
    ] = None,
) -> None:
    """Print a graph as Mermaid."""
    from ponder.llm import Ledger, ScriptedLLM
    from ponder.scenario import load_scenario, parse_scenario
    from ponder.scenario.build import GRAPH_KINDS

    try:
        if scenario_file is not None:
            scenario = load_scenario(scenario_file)
        else:
            data = {
                "name": "draw",
                "tasks": {"source": "basic_arithmetic"},
                "graph": name,
                "mode": mode,
            }
            scenario = parse_scenario(data | _SAMPLE_SECTIONS.get(name, {}), "ponder graph draw")
        graph = GRAPH_KINDS[scenario.graph].build(
            scenario,
            Ledger(),
            lambda role, _settings, ledger: ScriptedLLM(ledger=ledger, role=role),
            None,
        )
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
