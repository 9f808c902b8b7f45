"""The critic: reviews the actor's own answer for Self-Refine, with no external checker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ponder.agents import _prompts
from ponder.llm import LLM

DONE_MARKER = "NO ISSUES"


@dataclass(frozen=True)
class Critique:
    """The critic's words, and whether it found nothing left to fix."""

    text: str
    done: bool


class Critic:
    """Self-Refine's feedback step: the same (or another) model criticises a solution."""

    def __init__(self, llm: LLM, templates: dict[str, str] | None = None) -> None:
        self.llm = llm.bind(role="critic")
        self.templates = _prompts.load("critic") | (templates or {})
        self._done = re.compile(re.escape(DONE_MARKER), re.IGNORECASE)

    async def critique(self, problem: str, solution: str) -> Critique:
        system = _prompts.render(self.templates["system"], done_marker=DONE_MARKER)
        user = _prompts.render(
            self.templates["user"], problem=problem, solution=_prompts.quoted(solution)
        )
        text = (await self.llm.complete(_prompts.chat(system, user))).text.strip()
        return Critique(text=text, done=bool(self._done.search(text)))
