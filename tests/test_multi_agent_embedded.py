"""Debate and role-based scenarios with the real embedded model, on tiny budgets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, requires_embedded

pytestmark = [pytest.mark.embedded, requires_embedded]


def shrink(name: str, tmp_path: Path, section: str, **changes: object) -> Path:
    data = yaml.safe_load((REPO / "scenarios" / name).read_text())
    data["max_tokens"] = 48
    data["tasks"]["limit"] = 1
    data["output_dir"] = str(tmp_path / "runs")
    data[section] |= changes
    for entry in data[section].get("agents", data[section].get("members", [])):
        entry.pop("max_tokens", None)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("name", "section", "changes"),
    [
        ("debate-arithmetic.yaml", "debate", {"rounds": 2}),
        ("roles-gsm.yaml", "team", {"max_rounds": 1}),
    ],
)
def test_multi_agent_scenario_with_the_embedded_model(
    tmp_path: Path, name: str, section: str, changes: dict[str, object]
) -> None:
    scenario = shrink(name, tmp_path, section, **changes)
    result = subprocess.run(
        [sys.executable, "-m", "ponder", "run", str(scenario), "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    results = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert len(results) == 1 and results[0]["tokens"] > 0 and results[0]["stop_reason"]
    roles = {
        json.loads(line)["role"] for line in (run_dir / "trace.jsonl").read_text().splitlines()
    }
    expected = (
        {"debater:careful", "debater:quick", "debater:skeptic"}
        if section == "debate"
        else {"planner", "solver", "critic"}
    )
    assert expected <= roles
