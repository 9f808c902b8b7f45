"""Interactive environments for embodied agents (ScienceWorld, TextWorld) behind one protocol."""

from ponder.envs.base import Environment, EnvTask, Pipelined, Step
from ponder.envs.errors import EnvironmentCrashed, EnvironmentUnavailable, StepTimeout
from ponder.envs.registry import environment_names, make_env, register

__all__ = (
    "EnvTask",
    "Environment",
    "EnvironmentCrashed",
    "EnvironmentUnavailable",
    "Pipelined",
    "Step",
    "StepTimeout",
    "environment_names",
    "make_env",
    "register",
)
