"""An environment run in a child process, so a step that hangs can be stopped.

In-process simulators (TextWorld's Z-machine interpreter) cannot be interrupted from
Python: one hung step would hang the whole run. Here the environment lives in its own
process and every call waits at most its time limit; past it the child is killed and
`StepTimeout` is raised, so the episode ends as failed. The next `reset` starts a fresh
child, so later episodes and tasks go on. A child that dies on its own (a segfault in the
interpreter) is reported as `EnvironmentCrashed` the same way.

Each reply carries the environment's task, score and won flag, so reading them costs no
round trip. The child exits when its pipe closes, so a killed parent leaves nothing behind.
A call can also be sent now and its reply awaited later on the event loop (`Pipelined`):
the embodied graph drives the child that way, with no thread in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

from ponder.envs.base import ClosingContext, Environment, EnvTask, Step
from ponder.envs.errors import EnvironmentCrashed, EnvironmentUnavailable, StepTimeout

_ERRORS: dict[str, type[Exception]] = {
    "EnvironmentUnavailable": EnvironmentUnavailable,
    "EnvironmentCrashed": EnvironmentCrashed,
    "StepTimeout": StepTimeout,
    "RuntimeError": RuntimeError,
}


def _snapshot(env: Environment) -> tuple[EnvTask, float, bool]:
    return env.task, float(env.score), bool(env.won)


def _serve(connection: Connection) -> None:
    """The child's loop: build the environment, then answer `(method, args)` until told to stop."""
    try:
        sys.path[:] = connection.recv()  # before unpickling `make`, which imports its module
        make = connection.recv()
        env = make()
    except Exception as error:  # reported to the parent, which raises it
        connection.send(("error", type(error).__name__, str(error), None))
        return
    connection.send(("ok", None, None, _snapshot(env)))
    try:
        while True:
            try:
                request = connection.recv()
            except EOFError:
                return
            if request is None:
                return
            method, args = request
            try:
                value = getattr(env, method)(*args)
            except Exception as error:
                name = type(error).__name__
                if name not in _ERRORS:
                    name, error = "EnvironmentCrashed", EnvironmentCrashed(f"{name}: {error}")
                connection.send(("error", name, str(error), _snapshot(env)))
            else:
                connection.send(("ok", value, None, _snapshot(env)))
    finally:
        env.close()


class IsolatedEnvironment(ClosingContext):
    """Runs the environment `make()` builds in a child process, with a time limit per call.

    Other methods of the environment (TextWorld's `walkthrough`) are reached with `call`.
    `make` must be picklable (a class, or a `functools.partial` of one with its options):
    the child is a fresh interpreter, never a fork, so no threads or open files leak into it.

    Besides the blocking methods of `Environment`, a call can be split in two (`begin`, then
    `await finish()`), which `Pipelined` describes: the request is written at once and the
    reply is awaited on the event loop, so a graph drives the child with no worker thread and
    no hand-off between threads on either side of a step.
    """

    def __init__(
        self,
        name: str,
        make: Callable[[], Environment],
        *,
        step_timeout_s: float = 10.0,
        start_timeout_s: float = 120.0,
        task: EnvTask | None = None,
        scratch_dir: Path | None = None,
    ) -> None:
        """Set up without starting the child; the first call starts it.

        `task` is what `task` says before the first reset. `scratch_dir` is removed on
        close: a killed child cannot clean up after itself, so the parent owns its files.
        """
        self.name = name
        self._make = make
        self.step_timeout_s = step_timeout_s
        self.start_timeout_s = start_timeout_s
        self._scratch_dir = scratch_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._exited: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._awaiting: deque[_Reply] = deque()  # replies the child owes, oldest first
        self._task = task or EnvTask(name, "")
        self._score = 0.0
        self._won = False

    @property
    def task(self) -> EnvTask:
        return self._task

    @property
    def score(self) -> float:
        return self._score

    @property
    def won(self) -> bool:
        return self._won

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests check it is gone after a timeout)."""
        return None if self._process is None else self._process.pid

    def _start(self) -> Connection:
        """Start the child and send it what it needs; its "started" reply is awaited later."""
        if self._connection is not None:
            return self._connection
        parent, child = multiprocessing.Pipe()
        # A fresh interpreter, not multiprocessing's spawn: spawn re-imports the caller's
        # __main__, which would rerun a user's script without a `__main__` guard.
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(child.fileno())],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
        )
        child.close()
        self._process, self._connection = process, parent
        try:
            parent.send(list(sys.path))
            parent.send(self._make)
        except BaseException:
            self._stop()
            raise
        self._awaiting.append(_Reply("starting", self.start_timeout_s))
        return parent

    def _time_limit(self, method: str) -> float:
        """A reset may start a fresh child and load a game, so it has `start_timeout_s`."""
        return self.start_timeout_s if method == "reset" else self.step_timeout_s

    def begin(self, method: str, *args: Any) -> None:
        """Send a call to the child (starting it first when none runs) without waiting."""
        self._send(method, args, self._time_limit(method))

    def _send(self, method: str, args: tuple[Any, ...], timeout_s: float) -> None:
        connection = self._start()
        try:
            connection.send((method, args))
        except (BrokenPipeError, OSError):
            self._stop()
            raise EnvironmentCrashed(f"{self.name}: the environment process is gone") from None
        self._awaiting.append(_Reply(f"'{method}'", timeout_s))

    async def finish(self) -> Any:
        """Await the reply to the last call begun, on the event loop; no thread waits for it."""
        value = None
        while self._awaiting:
            await self._readable(self._awaiting[0])
            value = self._take()
        return value

    def call(self, method: str, *args: Any, timeout_s: float | None = None) -> Any:
        """Call `method` on the environment in the child, within `timeout_s` when given."""
        self._send(method, args, timeout_s or self._time_limit(method))
        value = None
        while self._awaiting:
            reply, connection = self._awaiting[0], self._connection
            assert connection is not None
            if not connection.poll(reply.timeout_s):
                self._time_out(reply)
            value = self._take()
        return value

    async def _readable(self, reply: _Reply) -> None:
        """Wait until the child's reply can be read, at most the reply's time limit."""
        connection = self._connection
        assert connection is not None
        if connection.poll():
            return
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        descriptor = connection.fileno()
        try:
            loop.add_reader(descriptor, _settle_once, ready)
        except NotImplementedError:  # a loop that cannot watch pipes (Windows' proactor)
            if not await asyncio.to_thread(connection.poll, reply.timeout_s):
                self._time_out(reply)
            return
        try:
            try:
                await asyncio.wait_for(ready, reply.timeout_s)
            finally:  # a cancelled wait too: the pipe may be closed or watched again later
                loop.remove_reader(descriptor)
        except TimeoutError:
            self._time_out(reply)

    def _time_out(self, reply: _Reply) -> NoReturn:
        self._stop()
        raise StepTimeout(
            f"{self.name}: {reply.doing} took longer than {reply.timeout_s:g} s; the environment "
            "was stopped and the next episode starts a fresh one"
        )

    def _take(self) -> Any:
        """Read the oldest reply owed: its value, or the error the child reported.

        The child writes each reply in one piece, so once the pipe is readable this does not
        wait on the child. An error the environment reported for an earlier call that nobody
        awaited (a step left in flight) is dropped; one that stopped the child is not.
        """
        reply, connection = self._awaiting.popleft(), self._connection
        answered_last = not self._awaiting
        assert connection is not None
        try:
            status, value, message, snapshot = connection.recv()
        except (EOFError, OSError):
            self._stop()
            code = None if self._exited is None else self._exited.returncode
            raise EnvironmentCrashed(
                f"{self.name}: the environment process died while {reply.doing} (exit code {code})"
            ) from None
        if snapshot is not None:
            self._task, self._score, self._won = snapshot
        if status == "error":
            if reply.doing == "starting":
                self._stop()  # the child could not build the environment; it has exited
            elif not answered_last:
                return None
            raise _ERRORS.get(value, EnvironmentCrashed)(message)
        return value

    def reset(self) -> str:
        """Start an episode; after a timeout or crash this starts a new child first."""
        return str(self.call("reset"))

    def step(self, action: str) -> Step:
        observation, score, done, info = self.call("step", action)
        return Step(observation, score, done, info)

    def valid_actions(self) -> list[str]:
        return list(self.call("valid_actions"))

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        self._awaiting.clear()
        if connection is not None:
            connection.close()
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            self._exited = process

    def close(self) -> None:
        """Ask the child to close the environment, then make sure it is gone; safe twice."""
        if self._connection is not None and self._process is not None:
            with contextlib.suppress(BrokenPipeError, OSError, subprocess.TimeoutExpired):
                self._connection.send(None)
                self._process.wait(timeout=10)
        self._stop()
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)
            self._scratch_dir = None


@dataclass(frozen=True)
class _Reply:
    """A reply the child owes: what it answers (for messages) and how long it may take."""

    doing: str
    timeout_s: float


def _settle_once(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


def child_main() -> None:
    """Entry point of the child interpreter: serve the pipe whose descriptor is argv[1]."""
    _serve(Connection(int(sys.argv[1])))


_CHILD = "from ponder.envs.isolated import child_main; child_main()"
