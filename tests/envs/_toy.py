"""A toy environment for process isolation tests: some commands hang, one kills the process."""

from __future__ import annotations

import os
import time
from typing import Any

from ponder.envs.base import ClosingContext, EnvTask, Step


class Toy(ClosingContext):
    """A world whose commands misbehave on purpose; anything else scores 50.

    `hang` sleeps far past any limit, `die` exits the process, `wait S` takes S seconds,
    `fail` raises and `win` wins.
    """

    name = "toy"

    def __init__(self, marker: str | None = None) -> None:
        self._marker = marker
        self._score = 0.0

    @property
    def task(self) -> EnvTask:
        return EnvTask("toy/1", "reach 100")

    @property
    def score(self) -> float:
        return self._score

    @property
    def won(self) -> bool:
        return self._score >= 100

    def reset(self) -> str:
        self._score = 0.0
        return f"a toy room (pid {os.getpid()})"

    def step(self, action: str) -> Step:
        if action == "hang":
            time.sleep(3600)
        if action == "die":
            os._exit(9)
        if action == "fail":
            raise ValueError("the toy cannot do that")
        if action.startswith("wait "):
            time.sleep(float(action.split()[1]))
        self._score = 100.0 if action == "win" else 50.0
        return Step(f"you {action}", self._score, self.won, {})

    def valid_actions(self) -> list[str]:
        return ["look", "win"]

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        if self._marker is not None:
            with open(self._marker, "w") as closed:
                closed.write("closed")


def broken(_: Any = None) -> Toy:
    raise RuntimeError("no toy today")
