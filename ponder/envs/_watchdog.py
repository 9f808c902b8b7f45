"""A deadline for blocking calls into another process.

A call into a simulator over a socket cannot be interrupted from the calling thread, but it
returns (with an error) as soon as the process on the other end dies. So the watchdog does
not abandon the call: when the deadline passes it runs `on_expire`, which kills that
process, and the blocked call fails promptly in its own thread.

One sleeping thread serves every call, and arming a guard wakes it only when it would
otherwise sleep past the new deadline. A simulator step makes several calls of a few
milliseconds under the same timeout, so in the steady state the watcher sleeps until the
oldest deadline, finds a later one armed, and sleeps again: no thread wake-up per call
competing for the interpreter while the episode runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Watchdog:
    """Runs `on_expire` once if a guarded block outlives its deadline."""

    def __init__(self, on_expire: Callable[[], None], name: str = "ponder-watchdog") -> None:
        self._on_expire = on_expire
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._wake_at: float | None = None  # when the watcher wakes by itself; None: never
        self._closed = False
        self.expired = False
        self._thread = threading.Thread(target=self._watch, name=name, daemon=True)
        self._thread.start()

    @contextmanager
    def guard(self, seconds: float) -> Iterator[None]:
        """Arm the deadline for the duration of the block; `expired` tells whether it fired."""
        with self._cond:
            self.expired = False
            self._deadline = time.monotonic() + seconds
            if self._wake_at is None or self._deadline < self._wake_at:
                self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._deadline = None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        with self._cond:
            while not self._closed:
                if self._deadline is None:
                    self._wake_at = None
                    self._cond.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._wake_at = self._deadline
                    self._cond.wait(remaining)
                    continue
                self._deadline = None
                self.expired = True
                self._on_expire()
