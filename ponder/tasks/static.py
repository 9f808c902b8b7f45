"""Tasks written by the user in a JSONL or YAML file, with or without a reference answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ponder.errors import ScenarioError
from ponder.tasks.base import Feedback, Task
from ponder.tasks.extract import extract_answer, parse_number
from ponder.tasks.numeric import NumericTask

ANSWER_FORMAT = "End your reply with a final line of the form 'Answer: <answer>'."


class TaskEntry(BaseModel):
    """One line of a task file."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    question: str
    answer: str | None = None


@dataclass(frozen=True)
class OpenTask:
    """A task with a free-form answer. With no reference it has no checker: a judge grades it."""

    id: str
    question: str
    reference: str | None = None

    def prompt(self) -> str:
        return self.question

    def answer_format(self) -> str:
        return ANSWER_FORMAT

    def extract(self, reply: str) -> str | None:
        return extract_answer(reply) if self.reference is not None else reply.strip() or None

    @property
    def has_checker(self) -> bool:
        return self.reference is not None

    def check(self, answer: str) -> Feedback:
        if self.reference is None:
            raise ValueError(f"task {self.id} has no reference answer")
        if answer.strip().lower() == self.reference.strip().lower():
            return Feedback(True, 1.0, "Correct.")
        return Feedback(False, 0.0, f"Your final answer '{answer}' is incorrect.")


def _rows(path: Path) -> list[object]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ScenarioError(
                        str(path), f"line {number}", f"not valid JSON ({error.msg})"
                    ) from None
        return rows
    data = yaml.safe_load(text)
    if not isinstance(data, list):
        raise ScenarioError(str(path), "", "must be a list of tasks")
    return data


def load_task_file(path: Path) -> list[Task]:
    """Tasks from a file; a numeric reference answer makes an exactly checked `NumericTask`."""
    if not path.is_file():
        raise ScenarioError(str(path), "", "task file not found")
    tasks: list[Task] = []
    for index, row in enumerate(_rows(path)):
        try:
            entry = TaskEntry.model_validate(row)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in (index, *first["loc"]))
            raise ScenarioError(str(path), field, first["msg"]) from None
        task_id = entry.id or f"{path.stem}-{index}"
        number = parse_number(entry.answer) if entry.answer is not None else None
        if number is not None and entry.answer is not None and _is_plain_number(entry.answer):
            tasks.append(NumericTask(task_id, entry.question, number))
        else:
            tasks.append(OpenTask(task_id, entry.question, entry.answer))
    return tasks


def _is_plain_number(text: str) -> bool:
    try:
        Fraction(text.strip().replace(",", ""))
    except ValueError:
        return False
    return True
