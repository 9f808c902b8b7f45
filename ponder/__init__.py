"""ponder: agents that improve by trying, hearing feedback in words, reflecting and remembering."""

from ponder import _offline  # noqa: F401  (must run before litellm or HF libraries load)
from ponder.errors import BudgetExceeded, LLMCallError, PonderError, ScenarioError

__version__ = "0.1.0"

__all__ = ("BudgetExceeded", "LLMCallError", "PonderError", "ScenarioError", "__version__")
