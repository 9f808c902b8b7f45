"""A pids cgroup around one sandboxed process tree: the fork-bomb guard that works for root.

RLIMIT_NPROC does not apply to root (nor to a root-mapped user namespace), so when ponder
runs as root it puts the sandbox in its own cgroup with `pids.max`. Where no writable pids
controller exists, `PidsCgroup.create` returns None and the caller falls back to RLIMIT_NPROC.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from pathlib import Path

_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


class PidsCgroup:
    """One temporary cgroup limiting the number of processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, max_pids: int) -> PidsCgroup | None:
        for root in _ROOTS:
            if not (root / "cgroup.procs").exists() or not os.access(root, os.W_OK):
                continue
            if root.name != "pids" and "pids" not in _read(root / "cgroup.controllers"):
                continue
            path = root / f"ponder-sandbox-{secrets.token_hex(4)}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(max_pids))
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()
                continue
            return cls(path)
        return None

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def kill_all(self) -> None:
        for line in _read(self.path / "cgroup.procs").split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line), signal.SIGKILL)

    def remove(self, wait_s: float = 5.0) -> None:
        """Kill what is left and delete the cgroup; killed processes take a moment to leave it."""
        deadline = time.monotonic() + wait_s
        while True:
            self.kill_all()
            try:
                self.path.rmdir()
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.01)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
