"""Automatic step labels: Math-Shepherd's Monte Carlo estimate, and exact Game-of-24 labels.

Math-Shepherd labels step i by completing the solution N times from steps[:i+1] with the
policy and checking the answers: the soft label is the fraction that reach a correct answer,
the hard label is 1 if any does (a step from which the task can still be solved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ponder.tasks import Task
from ponder.tasks.expression_task import ExpressionTask
from ponder.verifier import game24
from ponder.verifier.data import LabeledSolution
from ponder.verifier.policy import StepPolicy, is_final, split_steps


@dataclass(frozen=True)
class MonteCarloLabels:
    soft: list[float]
    hard: list[float]
    tokens: int


def _reaches(task: Task, steps: Sequence[str]) -> bool:
    final = next((step for step in reversed(steps) if is_final(step)), None)
    if final is None:
        return False
    answer = task.extract(final)
    return answer is not None and task.check(answer).success


async def monte_carlo_labels(
    policy: StepPolicy, task: Task, steps: Sequence[str], rollouts: int = 8
) -> MonteCarloLabels:
    """Label every step of one solution with `rollouts` completions from each prefix.

    A final-answer step is labelled by the checker directly: there is nothing to roll out.
    """
    soft, tokens = [], 0
    for index in range(len(steps)):
        prefix = list(steps[: index + 1])
        if is_final(prefix[-1]):
            soft.append(1.0 if _reaches(task, prefix) else 0.0)
            continue
        sampled = await policy.rollout(task, prefix, rollouts)
        tokens += sampled.tokens
        hits = sum(_reaches(task, [*prefix, *split_steps(text)]) for text in sampled.texts)
        soft.append(hits / max(len(sampled.texts), 1))
    return MonteCarloLabels(soft, [1.0 if s > 0 else 0.0 for s in soft], tokens)


async def label_with_rollouts(
    policy: StepPolicy, task: Task, samples: int = 4, rollouts: int = 8
) -> tuple[list[LabeledSolution], int]:
    """Sample `samples` solutions from the policy and label them; returns them and tokens."""
    drafted = await policy.solve(task, samples)
    tokens = drafted.tokens
    labelled = []
    for text in drafted.texts:
        steps = split_steps(text)
        if not steps:
            continue
        mc = await monte_carlo_labels(policy, task, steps, rollouts)
        tokens += mc.tokens
        labelled.append(LabeledSolution(task.prompt(), steps, mc.soft, task.id, mc.hard))
    return labelled, tokens


def exact_game24_labels(task: ExpressionTask, steps: Sequence[str]) -> LabeledSolution:
    """Exact labels for a Game-of-24 solution written in `a op b = c (left: ...)` steps."""
    labels = [float(x) for x in game24.exact_labels(task.numbers, steps)]
    return LabeledSolution(task.prompt(), list(steps), labels, task.id, labels)
