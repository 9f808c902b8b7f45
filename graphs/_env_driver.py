"""The embodied graph's hold on its environment: where it is, catching up, the step in flight.

Environment calls block, so they run in a worker thread and the event loop stays free for
other episodes. Each environment has a thread of its own: its calls never wait behind other
work for a free thread, and a world that must always be driven from one thread is.

A step is *sent* by the `act` node that chose it and *collected* by the next `act` node.
Between the two, LangGraph applies the node's writes, saves the checkpoint and schedules the
next node; sent early, the simulator computes during that bookkeeping instead of after it.
This pays wherever the world runs outside the interpreter (ScienceWorld's JVM, a TextWorld
child process): the worker thread waits on a socket without holding the GIL. An in-process
world gains nothing and loses nothing.

A worker thread needs the GIL to start, and the loop thread would hold it through all of
that bookkeeping, so `send` waits (GIL released) until the worker has begun the call.

The position `(episode, steps taken)` is not graph state: a run resumed in a new process
finds a fresh environment at `(0, 0)` and is brought to the checkpoint's position by
replaying the recorded commands.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from ponder.envs import Environment, Step

_START_WAIT_S = 0.5  # how long `send` waits at most for its idle thread to begin the step

T = TypeVar("T")


@dataclass(frozen=True)
class Position:
    """`(episode, steps taken)`; `(0, 0)` before any reset."""

    episode: int = 0
    step: int = 0


@dataclass
class _InFlight:
    position: Position  # where the environment will be once the step is done
    action: str
    result: asyncio.Future[Step]


def _retrieve(future: asyncio.Future[Step]) -> None:
    """Mark an in-flight step's error as seen when nobody will await it (a cancelled run)."""
    if not future.cancelled():
        future.exception()


class EnvironmentDriver:
    """Runs one environment's calls off the event loop, one at a time, in order."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.position = Position()
        self._in_flight: _InFlight | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ponder-{env.name}")

    def close(self) -> None:
        """Let the thread go; a step still in flight ends on its own (or when the env closes)."""
        self._thread.shutdown(wait=False, cancel_futures=True)

    def _run(self, call: Callable[..., T], *args: object) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._thread, call, *args)

    async def reset(self, episode: int) -> str:
        await self._settle()
        observation = await self._run(self.env.reset)
        self.position = Position(episode, 0)
        return observation

    async def catch_up(self, episode: int, commands: Sequence[str]) -> None:
        """Bring the environment to `episode` after `commands`, replaying them if it is not."""
        target = Position(episode, len(commands))
        if self._in_flight is None and self.position == target:
            return
        await self._settle()
        await self._run(self.env.reset)
        for command in commands:
            await self._run(self.env.step, command)
        self.position = target

    async def valid_actions(self) -> list[str]:
        return await self._run(self.env.valid_actions)

    def send(self, action: str) -> None:
        """Start the next step in the environment's thread and return once it has begun."""
        assert self._in_flight is None, "collect the step in flight before sending another"
        started = threading.Event()

        def step() -> Step:
            started.set()
            return self.env.step(action)

        result = self._run(step)
        result.add_done_callback(_retrieve)
        target = Position(self.position.episode, self.position.step + 1)
        self._in_flight = _InFlight(target, action, result)
        started.wait(_START_WAIT_S)

    async def collect(self, episode: int, done_commands: Sequence[str], action: str) -> Step:
        """The result of `action`, sent after `done_commands` of `episode`.

        Normally that step is in flight. After a resume in a new process it is not: the
        environment catches up and the step is sent again.
        """
        target = Position(episode, len(done_commands) + 1)
        flight = self._in_flight
        if flight is None or flight.position != target or flight.action != action:
            await self.catch_up(episode, done_commands)
            self.send(action)
            flight = self._in_flight
            assert flight is not None
        self._in_flight = None
        self.position = Position(episode, -1)  # unknown until the step returns
        result = await flight.result
        self.position = target
        return result

    async def _settle(self) -> None:
        """Wait out a step whose result nobody will collect, ignoring how it ended."""
        flight, self._in_flight = self._in_flight, None
        if flight is not None:
            await asyncio.wait([flight.result])
            self.position = Position(-1, -1)  # not where any state says it is
