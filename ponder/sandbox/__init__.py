"""Running model-written code safely: bubblewrap, kernel limits, a pids cgroup, a timeout."""

from ponder.sandbox.limits import Limits
from ponder.sandbox.runner import SandboxResult, SandboxUnavailable, run_python

__all__ = ("Limits", "SandboxResult", "SandboxUnavailable", "run_python")
