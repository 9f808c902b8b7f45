"""Tasks whose answer is one number: arithmetic and grade-school word problems."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ponder.tasks.base import Feedback
from ponder.tasks.extract import extract_number, parse_number

ANSWER_FORMAT = "End your reply with a final line of the form 'Answer: <number>'."


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


@dataclass(frozen=True)
class NumericTask:
    """A question with one numeric answer, compared exactly (so `288.0` equals `288`)."""

    id: str
    question: str
    reference: Fraction

    has_checker = True

    def prompt(self) -> str:
        return self.question

    def answer_format(self) -> str:
        return ANSWER_FORMAT

    def extract(self, reply: str) -> str | None:
        value = extract_number(reply)
        return None if value is None else _show(value)

    def check(self, answer: str) -> Feedback:
        value = parse_number(answer)
        if value is None:
            return Feedback(
                False, 0.0, f"Your final answer '{answer}' is not a number. {ANSWER_FORMAT}"
            )
        if value == self.reference:
            return Feedback(True, 1.0, f"Correct: {_show(value)}.")
        return Feedback(
            False,
            0.0,
            f"Your final answer {_show(value)} is incorrect. Recheck each step of the calculation.",
        )
