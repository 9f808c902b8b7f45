import pytest

from ponder.tasks import load_tasks
from ponder.tasks.humaneval import HumanEvalTask, load_problems
from tests.conftest import requires_bwrap

pytestmark = requires_bwrap


def test_all_164_problems_load_from_the_package() -> None:
    problems = load_problems()
    assert len(problems) == 164 and problems[0]["task_id"] == "HumanEval/0"


@pytest.mark.parametrize("index", [0, 10, 53, 163])
def test_canonical_solutions_pass_and_wrong_ones_fail(index: int) -> None:
    problem = load_problems()[index]
    task = load_tasks("humaneval", limit=164)[index]
    assert isinstance(task, HumanEvalTask)
    reply = f"Here you go:\n```python\n{problem['prompt']}{problem['canonical_solution']}```"
    solution = task.extract(reply)
    assert solution is not None and task.check(solution).success
    wrong = task.check(f"def {problem['entry_point']}(*args):\n    return None")
    assert not wrong.success and "test `" in wrong.message


def test_extract_accepts_body_only_and_keeps_prompt_imports() -> None:
    task = load_tasks("humaneval", limit=1)[0]
    body_only = task.extract(
        "```python\n    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1 :])\n```"
    )
    assert body_only is not None and body_only.startswith("from typing import List")
    assert task.check(body_only).success
    assert task.extract("I don't know.") is None


def test_seed_shuffles_deterministically() -> None:
    first = [t.id for t in load_tasks("humaneval", seed=4, limit=5)]
    assert first == [t.id for t in load_tasks("humaneval", seed=4, limit=5)]
    assert first != [t.id for t in load_tasks("humaneval", limit=5)]
