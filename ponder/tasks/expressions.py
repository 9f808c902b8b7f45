"""Checking arithmetic expressions exactly and saying in words what is wrong with them.

Used by Game of 24 and Countdown. Evaluation walks the AST with `Fraction`s: exact, and it
never calls `eval` on model-written text.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable
from fractions import Fraction

from ponder.tasks.base import Feedback

_BINARY: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class ExpressionError(ValueError):
    """The text is not a plain arithmetic expression over numbers."""


def _evaluate(node: ast.AST, used: list[int]) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, used)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, float) and not node.value.is_integer():
            raise ExpressionError(f"it uses the non-integer number {node.value}")
        used.append(int(node.value))
        return Fraction(int(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, used), _evaluate(node.right, used)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ExpressionError("it divides by zero")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        raise ExpressionError("it negates a number, which is not allowed")
    raise ExpressionError("it contains something other than numbers, + - * / and parentheses")


def evaluate(expression: str) -> tuple[Fraction, list[int]]:
    """Value of `expression` and the numbers it uses, in order."""
    normalised = re.sub(r"(?<=[\d)])\s*[xX]\s*(?=[\d(])", "*", expression)
    try:
        tree = ast.parse(normalised, mode="eval")
    except SyntaxError:
        raise ExpressionError("it is not a well-formed arithmetic expression") from None
    used: list[int] = []
    return _evaluate(tree, used), used


def _format(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.4g}"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _usage_problems(used: list[int], allowed: list[int], must_use_all: bool) -> list[str]:
    problems = []
    have, can = Counter(used), Counter(allowed)
    for number, count in sorted(have.items()):
        if number not in can:
            problems.append(f"uses {number}, which is not one of the given numbers")
        elif count > can[number]:
            problems.append(f"uses {number} {_times(count)} but it is given {_times(can[number])}")
    if must_use_all:
        missing = sorted((can - have).elements())
        if missing:
            problems.append(f"does not use {' or '.join(map(str, missing))}")
    return problems


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def check_expression(
    expression: str | None, numbers: list[int], target: int, must_use_all: bool = True
) -> Feedback:
    """Verbal feedback on an expression meant to reach `target` from `numbers`."""
    if not expression:
        return Feedback(
            False,
            0.0,
            "No arithmetic expression was found. Write one expression using the given numbers, "
            "then end with a line 'Answer: <expression>'.",
        )
    try:
        value, used = evaluate(expression)
    except ExpressionError as error:
        return Feedback(False, 0.0, f"The expression '{expression}' is invalid: {error}.")
    problems = _usage_problems(used, numbers, must_use_all)
    reached = value == target
    if reached and not problems:
        return Feedback(True, 1.0, f"Correct: {expression} = {target}.")
    value_text = f"evaluates to {_format(value)}" + ("" if reached else f", not {target}")
    return Feedback(
        False, 0.0, f"Wrong: your expression {expression} {_join([*problems, value_text])}."
    )
