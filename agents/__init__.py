"""Agent roles as small classes over the `LLM` interface; prompts are package data."""

from ponder.agents.actor import Actor
from ponder.agents.critic import DONE_MARKER, Critic, Critique
from ponder.agents.evaluator import Evaluator
from ponder.agents.reflector import Reflector

__all__ = ("DONE_MARKER", "Actor", "Critic", "Critique", "Evaluator", "Reflector")
