"""The real embedded model through the whole stack, with small token budgets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, requires_embedded

pytestmark = [pytest.mark.embedded, requires_embedded]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=dict(os.environ),
    )


def test_quickstart_one_task_with_the_embedded_model(tmp_path: Path) -> None:
    result = run(
        "-m",
        "ponder",
        "run",
        "scenarios/quickstart.yaml",
        "--limit",
        "1",
        "--max-trials",
        "2",
        "--output-dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "basic_arithmetic-7-0" in result.stdout and "total" in result.stdout
    run_dir = next(tmp_path.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["finished"] == 1 and summary["tokens"] > 0 and summary["stopped_by"] is None
    trace = [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]
    assert {line["model"] for line in trace} == {"local/smollm2-135m"}
    assert all(line["completion_tokens"] <= 160 for line in trace)


def test_budget_stop_with_the_embedded_model_then_resume(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(
        "name: tiny\ntasks: {source: basic_arithmetic, seed: 1, limit: 2, options: {max_terms: 2}}\n"
        f"max_trials: 2\nmax_tokens: 24\noutput_dir: {tmp_path / 'runs'}\n"
        "budget: {max_calls: 1}\n"
    )
    first = run("-m", "ponder", "run", str(scenario), "--quiet")
    if first.returncode == 0:  # the first answer was right: one call was enough
        assert "1/2" in first.stdout or "2/2" in first.stdout
        return
    assert first.returncode == 3, first.stderr
    assert "stopped: call budget reached: 1 used of 1; resume with --resume" in first.stderr
    run_id = first.stderr.split("--resume ")[1].split()[0]
    scenario.write_text(scenario.read_text().replace("max_calls: 1", "max_calls: 50"))
    resumed = run("-m", "ponder", "run", str(scenario), "--quiet", "--resume", run_id)
    assert resumed.returncode == 0, resumed.stderr
    results = (tmp_path / "runs" / run_id / "results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["task_id"] for line in results) == [
        "basic_arithmetic-1-0",
        "basic_arithmetic-1-1",
    ]
