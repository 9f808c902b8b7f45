"""The task's own checker behind the `Verifier` protocol: an outcome reward, not a process one.

It can only judge a finished solution, so every step gets the final answer's score (0 for a
solution with no answer yet). With it, the same search code runs against ground truth, which
is the upper bound a PRM is measured against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ponder.tasks import Task
from ponder.verifier.protocol import Solution


class OutcomeVerifier:
    """Scores a solution by `task.check` on the answer in its last step."""

    def __init__(self, tasks: Iterable[Task]) -> None:
        self._by_question = {task.prompt(): task for task in tasks}

    def score(self, solutions: Sequence[Solution]) -> list[list[float]]:
        return [[self._outcome(s)] * len(s.steps) for s in solutions]

    def _outcome(self, solution: Solution) -> float:
        task = self._by_question.get(solution.question)
        if task is None:
            raise KeyError("the outcome verifier has no task with this question")
        if not solution.steps or not task.has_checker:
            return 0.0
        answer = task.extract(solution.steps[-1])
        return task.check(answer).score if answer is not None else 0.0
