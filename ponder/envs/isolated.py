"""An environment run in a child process, so a step that hangs can be stopped.

In-process simulators (TextWorld's Z-machine interpreter) cannot be interrupted from
Python: one hung step would hang the whole run. Here the environment lives in its own
process and every call waits at most its time limit; past it the child is killed and
`StepTimeout` is raised, so the episode ends as failed. The next `reset` starts a fresh
child, so later episodes and tasks go on. A child that dies on its own (a segfault in the
interpreter) is reported as `EnvironmentCrashed` the same way.

Each reply carries the environment's task, score and won flag, so reading them costs no
round trip. The child exits when its pipe closes, so a killed parent leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

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
            self._receive("starting", self.start_timeout_s)
        except BaseException:
            self._stop()  # the child could not build the environment; it has exited
            raise
        return parent

    def _receive(self, doing: str, timeout_s: float) -> Any:
        connection = self._connection
        assert connection is not None
        if not connection.poll(timeout_s):
            self._stop()
            raise StepTimeout(
                f"{self.name}: {doing} took longer than {timeout_s:g} s; the environment "
                "was stopped and the next episode starts a fresh one"
            )
        try:
            status, value, message, snapshot = connection.recv()
        except (EOFError, OSError):
            self._stop()
            code = None if self._exited is None else self._exited.returncode
            raise EnvironmentCrashed(
                f"{self.name}: the environment process died while {doing} (exit code {code})"
            ) from None
        if snapshot is not None:
            self._task, self._score, self._won = snapshot
        if status == "error":
            raise _ERRORS.get(value, EnvironmentCrashed)(message)
        return value

    def call(self, method: str, *args: Any, timeout_s: float | None = None) -> Any:
        """Call `method` on the environment in the child; `step_timeout_s` unless given."""
        connection = self._start()
        try:
            connection.send((method, args))
        except (BrokenPipeError, OSError):
            self._stop()
            raise EnvironmentCrashed(f"{self.name}: the environment process is gone") from None
        return self._receive(f"'{method}'", timeout_s or self.step_timeout_s)

    def reset(self) -> str:
        """Start an episode; after a timeout or crash this starts a new child first."""
        return str(self.call("reset", timeout_s=self.start_timeout_s))

    def step(self, action: str) -> Step:
        observation, score, done, info = self.call("step", action)
        return Step(observation, score, done, info)

    def valid_actions(self) -> list[str]:
        return list(self.call("valid_actions"))

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
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


def child_main() -> None:
    """Entry point of the child interpreter: serve the pipe whose descriptor is argv[1]."""
    _serve(Connection(int(sys.argv[1])))


_CHILD = "from ponder.envs.isolated import child_main; child_main()"
