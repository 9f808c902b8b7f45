import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import litellm

from ponder.llm import LLM, Ledger, ScriptedLLM
from ponder.scenario import RunReport, TaskResult, parse_scenario, run_scenario
from ponder.scenario.schema import ModelSettings, Scenario
from tests.conftest import REPO


def scenario(tmp_path: Path, **extra: object) -> Scenario:
    data = {
        "name": "t",
        "tasks": {
            "source": "basic_arithmetic",
            "seed": 3,
            "limit": 4,
            "options": {"max_terms": 2, "max_digits": 1},
        },
        "max_trials": 2,
        "output_dir": str(tmp_path / "runs"),
    } | extra
    return parse_scenario(data, "test")


def always(actor_reply: str, delay_s: float = 0.0):  # type: ignore[no-untyped-def]
    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        reply = actor_reply if role == "actor" else f"{role} note"
        return ScriptedLLM.from_replies(lambda _m: reply, ledger=ledger, role=role, delay_s=delay_s)

    return make


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def run_started(self, total: int, already_done: int) -> None:
        self.events.append(("run", (total, already_done)))

    def task_started(self, task_id: str, max_trials: int) -> None:
        self.events.append(("start", task_id))

    def trial_finished(self, task_id: str, trial: int) -> None:
        self.events.append(("trial", (task_id, trial)))

    def task_finished(self, result: TaskResult) -> None:
        self.events.append(("done", result.task_id))


async def test_run_writes_results_summary_and_trace(tmp_path: Path) -> None:
    recorder = Recorder()
    report = await run_scenario(
        scenario(tmp_path), make_llm=always("Answer: 1000"), progress=recorder
    )
    assert report.total_tasks == 4 and len(report.results) == 4 and report.stopped_by is None
    assert all(
        not r.solved and r.trials == 2 and r.stop_reason == "out of trials" for r in report.results
    )
    # per task: actor, reflector, actor = 3 calls of 30 tokens (litellm's mock usage)
    assert all(r.tokens == 90 for r in report.results)
    run_dir = Path(report.run_dir)
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["task_id"] for line in lines] == [r.task_id for r in report.results]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["finished"] == 4 and summary["solved"] == 0 and summary["calls"] == 12
    trace = [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]
    assert Counter(line["role"] for line in trace) == {"actor": 8, "reflector": 4}
    assert ("trial", (report.results[0].task_id, 2)) in recorder.events


async def test_budget_stop_saves_results_and_resume_finishes(tmp_path: Path) -> None:
    tight = scenario(tmp_path, budget={"max_calls": 7})
    report = await run_scenario(tight, make_llm=always("Answer: 1000"))
    assert report.stopped_by == "call budget reached: 7 used of 7"
    assert len(report.results) == 2  # 3 calls per task: two tasks fit, the third was cut short
    summary = json.loads((Path(report.run_dir) / "summary.json").read_text())
    assert summary["stopped_by"] == report.stopped_by and summary["finished"] == 2
    roomy = scenario(tmp_path, budget={"max_calls": 100})
    resumed = await run_scenario(roomy, resume=report.run_id, make_llm=always("Answer: 1000"))
    assert resumed.stopped_by is None
    assert [r.task_id for r in resumed.results] == [f"basic_arithmetic-3-{i}" for i in range(4)]
    assert resumed.totals.calls == 12  # the interrupted task continued; nothing was redone


async def test_fatal_model_error_stops_the_run_cleanly(tmp_path: Path) -> None:
    def make(role: str, _s: ModelSettings, ledger: Ledger) -> LLM:
        error = litellm.AuthenticationError("bad key", llm_provider="openai", model="gpt-x")
        return ScriptedLLM.from_replies(
            lambda _m: error, ledger=ledger, role=role, model="openai/gpt-x"
        )

    report = await run_scenario(scenario(tmp_path), make_llm=make)
    assert report.stopped_by is not None and "authentication failed" in report.stopped_by
    assert report.results == []


async def test_transient_failures_do_not_stop_a_run(tmp_path: Path) -> None:
    import random

    chooser = random.Random(1)

    def make(role: str, _s: ModelSettings, ledger: Ledger) -> LLM:
        from ponder.llm import RetryPolicy

        def flaky(_m: object) -> object:
            if chooser.random() < 0.3:
                return litellm.RateLimitError("429", llm_provider="openai", model="m")
            return "Answer: 1000" if role == "actor" else "note"

        retry = RetryPolicy(attempts=10, wait_initial_s=0.001, wait_max_s=0.005)
        return ScriptedLLM.from_replies(flaky, ledger=ledger, role=role, retry=retry)

    report: RunReport = await run_scenario(scenario(tmp_path), make_llm=make)
    assert report.stopped_by is None and len(report.results) == 4


async def test_resume_refuses_a_different_task_set(tmp_path: Path) -> None:
    import pytest

    from ponder.errors import UsageError

    report = await run_scenario(scenario(tmp_path), make_llm=always("Answer: 1000"))
    other = scenario(tmp_path, tasks={"source": "puzzle24", "limit": 2})
    with pytest.raises(UsageError, match="tasks differ"):
        await run_scenario(other, resume=report.run_id, make_llm=always("x"))


KILLABLE_RUN = """
import asyncio, sys
from ponder.llm import ScriptedLLM
from ponder.scenario import parse_scenario, run_scenario

data = {"name": "kill", "max_trials": 2, "output_dir": sys.argv[1],
        "tasks": {"source": "basic_arithmetic", "seed": 11, "limit": 8}}
scenario = parse_scenario(data, "test")

def make_llm(role, settings, ledger):
    reply = "Answer: 1000" if role == "actor" else "note"
    return ScriptedLLM.from_replies(lambda m: reply, ledger=ledger, role=role, delay_s=0.1)

resume = sys.argv[2] if len(sys.argv) > 2 else None
report = asyncio.run(run_scenario(scenario, resume=resume, make_llm=make_llm))
print(report.run_id, len(report.results))
"""


def test_sigkill_mid_run_then_resume_does_every_task_exactly_once(tmp_path: Path) -> None:
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE_RUN)
    runs = tmp_path / "runs"
    env = os.environ | {"PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(script), str(runs)], env=env)
    deadline = time.monotonic() + 60
    results: list[Path] = []
    while time.monotonic() < deadline:
        results = list(runs.glob("*/results.jsonl"))
        if results and len(results[0].read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert results, "the run never recorded a result"
    run_id = results[0].parent.name
    done_before = len(results[0].read_text().splitlines())
    assert done_before < 8
    finished = subprocess.run(
        [sys.executable, str(script), str(runs), run_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    ids = [json.loads(line)["task_id"] for line in results[0].read_text().splitlines()]
    assert sorted(ids) == sorted(f"basic_arithmetic-11-{i}" for i in range(8))
    assert len(ids) == len(set(ids))


async def test_debate_scenario_runs_through_the_runner(tmp_path: Path) -> None:
    debate_scenario = scenario(
        tmp_path,
        graph="debate",
        debate={
            "rounds": 2,
            "agents": [{"name": "a"}, {"name": "b", "temperature": 0.1, "model": "openai/other"}],
        },
    )
    seen: dict[str, ModelSettings] = {}

    def make(role: str, settings: ModelSettings, ledger: Ledger) -> LLM:
        seen[role] = settings
        return ScriptedLLM.from_replies(lambda _m: "Answer: 5", ledger=ledger, role=role)

    recorder = Recorder()
    report = await run_scenario(debate_scenario, make_llm=make, progress=recorder)
    assert len(report.results) == 4 and all(
        r.stop_reason == "consensus" and r.trials == 1 for r in report.results
    )
    assert seen["debater:b"].temperature == 0.1 and seen["debater:b"].model == "openai/other"
    assert seen["debater:a"].model == "local/smollm2-135m"
    assert all(r.tokens == 60 for r in report.results)  # two debaters, one round, one shared ledger


async def test_roles_scenario_runs_through_the_runner(tmp_path: Path) -> None:
    members = [
        {"name": "solver", "instructions": "solve"},
        {"name": "critic", "instructions": "check", "critic": True},
    ]
    roles_scenario = scenario(tmp_path, graph="roles", team={"members": members, "max_rounds": 2})

    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        reply = "Answer: 1000" if role == "solver" else "wrong"
        return ScriptedLLM.from_replies(lambda _m: reply, ledger=ledger, role=role)

    report = await run_scenario(roles_scenario, make_llm=make)
    assert all(
        r.stop_reason == "out of rounds" and r.trials == 2 and not r.solved for r in report.results
    )


async def test_search_scenario_votes_over_samples(tmp_path: Path) -> None:
    search_scenario = scenario(tmp_path, graph="search", search={"strategy": "vote", "n": 3})
    replies = iter(["Step: think\nAnswer: 1000", "Answer: 7", "Answer: 1000"] * 4)

    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        return ScriptedLLM.from_replies(lambda _m: next(replies), ledger=ledger, role=role)

    report = await run_scenario(search_scenario, make_llm=make)
    assert len(report.results) == 4 and all(
        r.answer == "1000" and not r.solved for r in report.results
    )
    assert all(r.tokens == 90 for r in report.results)  # three samples of 30 tokens each


async def test_search_with_the_outcome_verifier_picks_the_checked_answer(tmp_path: Path) -> None:
    from ponder.tasks import load_tasks

    tasks = load_tasks(
        "basic_arithmetic", seed=3, limit=4, options={"max_terms": 2, "max_digits": 1}
    )
    right = {t.prompt(): t.reference for t in tasks}  # type: ignore[attr-defined]

    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        calls = {"n": 0}

        def reply(messages: list[dict[str, str]]) -> str:
            calls["n"] += 1
            question = next(q for q in right if q in messages[-1]["content"])
            return f"Answer: {right[question]}" if calls["n"] % 3 == 0 else "Answer: 1000"

        return ScriptedLLM.from_replies(reply, ledger=ledger, role=role)

    best = scenario(
        tmp_path,
        graph="search",
        search={"strategy": "best_of_n", "n": 3},
        verifier={"kind": "outcome"},
    )
    report = await run_scenario(best, make_llm=make)
    assert all(r.solved for r in report.results)  # the one right sample of three wins


async def test_debate_aggregated_by_the_verifier(tmp_path: Path) -> None:
    debate_scenario = scenario(
        tmp_path,
        graph="debate",
        debate={
            "rounds": 1,
            "aggregate": "verifier",
            "agents": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        },
        verifier={"kind": "outcome"},
    )
    from ponder.tasks import load_tasks

    right = {
        t.prompt(): t.reference
        for t in load_tasks(
            "basic_arithmetic", seed=3, limit=4, options={"max_terms": 2, "max_digits": 1}
        )
    }  # type: ignore[attr-defined]

    def make(role: str, _s: ModelSettings, ledger: Ledger) -> LLM:
        def reply(messages: list[dict[str, str]]) -> str:
            question = next(q for q in right if q in messages[-1]["content"])
            return f"Answer: {right[question]}" if role == "debater:c" else "Answer: 1000"

        return ScriptedLLM.from_replies(reply, ledger=ledger, role=role)

    report = await run_scenario(debate_scenario, make_llm=make)
    assert all(r.solved for r in report.results)  # the minority answer the verifier prefers wins
