"""An embodied scenario through the runner: environment units, live step lines, results rows."""

from pathlib import Path

from ponder.envs.textworld import TextWorld, TextWorldOptions
from ponder.llm import LLM, Ledger, ScriptedLLM
from ponder.scenario import parse_scenario, run_scenario
from ponder.scenario.run_dir import TaskResult
from ponder.scenario.schema import ModelSettings

GAME = {"rooms": 2, "objects": 3, "quest_length": 2}


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def run_started(self, total: int, already_done: int) -> None: ...
    def task_started(self, task_id: str, max_trials: int) -> None: ...
    def trial_finished(self, task_id: str, trial: int) -> None: ...
    def task_finished(self, result: TaskResult) -> None: ...

    def message(self, task_id: str, line: str) -> None:
        self.lines.append((task_id, line))


async def test_walkthrough_policy_wins_through_the_runner(tmp_path: Path) -> None:
    games = tmp_path / "games"
    with TextWorld(TextWorldOptions(seed=5, game_dir=str(games), **GAME)) as env:
        env.reset()
        walkthrough = env.walkthrough()
    moves = iter(walkthrough)

    def make(role: str, _settings: ModelSettings, ledger: Ledger) -> LLM:
        return ScriptedLLM.from_replies(
            lambda _m: f"Thought: follow the plan.\nAction: {next(moves)}", ledger=ledger, role=role
        )

    scenario = parse_scenario(
        {
            "name": "tw",
            "graph": "embodied",
            "mode": "react",
            "environment": {
                "name": "textworld",
                "options": GAME | {"game_dir": str(games)},
                "vary": {"seed": [5]},
            },
            "embodied": {"max_episodes": 1, "max_steps": len(walkthrough) + 2},
            "output_dir": str(tmp_path / "runs"),
        },
        "test",
    )
    sink = Lines()
    report = await run_scenario(scenario, make_llm=make, progress=sink)
    (result,) = report.results
    assert result.task_id == "textworld-seed-5" and result.solved and result.score == 1.0
    assert result.trials == 1 and result.stop_reason == "won"
    step_lines = [
        line for unit, line in sink.lines if unit == "textworld-seed-5" and " step " in line
    ]
    assert len(step_lines) == len(walkthrough) and f"> {walkthrough[0]}" in step_lines[0]
    assert any("episode 1: won" in line for _, line in sink.lines)
