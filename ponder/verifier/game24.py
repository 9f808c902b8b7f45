"""Game of 24 as steps with exact labels, and a generated process benchmark.

A step combines two of the numbers left: `4 * 6 = 24 (left: 1 8 24)`. It is good iff its
arithmetic is right, it uses numbers that are there, its `left` list is right, and the
numbers left can still make 24 — so a label needs no model and no rollouts. The last step
is `Answer: <expression>`, judged by the task checker.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from fractions import Fraction
from functools import cache

from ponder.tasks.expressions import check_expression
from ponder.verifier.data import LabeledSolution

TARGET = 24
OPS = ("+", "-", "*", "/")
_STEP = re.compile(
    r"^\s*(\d+(?:/\d+)?)\s*([-+*/x×])\s*(\d+(?:/\d+)?)\s*=\s*(-?\d+(?:/\d+)?)"
    r"\s*(?:\(left:\s*([-\d/ ]*)\))?\s*$"
)
Numbers = tuple[Fraction, ...]


def question(numbers: Sequence[int]) -> str:
    joined = " ".join(str(n) for n in numbers)
    return f"Use the numbers {joined} and + - * / to make {TARGET}, one operation per step."


def _text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _combine(a: Fraction, op: str, b: Fraction) -> Fraction | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


@cache
def _solvable(key: tuple[Fraction, ...]) -> bool:
    if len(key) == 1:
        return key[0] == TARGET
    for i, j in itertools.permutations(range(len(key)), 2):
        rest = [key[k] for k in range(len(key)) if k not in (i, j)]
        for op in OPS:
            value = _combine(key[i], op, key[j])
            if value is not None and _solvable(tuple(sorted([*rest, value]))):
                return True
    return False


def solvable(numbers: Sequence[Fraction | int]) -> bool:
    """Whether the numbers left can still make 24 (exact, memoised)."""
    return _solvable(tuple(sorted(Fraction(n) for n in numbers)))


def apply_step(numbers: Sequence[Fraction], step: str) -> list[Fraction] | None:
    """The numbers left after `step`, or None if the step is malformed or wrong."""
    match = _STEP.match(step)
    if match is None:
        return None
    a, op, b, result, left = match.groups()
    x, y, claimed = Fraction(a), Fraction(b), Fraction(result)
    have = Counter(numbers)
    if have[x] < 1 or have[y] < (2 if x == y else 1):
        return None
    value = _combine(x, {"x": "*", "×": "*"}.get(op, op), y)
    if value is None or value != claimed:
        return None
    remaining = [*(have - Counter([x, y])).elements(), value]
    if left is not None and Counter(Fraction(t) for t in left.split()) != Counter(remaining):
        return None
    return remaining


def exact_labels(numbers: Sequence[int], steps: Sequence[str]) -> list[bool]:
    """One label per step; once a step is wrong, every later step is wrong too."""
    state: list[Fraction] | None = [Fraction(n) for n in numbers]
    labels = []
    for step in steps:
        if state is None:
            labels.append(False)
            continue
        if step.strip().lower().startswith("answer:"):
            expression = step.split(":", 1)[1].strip()
            labels.append(check_expression(expression, list(numbers), TARGET).success)
            state = None
            continue
        state = apply_step(state, step)
        if state is not None and not solvable(state):
            state = None
        labels.append(state is not None)
    return labels


def _moves(state: list[tuple[Fraction, str]]) -> Iterator[tuple[int, int, str, Fraction]]:
    for i, j in itertools.permutations(range(len(state)), 2):
        for op in OPS:
            value = _combine(state[i][0], op, state[j][0])
            if value is not None and value >= 0:
                yield i, j, op, value


def sample_solution(
    numbers: Sequence[int], rng: random.Random, mistake_at: int | None = None
) -> list[str]:
    """A solution path: good moves throughout, or a wrong move at step `mistake_at`.

    A wrong move is, at random, a legal operation that leaves an unsolvable state or an
    arithmetic slip (the result off by a small amount). After a mistake the path goes on
    with legal moves, as a model that does not notice its error would.
    """
    state = [(Fraction(n), str(n)) for n in numbers]
    steps = []
    for index in range(len(numbers) - 1):
        moves = list(_moves(state))
        rng.shuffle(moves)
        values = [v for v, _ in state]

        def after(i: int, j: int, value: Fraction) -> list[Fraction]:
            return [values[k] for k in range(len(values)) if k not in (i, j)] + [value]  # noqa: B023

        good = [m for m in moves if solvable(after(m[0], m[1], m[3]))]
        bad = [m for m in moves if not solvable(after(m[0], m[1], m[3]))]
        slip = False
        if mistake_at == index and bad and rng.random() < 0.6:
            i, j, op, value = bad[0]
        elif mistake_at == index:
            i, j, op, value = (good or moves)[0]
            slip = True
        else:
            i, j, op, value = (good or moves)[0]
        shown = value + rng.choice([-2, -1, 1, 2]) if slip else value
        expression = f"({state[i][1]} {op} {state[j][1]})"
        rest = [state[k] for k in range(len(state)) if k not in (i, j)]
        state = [*rest, (shown, expression)]
        left = " ".join(_text(v) for v, _ in state)
        steps.append(f"{_text(values[i])} {op} {_text(values[j])} = {_text(shown)} (left: {left})")
    expression = state[0][1]
    steps.append(f"Answer: {expression[1:-1] if expression.startswith('(') else expression}")
    return steps


def puzzles(count: int, rng: random.Random) -> list[tuple[int, ...]]:
    """Solvable four-number puzzles with numbers 1..13, distinct."""
    seen: set[tuple[int, ...]] = set()
    found: list[tuple[int, ...]] = []
    while len(found) < count:
        numbers = tuple(sorted(rng.randint(1, 13) for _ in range(4)))
        if numbers not in seen and solvable(numbers):
            seen.add(numbers)
            found.append(numbers)
    return found


def benchmark(count: int, seed: int = 0, wrong_fraction: float = 0.5) -> list[LabeledSolution]:
    """`count` solutions with exact step labels; about `wrong_fraction` contain a mistake."""
    rng = random.Random(seed)
    solutions = []
    for numbers in puzzles(count, rng):
        mistake = rng.randrange(3) if rng.random() < wrong_fraction else None
        steps = sample_solution(numbers, rng, mistake)
        labels = exact_labels(numbers, steps)
        solutions.append(
            LabeledSolution(
                question(numbers), steps, [float(x) for x in labels], str(list(numbers))
            )
        )
    return solutions
