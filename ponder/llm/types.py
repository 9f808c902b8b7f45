"""Plain data passed across the LLM boundary; dataclasses because they never leave the process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypedDict


class Message(TypedDict):
    """One chat message in the OpenAI shape that litellm accepts for every provider."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Usage:
    """Token counts of one call (all samples together)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """What a model call returns: one text per sample plus what it cost."""

    model: str
    texts: list[str]
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_s: float = 0.0

    @property
    def text(self) -> str:
        """The first sample, which is the only one when `n == 1`."""
        return self.texts[0] if self.texts else ""
