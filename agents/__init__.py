"""Agent roles as small classes over the `LLM` interface; prompts are package data."""

from ponder.agents.actor import Actor
from ponder.agents.critic import DONE_MARKER, Critic, Critique
from ponder.agents.embodied import (
    Decision,
    EmbodiedActor,
    Policy,
    ScriptedPolicy,
    View,
    embodied_reflector,
)
from ponder.agents.evaluator import Evaluator
from ponder.agents.reflector import Reflector

__all__ = (
    "DONE_MARKER",
    "Actor",
    "Critic",
    "Critique",
    "Decision",
    "EmbodiedActor",
    "Evaluator",
    "Policy",
    "Reflector",
    "ScriptedPolicy",
    "View",
    "embodied_reflector",
)
