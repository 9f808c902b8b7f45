"""What a task is: a prompt, a way to read the answer out of a reply, and a checker that talks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Feedback:
    """A verdict in words and a number, from a checker, an environment, a judge or a PRM.

    `message` is written for the model: it says what was wrong in a way the next attempt
    can act on, without giving away the reference answer.
    """

    success: bool
    score: float
    message: str


@runtime_checkable
class Task(Protocol):
    """One problem. `check` is `None` for tasks that have no programmatic checker."""

    @property
    def id(self) -> str: ...

    def prompt(self) -> str:
        """The problem statement shown to the actor."""
        ...

    def answer_format(self) -> str:
        """How the final answer must be written, appended to the actor's instructions."""
        ...

    def extract(self, reply: str) -> str | None:
        """The final answer inside a model reply, or `None` when there is none."""
        ...

    def check(self, answer: str) -> Feedback:
        """Judge an extracted answer."""
        ...

    @property
    def has_checker(self) -> bool: ...
