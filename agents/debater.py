"""Debaters answer in parallel, then revise after reading their peers' arguments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ponder.agents import _prompts
from ponder.llm import LLM
from ponder.tasks import Task


@dataclass(frozen=True)
class PeerView:
    """What one debater saw of another in the previous round."""

    name: str
    text: str


class Debater:
    """One debate participant, with its own model, temperature and persona."""

    def __init__(
        self, name: str, llm: LLM, persona: str = "", templates: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.persona = persona
        self.llm = llm.bind(role=f"debater:{name}")
        self.templates = _prompts.load("debater") | (templates or {})

    def _system(self, task: Task) -> str:
        return _prompts.render(
            self.templates["system"],
            name=self.name,
            persona=self.persona,
            format=task.answer_format(),
        )

    async def open(self, task: Task) -> str:
        user = _prompts.render(self.templates["opening"], problem=task.prompt())
        return (await self.llm.complete(_prompts.chat(self._system(task), user))).text

    async def update(self, task: Task, own: str, peers: Sequence[PeerView]) -> str:
        listed = "\n\n".join(f"[{peer.name}]\n{_prompts.quoted(peer.text)}" for peer in peers)
        user = _prompts.render(
            self.templates["update"], problem=task.prompt(), own=_prompts.quoted(own), peers=listed
        )
        return (await self.llm.complete(_prompts.chat(self._system(task), user))).text


_CHOICE = re.compile(r"CHOICE:\s*(\d+)", re.IGNORECASE)


class DebateJudge:
    """Picks one of the final candidate solutions; used by the `judge` aggregation."""

    def __init__(self, llm: LLM, templates: dict[str, str] | None = None) -> None:
        self.llm = llm.bind(role="judge")
        self.templates = _prompts.load("debate_judge") | (templates or {})

    async def choose(self, task: Task, candidates: Sequence[str]) -> int | None:
        """Index of the chosen candidate, or `None` when the judge names none that exists."""
        listed = "\n\n".join(
            f"Candidate {number}:\n<<<CANDIDATE\n{_prompts.quoted(text)}\nCANDIDATE>>>"
            for number, text in enumerate(candidates, start=1)
        )
        user = _prompts.render(self.templates["user"], problem=task.prompt(), candidates=listed)
        reply = (
            await self.llm.complete(_prompts.chat(self.templates["system"].strip(), user))
        ).text
        match = _CHOICE.search(reply)
        if match is None:
            return None
        index = int(match.group(1)) - 1
        return index if 0 <= index < len(candidates) else None
