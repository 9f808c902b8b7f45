"""TextWorld games generated from a seed: walkthrough, admissible commands, bad commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.envs import Environment, EnvironmentUnavailable, environment_names, make_env
from ponder.envs.isolated import IsolatedEnvironment
from ponder.envs.textworld import TextWorld, TextWorldOptions

GAME = {"seed": 7, "rooms": 4, "objects": 8, "quest_length": 4}


def options(game_dir: Path, seed: int = 7) -> TextWorldOptions:
    return TextWorldOptions(seed=seed, rooms=4, objects=8, quest_length=4, game_dir=str(game_dir))


def test_walkthrough_wins_the_generated_game(game_dir: Path) -> None:
    with TextWorld(options(game_dir)) as env:
        assert isinstance(env, Environment)
        first = env.reset()
        assert env.task.description in first and env.task.id == "textworld/s7-r4-o8-q4"
        walkthrough = env.walkthrough()
        assert walkthrough and walkthrough[0] in env.valid_actions()
        for action in walkthrough:
            assert action in env.valid_actions()
            observation, score, done, info = env.step(action)
            assert not observation.endswith(">")
        assert (score, done, env.won, info["won"]) == (100.0, True, True, True)
        env.reset()
        assert env.score == 0.0 and not env.won


def test_unknown_command_is_answered_by_the_game(game_dir: Path) -> None:
    with TextWorld(options(game_dir)) as env:
        env.reset()
        reply = env.step("dance wildly")
        assert not reply.done and reply.score == 0.0
        assert "not a verb I recognise" in reply.observation


def test_same_options_same_game_other_seed_other_game(game_dir: Path) -> None:
    with TextWorld(options(game_dir)) as a, TextWorld(options(game_dir, seed=8)) as b:
        a.reset()
        b.reset()
        quest = a.task.description
        assert quest != b.task.description
    with TextWorld(options(game_dir)) as again:
        again.reset()
        assert again.task.description == quest
    assert {p.name for p in game_dir.glob("*.z8")} >= {"s7-r4-o8-q4.z8", "s8-r4-o8-q4.z8"}


def test_temporary_games_are_removed_on_close() -> None:
    env = TextWorld(TextWorldOptions(seed=3, rooms=1, objects=1, quest_length=1))
    env.reset()
    folder = env._own_dir
    assert folder is not None and any(folder.iterdir())
    env.close()
    env.close()
    assert not folder.exists()


def test_registry_builds_environments_and_names_bad_options(game_dir: Path) -> None:
    assert environment_names() == ["scienceworld", "textworld"]
    with pytest.raises(EnvironmentUnavailable, match="unknown environment 'alfworld'"):
        make_env("alfworld")
    with pytest.raises(EnvironmentUnavailable, match=r"unknown option\(s\) room .*rooms"):
        make_env("textworld", {"room": 3})
    with make_env(
        "textworld",
        {"seed": 7, "rooms": 4, "objects": 8, "quest_length": 4, "game_dir": str(game_dir)},
    ) as env:
        # a scenario's game runs in a child process, so a hung step can be stopped
        assert isinstance(env, IsolatedEnvironment)
        assert env.task.id == "textworld/s7-r4-o8-q4"  # known before the child starts
        env.reset()
        assert env.task.id == "textworld/s7-r4-o8-q4" and env.task.description
        for command in env.call("walkthrough"):
            env.step(command)
        assert env.won and env.score == 100.0
    with make_env("textworld", {**GAME, "isolate": False, "game_dir": str(game_dir)}) as env:
        assert isinstance(env, TextWorld)


def test_an_isolated_game_without_a_folder_leaves_no_files() -> None:
    env = make_env("textworld", {"seed": 3, "rooms": 1, "objects": 1, "quest_length": 1})
    assert isinstance(env, IsolatedEnvironment)
    env.reset()
    folder = env._scratch_dir
    assert folder is not None and any(folder.iterdir())
    env.close()
    assert not folder.exists() and env.pid is None
