"""The actor: answers a task, or rewrites its previous answer after a critique."""

from __future__ import annotations

from collections.abc import Sequence

from ponder.agents import _prompts
from ponder.llm import LLM, Message
from ponder.tasks import Task


class Actor:
    """Writes attempts. Reflections and memory notes reach it as quoted data."""

    def __init__(self, llm: LLM, templates: dict[str, str] | None = None) -> None:
        self.llm = llm.bind(role=llm.role or "actor")
        self.templates = _prompts.load("actor") | (templates or {})

    def messages(self, task: Task, notes: Sequence[str] = ()) -> list[Message]:
        system = _prompts.render(self.templates["system"], format=task.answer_format())
        user = _prompts.render(self.templates["task"], problem=task.prompt())
        if notes:
            listed = "\n".join(f"- {_prompts.quoted(note)}" for note in notes)
            user = _prompts.render(self.templates["reflections"], notes=listed) + "\n\n" + user
        return _prompts.chat(system, user)

    async def act(self, task: Task, notes: Sequence[str] = ()) -> str:
        """One attempt; `notes` are reflections from earlier trials or lessons from memory."""
        return (await self.llm.complete(self.messages(task, notes))).text

    async def revise(self, task: Task, previous: str, critique: str) -> str:
        system = _prompts.render(self.templates["system"], format=task.answer_format())
        user = _prompts.render(
            self.templates["revise"],
            problem=task.prompt(),
            previous=_prompts.quoted(previous),
            critique=_prompts.quoted(critique),
        )
        return (await self.llm.complete(_prompts.chat(system, user))).text
