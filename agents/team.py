"""Role-based collaboration: each member has a name, instructions and its own model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ponder.agents import _prompts
from ponder.llm import LLM
from ponder.tasks import Task

APPROVAL_MARKER = "APPROVED"


@dataclass(frozen=True)
class Contribution:
    """One member's turn as the rest of the team sees it."""

    role: str
    text: str


class TeamMember:
    """A role in a team; a critic's words are the feedback the others act on."""

    def __init__(
        self,
        name: str,
        instructions: str,
        llm: LLM,
        critic: bool = False,
        templates: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.instructions = instructions
        self.critic = critic
        self.llm = llm.bind(role=name)
        self.templates = _prompts.load("team_member") | (templates or {})
        self._approval = re.compile(rf"^\W*{APPROVAL_MARKER}\b", re.IGNORECASE)

    async def contribute(self, task: Task, transcript: Sequence[Contribution]) -> str:
        instructions = self.instructions
        if self.critic:
            instructions += "\n" + _prompts.render(
                self.templates["critic_suffix"], approval=APPROVAL_MARKER
            )
        system = _prompts.render(
            self.templates["system"],
            name=self.name,
            instructions=instructions,
            format="" if self.critic else task.answer_format(),
        )
        shown = "\n\n".join(f"[{turn.role}]\n{_prompts.quoted(turn.text)}" for turn in transcript)
        user = _prompts.render(
            self.templates["user"],
            problem=task.prompt(),
            transcript=shown or "(nothing yet)",
            name=self.name,
        )
        return (await self.llm.complete(_prompts.chat(system, user))).text

    def approves(self, text: str) -> bool:
        """A critic approves when its reply starts with the approval marker."""
        return bool(self._approval.search(text.strip()))
