"""Why an environment could not go on, in one line a user can act on."""

from __future__ import annotations

from ponder.errors import PonderError


class EnvironmentUnavailable(PonderError):
    """The environment cannot start here: a missing package, Java, or a bad option."""

    exit_code = 2


class EnvironmentCrashed(PonderError):
    """The environment died mid-episode; the episode ends as failed and the run goes on."""


class StepTimeout(EnvironmentCrashed):
    """A call into the environment took too long; the environment was stopped to free it."""
