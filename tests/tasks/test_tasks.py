import json
from fractions import Fraction
from pathlib import Path

import pytest

from ponder.errors import ScenarioError
from ponder.tasks import ExpressionTask, NumericTask, OpenTask, load_task_file, load_tasks
from ponder.tasks.expressions import check_expression


def test_expression_feedback_names_the_mistakes() -> None:
    feedback = check_expression("5*5-3", [5, 3, 2, 7], 24, must_use_all=False)
    assert not feedback.success
    assert feedback.message == (
        "Wrong: your expression 5*5-3 uses 5 twice but it is given once and evaluates to 22, not 24."
    )


def test_expression_feedback_missing_numbers_and_foreign_numbers() -> None:
    feedback = check_expression("9*3-3", [8, 3, 3, 1], 24)
    assert "uses 9, which is not one of the given numbers" in feedback.message
    assert "does not use 1 or 8" in feedback.message
    assert "evaluates to 24" in feedback.message and not feedback.success


def test_expression_correct_and_exact_fractions() -> None:
    assert check_expression("8/(3-8/3)", [8, 3, 8, 3], 24).success
    assert check_expression("10*(8 - 5) - 6", [8, 5, 10, 6], 24).success


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("6/(3-3)*4", "divides by zero"),
        ("__import__('os')", "something other than numbers"),
        ("(3 + ", "not a well-formed"),
        ("2**4+8", "something other than numbers"),
    ],
)
def test_invalid_expressions_are_feedback_not_crashes(expression: str, problem: str) -> None:
    feedback = check_expression(expression, [3, 3, 4, 6], 24)
    assert not feedback.success and problem in feedback.message


def test_numeric_task_feedback_does_not_leak_the_answer() -> None:
    task = NumericTask("t", "What is 6*7?", Fraction(42))
    wrong = task.check(task.extract("6*7 is 41") or "")
    assert not wrong.success and "41" in wrong.message and "42" not in wrong.message
    assert task.check(task.extract("Answer: 42.0") or "").success


@pytest.mark.parametrize("source", ["basic_arithmetic", "gsm_symbolic", "puzzle24", "countdown"])
def test_gym_sources_are_seeded_and_their_reference_answers_pass(source: str) -> None:
    first = load_tasks(source, seed=5, limit=3)
    again = load_tasks(source, seed=5, limit=3)
    other = load_tasks(source, seed=6, limit=3)
    assert [t.prompt() for t in first] == [t.prompt() for t in again]
    assert [t.prompt() for t in first] != [t.prompt() for t in other]
    assert len({t.id for t in first}) == 3


def test_puzzle24_reference_solutions_check_out() -> None:
    import reasoning_gym

    dataset = reasoning_gym.create_dataset("puzzle24", size=5, seed=9)
    tasks = load_tasks("puzzle24", seed=9, limit=5)
    for task, entry in zip(tasks, dataset, strict=True):
        assert isinstance(task, ExpressionTask)
        assert task.check(entry["answer"]).success
        assert not task.check("1+1").success


def test_gym_options_are_passed_and_bad_ones_reported() -> None:
    tasks = load_tasks(
        "basic_arithmetic",
        seed=1,
        limit=5,
        options={"max_terms": 2, "max_digits": 1, "min_terms": 2},
    )
    assert all(len(t.prompt()) < 25 for t in tasks)
    with pytest.raises(ScenarioError, match=r"tasks\.options"):
        load_tasks("basic_arithmetic", seed=1, limit=2, options={"bogus": 1}, origin="s.yaml")


def test_unknown_source_lists_choices() -> None:
    with pytest.raises(ScenarioError, match="choose from"):
        load_tasks("nope", origin="s.yaml")


def test_task_file_with_and_without_references(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    rows = [
        {"id": "a", "question": "2+2?", "answer": "4"},
        {"question": "Name a prime.", "answer": "seven"},
        {"question": "Write a haiku."},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    tasks = load_task_file(path)
    assert isinstance(tasks[0], NumericTask) and tasks[0].id == "a"
    assert isinstance(tasks[1], OpenTask) and tasks[1].has_checker
    assert isinstance(tasks[2], OpenTask) and not tasks[2].has_checker


def test_task_file_errors_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"question": "ok"}\n{"questoin": "typo"}\n')
    with pytest.raises(ScenarioError) as error:
        load_task_file(path)
    assert str(path) in str(error.value) and "1.question" in str(error.value)
