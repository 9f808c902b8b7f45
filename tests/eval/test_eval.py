import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ponder.cli.app import app
from ponder.eval import bootstrap_difference, load_run, metrics, wilson, write_run_report
from ponder.llm import LLM, Ledger, ScriptedLLM
from ponder.scenario import parse_scenario, run_scenario
from ponder.scenario.schema import ModelSettings
from tests.conftest import REPO, requires_embedded


def test_wilson_matches_known_values() -> None:
    rate = wilson(8, 10)
    assert (round(rate.low, 4), round(rate.high, 4)) == (0.4902, 0.9433)
    zero = wilson(0, 5)
    assert zero.low == 0.0 and 0.43 < zero.high < 0.44


def test_bootstrap_difference_is_centred_and_brackets() -> None:
    diff, low, high = bootstrap_difference([False] * 20, [True] * 10 + [False] * 10)
    assert diff == pytest.approx(0.5) and low < 0.5 < high and low > 0.2


def replies_by_task(solved_ids: set[str]):  # type: ignore[no-untyped-def]
    """Actor answers correctly only for some tasks, read from the question's numbers."""

    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        def reply(messages: list[dict[str, str]]) -> str:
            text = messages[-1]["content"]
            if role != "actor":
                return "note"
            expression = re.search(r"Calculate (.+?)\.", text)
            assert expression is not None
            value = eval(expression.group(1))  # the test's own arithmetic, not model output
            wanted = any(task_text in text for task_text in solved_ids)
            return f"Answer: {value if wanted else value + 1}"

        return ScriptedLLM.from_replies(reply, ledger=ledger, role=role)

    return make


async def make_run(tmp_path: Path, solved_questions: set[str]) -> Path:
    scenario = parse_scenario(
        {
            "name": "eval",
            "tasks": {
                "source": "basic_arithmetic",
                "seed": 2,
                "limit": 6,
                "options": {"max_terms": 2, "max_digits": 1},
            },
            "max_trials": 2,
            "output_dir": str(tmp_path),
        },
        "test",
    )
    report = await run_scenario(scenario, make_llm=replies_by_task(solved_questions))
    return Path(report.run_dir)


async def test_report_numbers_come_from_the_jsonl(tmp_path: Path) -> None:
    from ponder.tasks import load_tasks

    tasks = load_tasks(
        "basic_arithmetic", seed=2, limit=6, options={"max_terms": 2, "max_digits": 1}
    )
    chosen = {tasks[0].prompt(), tasks[3].prompt(), tasks[4].prompt()}
    run_dir = await make_run(tmp_path, chosen)
    episodes = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    run = load_run(run_dir)
    numbers = metrics(run)
    assert numbers.tasks == len(episodes) == 6
    assert numbers.solved == sum(e["solved"] for e in episodes) == 3
    assert numbers.tokens == sum(e["tokens"] for e in episodes)
    report = write_run_report(run).read_text()
    assert "| 6 | 3 | 50.0% [18.8%, 81.2%] |" in report
    solved_first_trial = sum(e["solved"] and e["trials"] == 1 for e in episodes)
    assert f"| solved | {100 * solved_first_trial / 6:.1f}% |" in report
    for name in ("success_by_trial.png", "success_over_sequence.png"):
        assert (run_dir / name).read_bytes()[:4] == b"\x89PNG"


async def test_compare_command_writes_table_plot_and_json(tmp_path: Path) -> None:
    from ponder.tasks import load_tasks

    tasks = load_tasks(
        "basic_arithmetic", seed=2, limit=6, options={"max_terms": 2, "max_digits": 1}
    )
    weak = await make_run(tmp_path / "a", {tasks[0].prompt()})
    strong = await make_run(tmp_path / "b", {t.prompt() for t in tasks})
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["eval", "compare", str(weak), str(strong), "--output-dir", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "compare.json").read_text())
    assert [row["solved"] for row in data] == [1, 6]
    assert data[1]["difference"] == pytest.approx(5 / 6)
    assert (out / "compare.png").exists() and "pts" in (out / "compare.md").read_text()


def test_compare_needs_run_directories(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "compare", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2


@pytest.mark.embedded
@requires_embedded
def test_eval_with_the_embedded_model_writes_a_report(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ponder", "eval", "scenarios/quickstart.yaml", "--limit", "2", "--max-trials", "1",
         "--seed", "5", "--concurrency", "2", "--output-dir", str(tmp_path), "--quiet"],
        capture_output=True, text=True, timeout=600, cwd=REPO, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run_dir = next(tmp_path.iterdir())
    report = (run_dir / "report.md").read_text()
    episodes = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert len(episodes) == 2 and all(
        e["task_id"].startswith("basic_arithmetic-5-") for e in episodes
    )
    assert f"| 2 | {sum(e['solved'] for e in episodes)} |" in report


async def test_compare_draws_a_scaling_curve_for_search_runs(tmp_path: Path) -> None:
    runs = []
    for n in (1, 2, 4):
        scenario = parse_scenario(
            {
                "name": "scale",
                "tasks": {
                    "source": "basic_arithmetic",
                    "seed": 2,
                    "limit": 3,
                    "options": {"max_terms": 2},
                },
                "graph": "search",
                "search": {"strategy": "vote", "n": n},
                "output_dir": str(tmp_path / f"n{n}"),
            },
            "test",
        )

        def make(role: str, _s: ModelSettings, ledger: Ledger) -> LLM:
            return ScriptedLLM.from_replies(lambda _m: "Answer: 5", ledger=ledger, role=role)

        runs.append(Path((await run_scenario(scenario, make_llm=make)).run_dir))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["eval", "compare", *map(str, runs), "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "compare.md").read_text()
    assert "| vote | 1 | 30 |" in text and "| vote | 4 | 120 |" in text
    assert (out / "scaling.png").exists() and (out / "sequence.png").exists()


def test_eval_search_flag_needs_a_verifier_for_prm_vote(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            str(REPO / "scenarios/quickstart.yaml"),
            "--search",
            "prm_vote",
            "--output-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "needs a verifier section" in result.output


def test_eval_verifier_flag_supplies_the_prm_a_search_needs(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            str(REPO / "scenarios/quickstart.yaml"),
            "--search",
            "prm_vote",
            "--verifier",
            str(tmp_path / "no-such-prm"),
            "--output-dir",
            str(tmp_path),
            "--quiet",
        ],
    )
    # the scenario now validates; loading the (missing) PRM is what fails, in one line
    assert result.exit_code == 2, result.output
    assert "needs a verifier section" not in result.output
    assert "no-such-prm" in result.output and len(result.output.strip().splitlines()) == 1
    wrong_kind = CliRunner().invoke(
        app,
        ["eval", str(REPO / "scenarios/quickstart.yaml"), "--search", "vote", "--verifier", "x:y"],
    )
    assert wrong_kind.exit_code == 2 and "verifier.kind" in wrong_kind.output
