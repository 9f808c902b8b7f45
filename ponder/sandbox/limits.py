"""Resource limits for sandboxed code, and how each is enforced."""

from __future__ import annotations

import resource
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on one sandboxed run.

    `wall_s` is enforced by the parent (the whole process tree is killed); the rest are kernel
    limits inherited by every process the code starts. `processes` is the size of the
    process tree, enforced by a pids cgroup when one can be created, else by RLIMIT_NPROC.
    """

    wall_s: float = 10.0
    cpu_s: int = 5
    memory_mb: int = 1024
    file_mb: int = 16
    open_files: int = 64
    processes: int = 32


def apply_rlimits(limits: Limits, nproc: int | None) -> None:
    """Set the limits in the child between fork and exec (runs in `preexec_fn`)."""
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * MB, limits.memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * MB, limits.file_mb * MB))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
