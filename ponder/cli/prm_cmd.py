"""`ponder prm`: label steps, train a head PRM, and evaluate verifiers.

Mistakes print one line and exit 2, like every ponder command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ponder.errors import PonderError, UsageError

if TYPE_CHECKING:
    from ponder.tasks import Task
    from ponder.verifier.data import LabeledSolution

prm_app = typer.Typer(
    no_args_is_help=True, help="Label steps, train and evaluate process reward models."
)
console = Console()
errors = Console(stderr=True)


def _fail(error: PonderError) -> typer.Exit:
    errors.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


@prm_app.command("label")
def label(
    out: Annotated[Path, typer.Argument(help="JSONL file to write")],
    method: Annotated[
        str,
        typer.Option(help="exact (Game of 24, one-number tasks) or mc (Monte Carlo rollouts)"),
    ] = "exact",
    source: Annotated[
        str, typer.Option(help="task source for mc, or puzzle24 with --model")
    ] = "puzzle24",
    model: Annotated[
        str | None, typer.Option(help="policy model; exact without it generates solutions")
    ] = None,
    count: Annotated[int, typer.Option(help="tasks (or generated solutions)")] = 200,
    samples: Annotated[int, typer.Option(help="solutions sampled per task")] = 4,
    rollouts: Annotated[int, typer.Option(help="mc completions per step")] = 8,
    seed: Annotated[int, typer.Option()] = 0,
    scenario: Annotated[
        Path | None,
        typer.Option(help="take the task source and options from this scenario's tasks block"),
    ] = None,
) -> None:
    """Write step-labelled solutions (the input of `prm train`).

    With `--scenario` the labels come from the same task distribution the scenario is
    evaluated on; pick a `--seed` other than the scenario's so no test task is trained on.
    """
    from ponder.verifier import game24
    from ponder.verifier.data import write_jsonl

    try:
        options: dict[str, Any] = {}
        if scenario is not None:
            from ponder.scenario import load_scenario

            spec = load_scenario(scenario).tasks
            if spec is None:
                raise UsageError(f"{scenario}: tasks: the scenario has no task set to label")
            source, options = spec.source, dict(spec.options)
        if method == "exact" and model is None:
            written = write_jsonl(out, game24.benchmark(count, seed))
            tokens = 0
        elif method in ("exact", "mc"):
            written, tokens = asyncio.run(
                _label_with_policy(
                    out, method, source, options, model, count, samples, rollouts, seed
                )
            )
        else:
            raise UsageError(f"unknown labelling method '{method}' (choose from exact, mc)")
    except PonderError as error:
        raise _fail(error) from None
    console.print(f"{out}: {written} labelled solutions ({tokens} policy tokens)", highlight=False)


async def _label_with_policy(
    out: Path,
    method: str,
    source: str,
    options: dict[str, Any],
    model: str | None,
    count: int,
    samples: int,
    rollouts: int,
    seed: int,
) -> tuple[int, int]:
    from ponder.llm import DEFAULT_MODEL, LLM
    from ponder.tasks import load_tasks
    from ponder.verifier.data import write_jsonl
    from ponder.verifier.labels import label_with_rollouts
    from ponder.verifier.policy import StepPolicy, split_steps

    policy = StepPolicy(LLM(model or DEFAULT_MODEL, role="labeller"))
    tasks = load_tasks(source, seed=seed, limit=count, options=options)
    labelled: list[LabeledSolution] = []
    tokens = 0
    for task in tasks:
        if method == "mc":
            found, spent = await label_with_rollouts(policy, task, samples, rollouts)
            labelled.extend(found)
            tokens += spent
            continue
        label = _exact_labeller(task)
        drafted = await policy.solve(task, samples)
        tokens += drafted.tokens
        labelled.extend(label(task, split_steps(t)) for t in drafted.texts if split_steps(t))
    return write_jsonl(out, labelled), tokens


def _exact_labeller(task: Task) -> Callable[[Any, list[str]], LabeledSolution]:
    """Game of 24 is labelled by solvability, one-number tasks by their equations."""
    from ponder.tasks import ExpressionTask, NumericTask
    from ponder.verifier.arithmetic import exact_numeric_solution
    from ponder.verifier.labels import exact_game24_labels

    if isinstance(task, ExpressionTask) and task.target == 24:
        return exact_game24_labels
    if isinstance(task, NumericTask):
        return exact_numeric_solution
    raise UsageError(
        "exact labels exist for Game of 24 and one-number tasks "
        "(puzzle24, basic_arithmetic, gsm_symbolic); use --method mc for others"
    )


@prm_app.command("train")
def train(
    data: Annotated[Path, typer.Argument(help="labelled solutions (JSONL from `prm label`)")],
    out: Annotated[Path, typer.Option(help="checkpoint directory to write")] = Path("prm-head"),
    backbone: Annotated[
        str, typer.Option(help="smollm2-135m or a transformers model directory")
    ] = "smollm2-135m",
    epochs: Annotated[int, typer.Option()] = 200,
    lr: Annotated[float, typer.Option()] = 3e-3,
    layer: Annotated[
        int, typer.Option(help="backbone hidden layer fed to the head (-1: last)")
    ] = -1,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Train a head PRM on a frozen backbone and save it with its config."""
    from ponder.verifier import place
    from ponder.verifier.data import read_jsonl
    from ponder.verifier.train import TrainSettings, train_head_prm

    try:
        solutions = read_jsonl(data)
        settings = TrainSettings(epochs=epochs, lr=lr, layer=layer, seed=seed)
        report = train_head_prm(solutions, backbone, out, place(device), settings)
    except PonderError as error:
        raise _fail(error) from None
    console.print(
        f"{out}: trained on {report.steps} steps ({report.positive_fraction:.0%} good); "
        f"loss {report.first_loss:.3f} -> {report.last_loss:.3f}",
        highlight=False,
    )


@prm_app.command("eval")
def evaluate_command(
    prm: Annotated[str, typer.Argument(help="PRM directory (or Hub id with --allow-hub)")],
    kind: Annotated[str, typer.Option(help="head, qwen-prm, math-shepherd or skywork")] = "head",
    processbench: Annotated[Path | None, typer.Option(help="a ProcessBench split (JSON)")] = None,
    game24: Annotated[int, typer.Option(help="generated Game-of-24 solutions to score")] = 0,
    labelled: Annotated[
        Path | None, typer.Option(help="step-labelled solutions (JSONL from `prm label`)")
    ] = None,
    dev_fraction: Annotated[float, typer.Option(help="share used to choose the threshold")] = 0.3,
    seed: Annotated[int, typer.Option(help="seed of the generated benchmark")] = 1000,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    allow_hub: Annotated[
        bool, typer.Option(help="download weights from the Hugging Face Hub")
    ] = False,
) -> None:
    """ProcessBench F1 (threshold from a dev split); step AUC too where step labels exist.

    For a head PRM the same backbone with an untrained head is scored as a baseline.
    """
    from ponder.verifier import game24 as g24
    from ponder.verifier import load_prm
    from ponder.verifier.data import read_jsonl
    from ponder.verifier.processbench import ProcessBenchSample, evaluate, load_processbench
    from ponder.verifier.train import untrained_like

    try:
        if [processbench is not None, game24 > 0, labelled is not None].count(True) != 1:
            raise UsageError(
                "give exactly one of --processbench FILE, --labelled FILE or --game24 N"
            )
        step_labels = None
        if processbench is not None:
            samples = load_processbench(processbench)
        elif labelled is not None:
            solutions = read_jsonl(labelled)
            samples = [ProcessBenchSample.from_labeled(i, s) for i, s in enumerate(solutions)]
            step_labels = [s.hard or s.labels for s in solutions]
        else:
            generated = g24.benchmark(game24, seed)
            samples = [ProcessBenchSample.from_labeled(i, s) for i, s in enumerate(generated)]
            step_labels = [s.labels for s in generated]
        verifier = load_prm(kind, prm, device=device, allow_hub=allow_hub)
        rows = [
            (
                "trained" if kind == "head" else kind,
                evaluate(verifier, samples, dev_fraction, step_labels),
            )
        ]
        if kind == "head":
            rows.append(
                (
                    "untrained",
                    evaluate(untrained_like(verifier), samples, dev_fraction, step_labels),
                )
            )
    except PonderError as error:
        raise _fail(error) from None
    table = Table(title=f"{len(samples)} samples, threshold from the first {dev_fraction:.0%}")
    for column in ("verifier", "threshold", "err acc", "correct acc", "F1", "step AUC"):
        table.add_column(column)
    for name, report in rows:
        test = report.test
        auc = "-" if report.auc is None else f"{report.auc:.3f}"
        table.add_row(
            name,
            f"{test.threshold:.3f}",
            f"{test.error_accuracy:.3f}",
            f"{test.correct_accuracy:.3f}",
            f"{test.f1:.3f}",
            auc,
        )
    console.print(table)
