"""What every verifier answers: one score in [0, 1] per step, for many solutions at once.

A process reward model, a task's outcome checker and a scripted test double all sit behind
`Verifier`, so search code ranks candidates without knowing which one it holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Aggregate = Literal["min", "last", "product", "mean"]
AGGREGATES: tuple[Aggregate, ...] = ("min", "last", "product", "mean")


@dataclass(frozen=True)
class Solution:
    """A question and the steps written so far (the last may be the final answer)."""

    question: str
    steps: tuple[str, ...]

    @classmethod
    def of(cls, question: str, steps: Sequence[str]) -> Solution:
        return cls(question, tuple(steps))


@runtime_checkable
class Verifier(Protocol):
    """Scores every step of every solution; `result[i][j]` is step `j` of solution `i`."""

    def score(self, solutions: Sequence[Solution]) -> list[list[float]]: ...


def score_steps(verifier: Verifier, question: str, steps: Sequence[str]) -> list[float]:
    """One solution's step scores, for callers that have just one."""
    return verifier.score([Solution.of(question, steps)])[0]


def aggregate(scores: Sequence[float], how: Aggregate = "min") -> float:
    """One number for a whole solution.

    `min` trusts a chain no more than its weakest step (the usual choice for PRMs), `last`
    trusts the final step's view of the whole, `product` treats steps as independent
    chances of going wrong.
    """
    if not scores:
        return 0.0
    if how == "min":
        return min(scores)
    if how == "last":
        return scores[-1]
    if how == "product":
        return math.prod(scores)
    if how == "mean":
        return sum(scores) / len(scores)
    raise ValueError(f"unknown aggregate '{how}' (choose from {', '.join(AGGREGATES)})")


StepScore = Callable[[str, Sequence[str]], float]


class ScriptedVerifier:
    """A verifier whose step scores come from a function, for tests of search code.

    `score_step(question, steps_so_far)` returns the score of the last step given the ones
    before it, exactly as a PRM would see the prefix. `calls` counts solutions scored.
    """

    def __init__(self, score_step: StepScore) -> None:
        self._score_step = score_step
        self.calls = 0

    def score(self, solutions: Sequence[Solution]) -> list[list[float]]:
        self.calls += len(solutions)
        return [
            [self._score_step(s.question, s.steps[: j + 1]) for j in range(len(s.steps))]
            for s in solutions
        ]
