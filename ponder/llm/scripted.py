"""A scripted model for tests — ponder's own and its users'.

Replies come from a list (in order) or from a function of the messages. They are injected
through litellm's `mock_response`, so a scripted call takes the same path as a real one:
litellm builds the response, and the ledger, budget and retries all apply. A script entry
that is an exception is raised by litellm as that provider error, which is how tests inject
rate limits or authentication failures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ponder.llm.client import LLM
from ponder.llm.types import Message

Reply = str | BaseException
Responder = Callable[[Sequence[Message]], Reply]


class ScriptExhausted(AssertionError):
    """The scripted model was called more times than it has replies."""


class Script:
    """The replies and the log of prompts, shared by every `bind` of one `ScriptedLLM`."""

    def __init__(self, replies: Iterable[Reply] | Responder) -> None:
        self._responder: Responder | None = replies if callable(replies) else None
        self._queue: list[Reply] = [] if callable(replies) else list(replies)
        self.prompts: list[list[Message]] = []
        self._lock = threading.Lock()

    def next_reply(self, messages: Sequence[Message]) -> Reply:
        with self._lock:
            self.prompts.append(list(messages))
            if self._responder is not None:
                return self._responder(messages)
            if not self._queue:
                raise ScriptExhausted(
                    f"scripted model has no reply left for call {len(self.prompts)}"
                )
            return self._queue.pop(0)


@dataclasses.dataclass
class ScriptedLLM(LLM):
    """An `LLM` whose replies are scripted. `prompts` shows every prompt it received."""

    model: str = "openai/scripted"
    script: Script = dataclasses.field(default_factory=lambda: Script([]))
    delay_s: float = 0.0

    @classmethod
    def from_replies(cls, replies: Iterable[Reply] | Responder, **settings: Any) -> ScriptedLLM:
        return cls(script=Script(replies), **settings)

    @property
    def prompts(self) -> list[list[Message]]:
        return self.script.prompts

    async def _call(self, request: dict[str, Any]) -> Any:
        reply = self.script.next_reply(request["messages"])
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return await super()._call(request | {"mock_response": reply, "n": 1})
