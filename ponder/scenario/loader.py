"""Reading scenario files, with errors that name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ponder.errors import ScenarioError
from ponder.scenario.schema import Scenario


def _field_path(location: tuple[int | str, ...]) -> str:
    parts = [
        str(part) for part in location if not str(part).startswith("function-") and part != "[key]"
    ]
    return ".".join(parts)


def _problem(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required field is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def validation_error(source: str, error: ValidationError) -> ScenarioError:
    """The first pydantic error as a `ScenarioError`; model-level checks carry their own field."""
    first = error.errors()[0]
    field, problem = _field_path(first["loc"]), _problem(dict(first))
    if not field and ": " in problem:
        field, problem = problem.split(": ", 1)
    return ScenarioError(source, field or "(top level)", problem)


def parse_scenario(data: object, source: str, base_dir: Path | None = None) -> Scenario:
    """Validate already-parsed YAML. Relative task-file paths are taken from `base_dir`."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "(top level)", "must be a mapping of keys to values")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise validation_error(source, error) from None
    tasks = scenario.tasks
    if tasks is not None and tasks.path is not None:
        if base_dir is not None and not tasks.path.is_absolute():
            tasks.path = base_dir / tasks.path
        if not tasks.path.is_file():
            raise ScenarioError(source, "tasks.path", f"file not found: {tasks.path}")
    return scenario


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(str(path), "", "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        raise ScenarioError(
            str(path), where, f"not valid YAML: {getattr(error, 'problem', error)}"
        ) from None
    return parse_scenario(data, str(path), path.parent)
