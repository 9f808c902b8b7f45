"""A lock that holds across threads and processes, for read-then-write steps.

Merging near-duplicates reads the nearest record and then writes; two writers doing that at
once could both miss each other and store the same thing twice. A thread lock orders writers
inside one process and `flock` orders processes sharing one embedded store.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteLock:
    """Reentrant within a thread; exclusive across threads and, with a path, processes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            if self.path is None or self._depth > 0:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                    fcntl.flock(handle, fcntl.LOCK_UN)
