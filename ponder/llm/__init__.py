"""The model boundary: one async `LLM.complete`, over litellm, with budgets and a usage trace."""

from ponder.llm.budget import Budget
from ponder.llm.client import LLM, is_local, remote_calls_blocked
from ponder.llm.ledger import CallRecord, Ledger, Totals
from ponder.llm.local_models import DEFAULT_MODEL, LocalModelEntry, register_local_model
from ponder.llm.retry import RetryPolicy
from ponder.llm.scripted import Script, ScriptedLLM, ScriptExhausted
from ponder.llm.types import Completion, Message, Usage

__all__ = (
    "DEFAULT_MODEL",
    "LLM",
    "Budget",
    "CallRecord",
    "Completion",
    "Ledger",
    "LocalModelEntry",
    "Message",
    "RetryPolicy",
    "Script",
    "ScriptExhausted",
    "ScriptedLLM",
    "Totals",
    "Usage",
    "is_local",
    "register_local_model",
    "remote_calls_blocked",
)
