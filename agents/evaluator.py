"""The evaluator: the task's own checker, or an LLM judge for tasks that have none."""

from __future__ import annotations

import asyncio
import re

from ponder.agents import _prompts
from ponder.llm import LLM
from ponder.tasks import Feedback, Task

_VERDICT = re.compile(r"VERDICT:\s*(correct|incorrect)", re.IGNORECASE)


class Evaluator:
    """Turns a reply into `Feedback`. A judge model is used only when the task has no checker."""

    def __init__(self, judge: LLM | None = None, templates: dict[str, str] | None = None) -> None:
        self.judge = judge.bind(role="judge") if judge is not None else None
        self.templates = _prompts.load("judge") | (templates or {})

    async def evaluate(self, task: Task, reply: str) -> Feedback:
        if task.has_checker:
            answer = task.extract(reply)
            if answer is None:
                return Feedback(False, 0.0, f"No final answer was found. {task.answer_format()}")
            # checkers may run code in a sandbox for seconds: keep the event loop free
            return await asyncio.to_thread(task.check, answer)
        if self.judge is None:
            raise ValueError(f"task {task.id} has no checker and no judge model was given")
        return await self._judge(task, reply)

    async def _judge(self, task: Task, reply: str) -> Feedback:
        assert self.judge is not None
        user = _prompts.render(
            self.templates["user"], problem=task.prompt(), answer=_prompts.quoted(reply)
        )
        verdict = (
            await self.judge.complete(_prompts.chat(self.templates["system"].strip(), user))
        ).text
        match = _VERDICT.search(verdict)
        if match is None:
            return Feedback(False, 0.0, f"The judge gave no clear verdict: {verdict.strip()[:300]}")
        correct = match.group(1).lower() == "correct"
        reasons = verdict[match.end() :].strip() or verdict.strip()
        return Feedback(correct, 1.0 if correct else 0.0, reasons)
