"""The `ponder` command. User mistakes print one line and exit 2; nothing prints a traceback."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ponder.cli.memory_cmd import memory_app
from ponder.cli.prm_cmd import prm_app
from ponder.errors import BudgetExceeded, PonderError, UsageError
from ponder.llm.redact import redact

if TYPE_CHECKING:
    from ponder.scenario import RunReport, Scenario

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
scenario_app = typer.Typer(
    no_args_is_help=True, help="Validate scenario files and print their schema."
)
graph_app = typer.Typer(no_args_is_help=True, help="Inspect agent graphs.")
app.add_typer(scenario_app, name="scenario")
app.add_typer(graph_app, name="graph")
app.add_typer(prm_app, name="prm")
app.add_typer(memory_app, name="memory")

console = Console()
errors = Console(stderr=True)

EXIT_BUDGET = 3


def _fail(error: PonderError) -> typer.Exit:
    errors.print(f"[red]error:[/] {redact(str(error))}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _with_overrides(
    scenario: Scenario, source: str, tasks: dict[str, object], top: dict[str, object]
) -> Scenario:
    """Apply command-line overrides and validate the result like a file."""
    from ponder.scenario import parse_scenario

    tasks = {key: value for key, value in tasks.items() if value is not None}
    top = {key: value for key, value in top.items() if value is not None}
    if not tasks and not top:
        return scenario
    memory = top.pop("memory", None)
    data = scenario.model_dump(mode="json", exclude_unset=True) | top
    if memory is _OFF:
        data.pop("memory", None)
    elif memory is not None:
        data["memory"] = memory
    if "graph" in top and "mode" not in top:
        data.pop("mode", None)
    if "tasks" in data:  # an embodied scenario has environment units instead
        data["tasks"] = data["tasks"] | tasks
    return parse_scenario(data, source)


def _execute(scenario: Scenario, resume: str | None, quiet: bool) -> RunReport:
    """Run with progress bars, print the summary, and turn early stops into exit codes."""
    from ponder.cli.progress import RichProgress, summary_table
    from ponder.scenario import run_scenario

    if quiet:
        report = asyncio.run(run_scenario(scenario, resume=resume))
    else:
        with RichProgress(console) as progress:
            report = asyncio.run(run_scenario(scenario, resume=resume, progress=progress))
    console.print(summary_table(report))
    console.print(f"run directory: {report.run_dir}", highlight=False)
    return report


def _finish(report: RunReport) -> None:
    if report.error is None:
        return
    if isinstance(report.error, BudgetExceeded):
        errors.print(f"stopped: {report.stopped_by}; resume with --resume {report.run_id}")
        raise typer.Exit(EXIT_BUDGET)
    raise _fail(report.error)


ModelOption = Annotated[str | None, typer.Option(help="litellm model string for every role")]
ResumeOption = Annotated[str | None, typer.Option(help="continue the run with this id")]
LimitOption = Annotated[int | None, typer.Option(help="run only the first N tasks")]
OutputOption = Annotated[Path | None, typer.Option(help="override output_dir")]
QuietOption = Annotated[bool, typer.Option(help="no progress bars")]
MemoryOption = Annotated[
    str | None,
    typer.Option(
        help="on: learn and recall across tasks (default store if none set); off: no memory"
    ),
]


def _memory_override(choice: str | None, scenario: Scenario) -> object:
    if choice is None:
        return None
    if choice not in ("on", "off"):
        raise UsageError(f"--memory must be on or off, not '{choice}'")
    if choice == "off":
        return _OFF
    return scenario.memory.model_dump(mode="json") if scenario.memory else {}


_OFF = object()


def _search_override(
    strategy: str | None, n: int | None, verifier: str | None, scenario: Scenario
) -> dict[str, object]:
    """`--search S --n K` turns any scenario's tasks into a search run (ablations from one file).

    `--verifier KIND:DIR` (or just DIR for a head PRM from `ponder prm train`) supplies the
    PRM that prm_vote, best_of_n, beam and mcts need when the scenario has none.
    """
    override: dict[str, object] = {}
    if verifier == "outcome":
        override["verifier"] = {"kind": "outcome"}
    elif verifier is not None:
        kind, _, path = verifier.partition(":") if ":" in verifier else ("head", "", verifier)
        override["verifier"] = {"kind": kind, "path": path}
    if strategy is None and n is None:
        return override
    current = scenario.search.model_dump(mode="json") if scenario.search else {}
    changes = {
        key: value for key, value in {"strategy": strategy, "n": n}.items() if value is not None
    }
    return override | {"graph": "search", "search": current | changes}


@app.command()
def run(
    scenario_file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    model: ModelOption = None,
    resume: ResumeOption = None,
    limit: LimitOption = None,
    max_trials: Annotated[int | None, typer.Option(help="override max_trials")] = None,
    output_dir: OutputOption = None,
    memory: MemoryOption = None,
    quiet: QuietOption = False,
) -> None:
    """Run a scenario: every task through its graph, then a summary table."""
    from ponder.scenario import load_scenario

    try:
        scenario = _with_overrides(
            load_scenario(scenario_file),
            str(scenario_file),
            tasks={"limit": limit},
            top={
                "model": model,
                "max_trials": max_trials,
                "output_dir": str(output_dir) if output_dir else None,
            },
        )
        report = _execute(scenario, resume, quiet)
    except PonderError as error:
        raise _fail(error) from None
    _finish(report)


@app.command("eval")
def evaluate(
    targets: Annotated[list[str], typer.Argument(help="SCENARIO, or: compare RUN_DIR RUN_DIR ...")],
    model: ModelOption = None,
    graph: Annotated[
        str | None, typer.Option(help="override the graph (refine, debate, roles)")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="override the graph mode")] = None,
    limit: LimitOption = None,
    seed: Annotated[int | None, typer.Option(help="task seed")] = None,
    concurrency: Annotated[int | None, typer.Option(help="episodes run at the same time")] = None,
    max_trials: Annotated[int | None, typer.Option(help="override max_trials")] = None,
    resume: ResumeOption = None,
    output_dir: OutputOption = None,
    memory: MemoryOption = None,
    search: Annotated[
        str | None,
        typer.Option(help="run test-time search: best_of_n, vote, prm_vote, beam or mcts"),
    ] = None,
    n: Annotated[
        int | None, typer.Option("--n", help="samples for best_of_n, vote and prm_vote")
    ] = None,
    verifier: Annotated[
        str | None,
        typer.Option(help="PRM for search: a head PRM directory, or KIND:DIR, or outcome"),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Evaluate a scenario over its task set and write a report with plots; or compare runs."""
    from ponder.eval import load_run, write_run_report
    from ponder.scenario import load_scenario

    try:
        if targets[0] == "compare":
            _compare([Path(target) for target in targets[1:]], output_dir)
            return
        if len(targets) != 1:
            raise UsageError("give one scenario file, or: ponder eval compare RUN_DIR RUN_DIR ...")
        loaded = load_scenario(targets[0])
        scenario = _with_overrides(
            loaded,
            targets[0],
            tasks={"limit": limit, "seed": seed},
            top={
                "model": model,
                "graph": graph,
                "mode": mode,
                "concurrency": concurrency,
                "max_trials": max_trials,
                "output_dir": str(output_dir) if output_dir else None,
                "memory": _memory_override(memory, loaded),
                **_search_override(search, n, verifier, loaded),
            },
        )
        report = _execute(scenario, resume, quiet)
        written = write_run_report(load_run(Path(report.run_dir)))
    except PonderError as error:
        raise _fail(error) from None
    console.print(f"report: {written}", highlight=False)
    _finish(report)


def _compare(paths: list[Path], output_dir: Path | None) -> None:
    from rich.table import Table

    from ponder.eval import compare, load_run, write_comparison

    if len(paths) < 2:
        raise UsageError("ponder eval compare needs at least two run directories")
    runs = [load_run(path) for path in paths]
    directory = output_dir or paths[0].parent / (
        "compare-" + "-vs-".join(run.run_id for run in runs)
    )
    written = write_comparison(runs, directory)
    table = Table(title="runs compared (difference vs the first, 95% bootstrap CI)")
    for column in ("run", "label", "tasks", "success [95% Wilson]", "difference", "tokens/task"):
        table.add_column(column)
    for row in compare(runs):
        n = row.numbers
        table.add_row(
            row.run.run_id,
            row.run.label,
            str(n.tasks),
            f"{100 * n.rate:.1f}% [{100 * n.low:.1f}, {100 * n.high:.1f}]",
            f"{100 * row.difference:+.1f} pts [{100 * row.low:+.1f}, {100 * row.high:+.1f}]",
            f"{n.mean_tokens:.0f}",
        )
    console.print(table)
    console.print(f"comparison: {written}", highlight=False)


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
    "embodied": {"environment": {"name": "textworld"}},
    "search": {"verifier": {"kind": "outcome"}},
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
    name: Annotated[
        str, typer.Argument(help="graph name: refine, debate, roles, search or embodied")
    ],
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
