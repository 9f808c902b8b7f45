"""Exact step labels for numeric tasks: a step is good while every equation so far holds.

Math-Shepherd's hard label asks whether the answer can still be reached from a step. For
arithmetic that stays true until a step writes a false equation (`58 + 98 = 146`) or a wrong
final answer, so the label needs no rollouts: the equations are checked exactly with
Fractions. A step with no checkable equation (restating the question, a plan) keeps the
label of the steps before it; once a step is wrong every later step is wrong too, as in
ProcessBench's "earliest error".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ponder.tasks import Task
from ponder.tasks.expressions import ExpressionError, evaluate
from ponder.tasks.extract import parse_number
from ponder.verifier.data import LabeledSolution
from ponder.verifier.policy import is_final

_EQUATION = re.compile(r"([\d\s.+\-*/×÷x()]*\d[\d\s.+\-*/×÷x()]*?)=\s*(-?\d[\d,]*(?:\.\d+)?)")
_LIST_NUMBER = re.compile(r"^\s*(?:step\s*)?\d+\s*[.):]\s+", re.IGNORECASE)
_LEADING_JUNK = re.compile(r"^[^\d(-]+")


def _false_equation(step: str) -> bool:
    """True when the step states an equation whose two sides differ.

    Sides that are not plain arithmetic (variables, units, words) are not judged.
    """
    text = _LIST_NUMBER.sub("", step).replace("×", "*").replace("÷", "/")
    for found, right in _EQUATION.findall(text):
        left = _LEADING_JUNK.sub("", found).strip()
        if not re.search(r"\d\s*[-+*/x]\s*[\d(]", left):
            continue  # "156 = 156" or a lone number: nothing is computed
        try:
            value, _ = evaluate(left)
        except ExpressionError:
            continue
        stated = parse_number(right)
        if stated is not None and stated != value:
            return True
    return False


def exact_numeric_labels(task: Task, steps: Sequence[str], *, complete: bool = True) -> list[bool]:
    """One label per step of a solution to a task with one numeric answer.

    `complete` says the steps are a whole solution: one that ends without stating an
    answer has failed, so its last step is wrong even when its arithmetic is not.
    """
    labels, broken, answered = [], False, False
    for step in steps:
        if not broken and _false_equation(step):
            broken = True
        if not broken and is_final(step):
            answered = True
            answer = task.extract(step)
            broken = answer is None or not task.check(answer).success
        labels.append(not broken)
    if complete and labels and not answered:
        labels[-1] = False
    return labels


def exact_numeric_solution(task: Task, steps: Sequence[str]) -> LabeledSolution:
    """`exact_numeric_labels` packed as a training example (hard labels equal soft ones)."""
    labels = [float(x) for x in exact_numeric_labels(task, steps)]
    return LabeledSolution(task.prompt(), list(steps), labels, task.id, labels)
