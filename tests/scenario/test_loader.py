from pathlib import Path

import pytest

from ponder.errors import ScenarioError
from ponder.scenario import Scenario, load_scenario
from tests.conftest import REPO

GOOD = """
name: t
tasks: {source: basic_arithmetic, limit: 2}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_are_valid(path: Path) -> None:
    assert isinstance(load_scenario(path), Scenario)


def test_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert scenario.model == "local/smollm2-135m" and scenario.graph == "refine"
    assert scenario.role("reflector").model == scenario.model


def test_role_settings_override_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            GOOD
            + "temperature: 0.2\nroles:\n  reflector: {model: openai/gpt-4o-mini, max_tokens: 64}\n",
        )
    )
    reflector = scenario.role("reflector")
    assert (reflector.model, reflector.max_tokens, reflector.temperature) == (
        "openai/gpt-4o-mini",
        64,
        0.2,
    )


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        (GOOD + "max_trails: 3\n", "max_trails", "unknown key"),
        (GOOD + "max_trials: three\n", "max_trials", "valid integer"),
        (GOOD + "max_trials: 0\n", "max_trials", "greater than or equal to 1"),
        ("name: t\n", "tasks", "required field is missing"),
        (
            "name: t\ntasks: {source: chess}\n",
            "tasks.source",
            "unknown task source 'chess' (choose from",
        ),
        (
            GOOD + "graph: tree\n",
            "graph",
            "unknown graph 'tree' (choose from refine, debate, roles, search",
        ),
        (GOOD + "mode: debate\n", "mode", "graph 'refine' has no mode 'debate'"),
        (GOOD + "roles: {plumber: {}}\n", "roles.plumber", ""),
        (
            GOOD + "roles: {actor: {temperature: 9}}\n",
            "roles.actor.temperature",
            "less than or equal to 2",
        ),
        ("name: t\ntasks: {source: file, path: nowhere.jsonl}\n", "tasks.path", "file not found"),
        ("- just\n- a list\n", "(top level)", "must be a mapping"),
        ("name: [unclosed\n", "line 2", "not valid YAML"),
    ],
)
def test_bad_files_give_file_field_and_problem(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {field}: ") and problem in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_task_file_path_is_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text('{"question": "1+1?", "answer": "2"}\n')
    scenario = load_scenario(write(tmp_path, "name: t\ntasks: {source: file, path: tasks.jsonl}\n"))
    assert scenario.tasks.path == tmp_path / "tasks.jsonl"
