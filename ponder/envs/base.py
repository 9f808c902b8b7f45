"""What every environment offers an embodied agent, and the task it poses as a `Task`.

The protocol is deliberately small: an agent sees observations in words, may ask for the
actions that are valid now (some simulators compute them at a cost, so nothing fetches them
unless asked), and acts with one command at a time. Scores are on 0-100 for every
environment, so scenarios, displays and memory compare them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self, runtime_checkable

from ponder.tasks import Feedback


class Step(NamedTuple):
    """The result of one action; unpacks as `observation, score, done, info`."""

    observation: str
    score: float
    done: bool
    info: dict[str, Any]


@runtime_checkable
class Environment(Protocol):
    """An interactive world an agent acts in, one text command at a time."""

    name: str

    @property
    def task(self) -> EnvTask:
        """The goal of the current game or task variation (known after `reset`)."""
        ...

    @property
    def score(self) -> float:
        """Progress so far on 0-100."""
        ...

    @property
    def won(self) -> bool:
        """Whether the goal has been reached."""
        ...

    def reset(self) -> str:
        """Start a fresh episode and return the first observation."""
        ...

    def step(self, action: str) -> Step:
        """Carry out one command; raises `EnvironmentCrashed` when the world died."""
        ...

    def valid_actions(self) -> list[str]:
        """Commands the environment accepts in the current state."""
        ...

    def close(self) -> None:
        """Release every process and file; safe to call twice."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class Pipelined(Protocol):
    """An environment whose calls can be sent now and their replies awaited later.

    Offered by worlds that run outside the interpreter and answer over a pipe or socket. A
    driver on an event loop then needs no worker thread: `begin` writes the request and
    returns, and the loop wakes when the reply arrives. `method` names one of the
    `Environment` methods, and `finish` returns what that method returns, before conversion
    (a step's reply is the tuple `Step` is built from).
    """

    def begin(self, method: str, *args: Any) -> None:
        """Send the call; raises `EnvironmentCrashed` when the world is gone."""
        ...

    async def finish(self) -> Any:
        """The reply to the call begun last; raises what that call raised."""
        ...


class ClosingContext:
    """`with env:` closes the environment whatever happens inside the block."""

    def close(self) -> None:  # pragma: no cover - every environment overrides it
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class EnvTask:
    """An environment's goal seen as a ponder `Task`, so memory and the reflector can use it.

    The `prompt` is the goal in the environment's words; memory keys lessons on it, so a
    lesson learnt on one variation of a task is found again on the others. There is no
    answer to check: the environment's score is the verdict.
    """

    id: str
    description: str

    def prompt(self) -> str:
        return self.description

    def answer_format(self) -> str:
        return "Reply with your reasoning, then one line 'Action: <command>'."

    def extract(self, reply: str) -> str | None:
        """The last command of a rendered trajectory (lines written as `> command`)."""
        actions = [line[2:].strip() for line in reply.splitlines() if line.startswith("> ")]
        return actions[-1] if actions else None

    def check(self, answer: str) -> Feedback:
        raise NotImplementedError("an environment task is judged by the environment's score")

    @property
    def has_checker(self) -> bool:
        return False
