"""Tasks answered by an arithmetic expression: Game of 24 and Countdown."""

from __future__ import annotations

from dataclasses import dataclass

from ponder.tasks.base import Feedback
from ponder.tasks.expressions import check_expression
from ponder.tasks.extract import extract_expression

ANSWER_FORMAT = (
    "End your reply with a final line of the form 'Answer: <expression>' using only the given "
    "numbers, + - * / and parentheses."
)


@dataclass(frozen=True)
class ExpressionTask:
    """Reach `target` from `numbers`; the checker explains exactly what an expression got wrong."""

    id: str
    question: str
    numbers: tuple[int, ...]
    target: int
    must_use_all: bool = True

    has_checker = True

    def prompt(self) -> str:
        return self.question

    def answer_format(self) -> str:
        return ANSWER_FORMAT

    def extract(self, reply: str) -> str | None:
        return extract_expression(reply)

    def check(self, answer: str) -> Feedback:
        return check_expression(answer, list(self.numbers), self.target, self.must_use_all)
