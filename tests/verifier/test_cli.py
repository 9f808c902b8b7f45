"""`ponder prm label | train | eval` end to end on a tiny backbone (nothing downloaded)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from ponder.cli.app import app
from ponder.scenario import load_scenario
from ponder.tasks import load_tasks
from ponder.verifier.arithmetic import exact_numeric_labels
from tests.conftest import REPO, requires_embedded

runner = CliRunner()
QUICKSTART = REPO / "scenarios" / "quickstart.yaml"


def test_label_train_eval_with_a_tiny_backbone(tmp_path: Path, llama_dir: Path) -> None:
    data = tmp_path / "labels.jsonl"
    labelled = runner.invoke(app, ["prm", "label", str(data), "--count", "24", "--seed", "3"])
    assert labelled.exit_code == 0, labelled.output
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    assert len(rows) >= 24 and all(len(row["steps"]) == len(row["labels"]) for row in rows)
    assert any(0 in row["labels"] for row in rows) and any(all(row["labels"]) for row in rows)
    out = tmp_path / "prm"
    trained = runner.invoke(
        app,
        [
            "prm",
            "train",
            str(data),
            "--out",
            str(out),
            "--backbone",
            str(llama_dir),
            "--epochs",
            "20",
            "--device",
            "cpu",
        ],
    )
    assert trained.exit_code == 0, trained.output
    assert (out / "prm.json").exists() and (out / "head.safetensors").exists()
    evaluated = runner.invoke(app, ["prm", "eval", str(out), "--game24", "20", "--device", "cpu"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "AUC" in evaluated.output or "auc" in evaluated.output.lower()
    # the labelled file itself is a benchmark too: every solution is a sample
    on_file = runner.invoke(app, ["prm", "eval", str(out), "--labelled", str(data)])
    assert on_file.exit_code == 0, on_file.output
    assert f"{len(rows)} samples" in on_file.output and "trained" in on_file.output
    both = runner.invoke(app, ["prm", "eval", str(out), "--labelled", str(data), "--game24", "3"])
    assert both.exit_code == 2 and "exactly one of" in both.output


def test_eval_of_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prm", "eval", str(tmp_path / "nope"), "--game24", "5"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


@requires_embedded
def test_exact_labels_for_a_scenarios_arithmetic_with_the_embedded_model(tmp_path: Path) -> None:
    data = tmp_path / "arith.jsonl"
    args = [
        "prm",
        "label",
        str(data),
        "--scenario",
        str(QUICKSTART),
        "--model",
        "local/smollm2-135m",
    ]
    result = runner.invoke(app, [*args, "--count", "1", "--samples", "2", "--seed", "100"])
    assert result.exit_code == 0, result.output
    (task,) = load_tasks(
        "basic_arithmetic", seed=100, limit=1, options=load_scenario(QUICKSTART).tasks.options
    )
    for row in map(json.loads, data.read_text().splitlines()):
        assert row["question"] == task.prompt() and row["source"] == task.id
        assert row["labels"] == [float(x) for x in exact_numeric_labels(task, row["steps"])]


def test_exact_labels_refuse_tasks_without_an_exact_rule(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["prm", "label", str(tmp_path / "x.jsonl"), "--source", "countdown", "--model", "m"],
    )
    assert result.exit_code == 2 and "use --method mc" in result.output
