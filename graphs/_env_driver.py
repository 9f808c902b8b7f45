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
that bookkeeping, so `send` waits (GIL released) until the worker has begun the call. A
world that answers over a pipe (`Pipelined`, such as TextWorld in its child process) needs
no thread at all: the request is written from the event loop and the loop wakes when the
reply arrives, which saves the two hand-offs between threads on every step.

The position `(episode, steps taken)` is not graph state: a run resumed in a new process
finds a fresh environment at `(0, 0)` and is brought to the checkpoint's position by
replaying the recorded commands.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ponder.envs import Environment, Pipelined, Step

_START_WAIT_S = 0.5  # how long `send` waits at most for its idle thread to begin the step


@dataclass(frozen=True)
class Position:
    """`(episode, steps taken)`; `(0, 0)` before any reset."""

    episode: int = 0
    step: int = 0


@dataclass
class _InFlight:
    position: Position  # where the environment will be once the step is done
    action: str
    result: asyncio.Future[Any]


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an in-flight step's error as seen when nobody will await it (a cancelled run)."""
    if not future.cancelled():
        future.exception()


class EnvironmentDriver:
    """Runs one environment's calls off the event loop, one at a time, in order."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.position = Position()
        self._in_flight: _InFlight | None = None
        self._pipe = env if isinstance(env, Pipelined) else None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ponder-{env.name}")

    def close(self) -> None:
        """Let the thread go; a step still in flight ends on its own (or when the env closes)."""
        if self._in_flight is not None and self._pipe is not None:
            self._in_flight.result.cancel()  # stop awaiting the reply; the pipe keeps it
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def _call(self, method: str, *args: object) -> Any:
        """`method` of the environment, awaited; its raw reply."""
        if self._pipe is not None:
            self._pipe.begin(method, *args)
            return await self._pipe.finish()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, getattr(self.env, method), *args)

    async def reset(self, episode: int) -> str:
        await self._settle()
        observation = str(await self._call("reset"))
        self.position = Position(episode, 0)
        return observation

    async def catch_up(self, episode: int, commands: Sequence[str]) -> None:
        """Bring the environment to `episode` after `commands`, replaying them if it is not."""
        target = Position(episode, len(commands))
        if self._in_flight is None and self.position == target:
            return
        await self._settle()
        await self._call("reset")
        for command in commands:
            await self._call("step", command)
        self.position = target

    async def valid_actions(self) -> list[str]:
        return list(await self._call("valid_actions"))

    def send(self, action: str) -> None:
        """Start the next step and return once it has begun."""
        assert self._in_flight is None, "collect the step in flight before sending another"
        if self._pipe is not None:
            self._pipe.begin("step", action)
            result: asyncio.Future[Any] = asyncio.ensure_future(self._pipe.finish())
        else:
            result = self._step_in_thread(action)
        result.add_done_callback(_retrieve)
        target = Position(self.position.episode, self.position.step + 1)
        self._in_flight = _InFlight(target, action, result)

    def _step_in_thread(self, action: str) -> asyncio.Future[Step]:
        """Hand the step to the environment's thread and wait until that thread has begun it."""
        started = threading.Event()

        def step() -> Step:
            started.set()
            return self.env.step(action)

        result = asyncio.get_running_loop().run_in_executor(self._thread, step)
        started.wait(_START_WAIT_S)
        return result

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
        result = Step(*await flight.result)
        self.position = target
        return result

    async def _settle(self) -> None:
        """Wait out a step whose result nobody will collect, ignoring how it ended."""
        flight, self._in_flight = self._in_flight, None
        if flight is not None:
            await asyncio.wait([flight.result])
            self.position = Position(-1, -1)  # not where any state says it is
