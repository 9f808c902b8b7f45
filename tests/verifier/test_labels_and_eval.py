"""Exact and Monte Carlo step labels, the outcome verifier, and ProcessBench scoring."""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

from ponder.errors import ScenarioError
from ponder.llm import Message, ScriptedLLM
from ponder.tasks import ExpressionTask, NumericTask
from ponder.verifier import ScriptedVerifier, Solution, aggregate, game24
from ponder.verifier.arithmetic import exact_numeric_labels
from ponder.verifier.data import LabeledSolution, read_jsonl, write_jsonl
from ponder.verifier.labels import exact_game24_labels, monte_carlo_labels
from ponder.verifier.outcome import OutcomeVerifier
from ponder.verifier.policy import StepPolicy
from ponder.verifier.processbench import (
    best_threshold,
    evaluate,
    load_processbench,
    processbench_f1,
    step_auc,
)

FIXTURE = Path(__file__).parent / "fixtures" / "processbench_sample.json"


def test_game24_step_labels_are_exact() -> None:
    task = ExpressionTask("t", "make 24", (1, 2, 3, 4), 24)
    good = [
        "1 * 2 = 2 (left: 3 4 2)",
        "2 * 3 = 6 (left: 4 6)",
        "4 * 6 = 24 (left: 24)",
        "Answer: 1 * 2 * 3 * 4",
    ]
    assert exact_game24_labels(task, good).labels == [1.0, 1.0, 1.0, 1.0]
    slip = ["1 * 2 = 3 (left: 3 4 3)", "3 * 4 = 12 (left: 3 12)"]
    assert game24.exact_labels((1, 2, 3, 4), slip) == [False, False]
    dead_end = ["1 + 2 = 3 (left: 3 4 3)", "3 + 3 = 6 (left: 4 6)", "6 - 4 = 2 (left: 2)"]
    assert game24.exact_labels((1, 2, 3, 4), dead_end) == [True, True, False]  # 4 * 6 was open
    wrong_left = ["1 * 2 = 2 (left: 3 4)"]
    assert game24.exact_labels((1, 2, 3, 4), wrong_left) == [False]
    assert game24.exact_labels((1, 2, 3, 4), ["Answer: (1 + 2 + 3) * 4"]) == [True]


def test_generated_benchmark_has_both_kinds_and_consistent_labels() -> None:
    data = game24.benchmark(30, seed=0)
    firsts = [s.first_error() for s in data]
    assert any(f == -1 for f in firsts) and any(f >= 0 for f in firsts)
    for solution in data:
        first = solution.first_error()
        if first >= 0:
            assert all(label == 0.0 for label in solution.labels[first:])


async def test_monte_carlo_labels_are_the_fraction_of_rollouts_that_succeed() -> None:
    task = NumericTask("s", "What is 17 + 25?", Fraction(42))

    def reply(messages: Sequence[Message], count: dict[str, int] = {"n": 0}) -> str:  # noqa: B006
        content = messages[-1]["content"]
        if "17 + 25 = 32" in content:
            return "Answer: 32"
        count["n"] += 1
        return "Answer: 42" if count["n"] % 4 else "Answer: 41"  # 3 of 4 rollouts succeed

    policy = StepPolicy(ScriptedLLM.from_replies(reply))
    steps = ["Add the units: 7 + 5 = 12.", "17 + 25 = 32", "Answer: 32"]
    labels = await monte_carlo_labels(policy, task, steps, rollouts=4)
    assert labels.soft == [0.75, 0.0, 0.0] and labels.hard == [1.0, 0.0, 0.0]
    assert labels.tokens == policy.llm.ledger.totals.tokens > 0


def test_outcome_verifier_scores_the_final_answer_for_every_step() -> None:
    task = NumericTask("s", "What is 17 + 25?", Fraction(42))
    verifier = OutcomeVerifier([task])
    good, bad = (Solution.of(task.prompt(), ["17 + 25 = 42", f"Answer: {x}"]) for x in (42, 41))
    assert verifier.score([good, bad]) == [[1.0, 1.0], [0.0, 0.0]]


def test_processbench_loader_reads_the_published_schema() -> None:
    samples = load_processbench(FIXTURE)
    assert [s.label for s in samples] == [-1, 1, 0, -1]
    assert samples[1].generator == "Qwen2-7B-Instruct" and len(samples[1].steps) == 3


def test_processbench_loader_names_the_bad_record(tmp_path: Path) -> None:
    records = json.loads(FIXTURE.read_text())
    records[2]["label"] = 7
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records))
    with pytest.raises(ScenarioError, match=r"\[2\]\.label"):
        load_processbench(bad)
    del records[0]["steps"]
    bad.write_text(json.dumps(records))
    with pytest.raises(ScenarioError, match=r"\[0\]: missing field\(s\) steps"):
        load_processbench(bad)


def test_processbench_f1_and_the_threshold_from_dev() -> None:
    samples = load_processbench(FIXTURE)
    # a verifier that knows the answer: the first wrong step scores 0.2, all others 0.8
    truth = {s.problem: s.label for s in samples}
    oracle = ScriptedVerifier(lambda q, steps: 0.2 if len(steps) - 1 >= truth[q] >= 0 else 0.8)
    scores = oracle.score([Solution.of(s.problem, s.steps) for s in samples])
    labels = [s.label for s in samples]
    assert processbench_f1(scores, labels, 0.5).f1 == 1.0
    assert processbench_f1(scores, labels, 0.1).f1 == 0.0  # flags nothing: no error found
    assert 0.2 < best_threshold(scores, labels) <= 0.8
    report = evaluate(oracle, samples, dev_fraction=0.5)
    assert report.test.f1 == 1.0 and report.auc is None


def test_step_auc() -> None:
    assert step_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert step_auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0.0
    assert step_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5


def test_labelled_solutions_round_trip_through_jsonl(tmp_path: Path) -> None:
    data = [LabeledSolution("q", ["a", "b"], [1.0, 0.25], "src", [1.0, 1.0])]
    write_jsonl(tmp_path / "l.jsonl", data)
    assert read_jsonl(tmp_path / "l.jsonl") == data


def test_aggregates() -> None:
    assert aggregate([0.5, 0.9], "min") == 0.5
    assert aggregate([0.5, 0.9], "last") == 0.9
    assert aggregate([0.5, 0.9], "product") == pytest.approx(0.45)


def test_arithmetic_steps_are_labelled_by_their_equations() -> None:
    task = NumericTask("sum", "Calculate 58 + 98.", Fraction(156))
    assert exact_numeric_labels(task, ["1. 58 + 98 = 156.", "Answer: 156"]) == [True, True]
    # the first false equation breaks the solution, and every later step with it
    assert exact_numeric_labels(task, ["Step 1: 58 + 98 = 146", "Answer: 156"]) == [False, False]
    assert exact_numeric_labels(task, ["(50 + 8) + 98 = 156", "Answer: 156"]) == [True, True]
    assert exact_numeric_labels(task, ["3 × 4 = 12 and 12 - 2 = 11"]) == [False]
    # words are not judged; a wrong final answer is
    assert exact_numeric_labels(task, ["Let me add them.", "Answer: 155"]) == [True, False]
    # a whole solution that never answers fails at its last step; a prefix does not
    assert exact_numeric_labels(task, ["58 + 98 = 156", "Done."]) == [True, False]
    assert exact_numeric_labels(task, ["58 + 98 = 156"], complete=False) == [True]
