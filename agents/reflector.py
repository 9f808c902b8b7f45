"""The reflector: turns a failed attempt and its feedback into a short lesson (Reflexion)."""

from __future__ import annotations

from ponder.agents import _prompts
from ponder.llm import LLM
from ponder.tasks import Feedback, Task


class Reflector:
    """Writes the verbal lesson that the next trial reads."""

    def __init__(self, llm: LLM, templates: dict[str, str] | None = None) -> None:
        self.llm = llm.bind(role="reflector")
        self.templates = _prompts.load("reflector") | (templates or {})

    async def reflect(self, task: Task, attempt: str, feedback: Feedback) -> str:
        user = _prompts.render(
            self.templates["user"],
            problem=task.prompt(),
            attempt=_prompts.quoted(attempt),
            feedback=_prompts.quoted(feedback.message),
        )
        reply = await self.llm.complete(_prompts.chat(self.templates["system"].strip(), user))
        return reply.text.strip() or f"The attempt failed: {feedback.message}"
