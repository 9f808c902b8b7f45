"""Run untrusted Python (model-written code) in a sandbox.

Layers, each covering what the others cannot:
- bubblewrap: the whole file system read-only except a fresh temporary directory, a private
  /tmp, no network (own network namespace), own PID namespace, killed with its parent;
- kernel limits inherited by every process: CPU seconds, address space, file size, open files;
- a pids cgroup (or RLIMIT_NPROC when not root) against fork bombs;
- a wall-clock timeout after which the whole process tree is killed;
- an empty environment, so no API key can be read, and Python's isolated mode.
The temporary directory is removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ponder.errors import PonderError
from ponder.sandbox.cgroup import PidsCgroup
from ponder.sandbox.limits import Limits, apply_rlimits

Status = Literal["ok", "error", "timeout", "killed"]
_OUTPUT_LIMIT = 64 * 1024


class SandboxUnavailable(PonderError):
    """No way to isolate code on this machine; model-written code is never run unsandboxed."""


@dataclass(frozen=True)
class SandboxResult:
    """How a sandboxed run ended. `status` is "killed" for a signal (CPU or file-size limit)."""

    status: Status
    returncode: int | None
    stdout: str
    stderr: str
    wall_s: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def bubblewrap() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "running model-written code needs bubblewrap: install it (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    return path


_MASKED = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


def _interpreter_mounts() -> list[str]:
    """Read-only binds for a Python installed under a folder the sandbox hides.

    The sandbox replaces /tmp with an empty tmpfs; a virtual environment or checkout that
    lives there (a CI clone in /tmp) would leave the sandbox without its interpreter.
    """
    places = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    places |= {Path(sys.executable).parent, Path(sys.executable).resolve().parent}
    binds: list[str] = []
    for place in sorted(places):
        real = place.resolve()
        if any(real.is_relative_to(masked) for masked in _MASKED) and real.is_dir():
            binds += ["--ro-bind", str(real), str(real)]
            if place != real:
                binds += ["--ro-bind", str(real), str(place)]
    return binds


def _command(workdir: Path, script: str) -> list[str]:
    return [
        bubblewrap(),
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",
        "--tmpfs", "/var/tmp",
        "--tmpfs", "/dev/shm",
        *_interpreter_mounts(),
        "--bind", str(workdir), str(workdir),
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--clearenv",
        "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
        "--setenv", "HOME", str(workdir),
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--chdir", str(workdir),
        sys.executable, "-I", script,
    ]  # fmt: skip


def _nproc_fallback(limits: Limits) -> int:
    """RLIMIT_NPROC counts every process of the user, so leave room for those already running."""
    mine = sum(
        1
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and entry.stat().st_uid == os.getuid()
    )
    return mine + limits.processes


def _clip(data: bytes) -> str:
    text = data[:_OUTPUT_LIMIT].decode("utf-8", errors="replace")
    return text + ("\n[output truncated]" if len(data) > _OUTPUT_LIMIT else "")


def run_python(
    source: str, limits: Limits | None = None, files: dict[str, str] | None = None
) -> SandboxResult:
    """Run `source` as a script in the sandbox and report how it ended; never raises for its failures."""
    limits = limits or Limits()
    workdir = Path(tempfile.mkdtemp(prefix="ponder-sandbox-"))
    cgroup = PidsCgroup.create(limits.processes) if os.geteuid() == 0 else None
    nproc = None if cgroup is not None or os.geteuid() == 0 else _nproc_fallback(limits)
    try:
        (workdir / "main.py").write_text(source, encoding="utf-8")
        for name, text in (files or {}).items():
            (workdir / name).write_text(text, encoding="utf-8")
        os.chmod(workdir, 0o777)

        def in_child() -> None:
            if cgroup is not None:
                cgroup.add(os.getpid())
            apply_rlimits(limits, nproc)

        started = time.perf_counter()
        process = subprocess.Popen(
            _command(workdir, "main.py"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=in_child,
            env={},
        )
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            if cgroup is not None:
                cgroup.kill_all()
            stdout, stderr = process.communicate()
        wall = time.perf_counter() - started
        code = process.returncode
        # bwrap reports a signal that ended the code as 128 + signal number
        killed = code < 0 or code > 128
        status: Status = (
            "timeout" if timed_out else "ok" if code == 0 else "killed" if killed else "error"
        )
        return SandboxResult(status, code, _clip(stdout), _clip(stderr), wall)
    finally:
        if cgroup is not None:
            cgroup.remove()
        shutil.rmtree(workdir, ignore_errors=True)
