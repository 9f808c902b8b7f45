"""A policy model asked for one step at a time, or for the rest of a solution.

Step-level search and Monte Carlo labelling both need the same two calls: "given these
steps, propose the next one" (k samples) and "given these steps, finish" (n rollouts).
Every call returns the tokens it spent, so callers can account for them exactly even when
many searches share one ledger concurrently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ponder.llm import LLM, Message
from ponder.tasks import Task
from ponder.tasks.extract import extract_boxed, extract_marked

SYSTEM = (
    "You solve problems one step per line. A step is one short line of reasoning or "
    "calculation. The last line gives the final answer in the requested format."
)


def is_final(step: str) -> bool:
    """A step that states the final answer ('Answer: ...' or a boxed answer)."""
    return extract_boxed(step) is not None or (
        extract_marked(step) is not None and "answer" in step.lower()
    )


def split_steps(text: str) -> list[str]:
    """A reply cut into steps: its non-empty lines, stopping after the first final answer."""
    steps = []
    for line in text.splitlines():
        if line.strip():
            steps.append(line.strip())
            if is_final(line):
                break
    return steps


@dataclass(frozen=True)
class Sampled:
    """Texts from one call and the prompt+completion tokens it cost."""

    texts: list[str]
    tokens: int


@dataclass
class StepPolicy:
    """Wraps an `LLM`; `max_step_tokens` bounds one proposed step."""

    llm: LLM
    max_step_tokens: int = 96
    max_solution_tokens: int = 384

    def _messages(self, task: Task, steps: Sequence[str], instruction: str) -> list[Message]:
        done = "\n".join(steps) if steps else "(none yet)"
        user = f"{task.prompt()}\n{task.answer_format()}\n\nSteps so far:\n{done}\n\n{instruction}"
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

    async def propose(
        self, task: Task, steps: Sequence[str], k: int, seed: int | None = None
    ) -> Sampled:
        """`k` candidate next steps (one line each)."""
        completion = await self.llm.complete(
            self._messages(task, steps, "Write only the next step, on one line."),
            n=k,
            max_tokens=self.max_step_tokens,
            seed=seed,
        )
        texts = [(split_steps(text) or [text.strip()])[0] for text in completion.texts]
        return Sampled(texts, completion.usage.total_tokens)

    async def rollout(
        self, task: Task, steps: Sequence[str], n: int, seed: int | None = None
    ) -> Sampled:
        """`n` continuations to the end; each text holds the remaining steps, one per line."""
        completion = await self.llm.complete(
            self._messages(task, steps, "Continue from these steps to the final answer."),
            n=n,
            max_tokens=self.max_solution_tokens,
            seed=seed,
        )
        return Sampled(list(completion.texts), completion.usage.total_tokens)

    async def solve(self, task: Task, n: int, seed: int | None = None) -> Sampled:
        """`n` whole solutions from scratch."""
        return await self.rollout(task, [], n, seed)
