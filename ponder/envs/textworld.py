"""TextWorld games, generated and compiled locally from a seed, behind `Environment`.

A game is a function of its options (seed, rooms, objects, quest length): the same options
give the same map, objects and quest, so a scenario names a game instead of shipping one.
Compiled games are cached in `game_dir` by those options; without one, a temporary folder
is used and removed on `close`. TextWorld's score (points of max points) is reported on
0-100 like every environment's.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder.envs.base import ClosingContext, EnvTask, Step
from ponder.envs.errors import EnvironmentCrashed, EnvironmentUnavailable
from ponder.envs.isolated import IsolatedEnvironment

_PROMPT = re.compile(r"\n>\s.*\Z", re.S)


@dataclass(frozen=True)
class TextWorldOptions:
    """The game to generate; `game_dir` keeps compiled games between runs.

    `isolate` runs the game in a child process so that a step longer than `step_timeout_s`
    can be stopped (the interpreter cannot be interrupted in-process).
    """

    seed: int = 1234
    rooms: int = 3
    objects: int = 6
    quest_length: int = 3
    game_dir: str | None = None
    isolate: bool = True
    step_timeout_s: float = 10.0

    @property
    def key(self) -> str:
        return f"s{self.seed}-r{self.rooms}-o{self.objects}-q{self.quest_length}"


def _compile(options: TextWorldOptions, folder: Path) -> Path:
    """Generate and compile the game (1-3 s), or return the one compiled before."""
    target = folder / f"{options.key}.z8"
    if target.exists():
        return target
    try:
        import textworld
        import textworld.generator
    except ImportError as error:
        raise EnvironmentUnavailable(
            "textworld is not installed: pip install 'textworld==1.7.0'"
        ) from error
    game_options = textworld.GameOptions()
    game_options.seeds = options.seed
    game_options.nb_rooms = options.rooms
    game_options.nb_objects = options.objects
    game_options.quest_length = options.quest_length
    game_options.path = str(target)
    game_options.force_recompile = True
    try:
        game = textworld.generator.make_game(game_options)
        return Path(textworld.generator.compile_game(game, game_options))
    except Exception as error:
        raise EnvironmentUnavailable(
            f"textworld: cannot build game {options.key}: {error}"
        ) from error


def _clean(feedback: str) -> str:
    """Drop the interpreter's prompt and status line ('>   -= Room =-0/3') after the text."""
    return _PROMPT.sub("", feedback).strip()


class TextWorld(ClosingContext):
    """One generated TextWorld game; the walkthrough is there for tests and baselines."""

    name = "textworld"

    def __init__(self, options: TextWorldOptions | None = None) -> None:
        self.options = options or TextWorldOptions()
        if min(self.options.rooms, self.options.objects, self.options.quest_length) < 1:
            raise EnvironmentUnavailable("textworld: rooms, objects and quest_length must be >= 1")
        self._own_dir: Path | None = None
        self._env: Any = None
        self._state: Any = None
        self._task: EnvTask | None = None
        self._score = 0.0
        self._won = False

    def _folder(self) -> Path:
        if self.options.game_dir is not None:
            folder = Path(self.options.game_dir)
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        if self._own_dir is None:
            self._own_dir = Path(tempfile.mkdtemp(prefix="ponder-textworld-"))
        return self._own_dir

    def _open(self) -> Any:
        if self._env is None:
            import textworld

            path = _compile(self.options, self._folder())
            infos = textworld.EnvInfos(
                admissible_commands=True,
                objective=True,
                description=True,
                max_score=True,
                score=True,
                won=True,
                lost=True,
                moves=True,
                extras=["walkthrough"],
            )
            with warnings.catch_warnings():
                # jericho warns that it cannot track score itself; TextWorld tracks it.
                warnings.simplefilter("ignore")
                self._env = textworld.start(str(path), request_infos=infos)
        return self._env

    @property
    def task(self) -> EnvTask:
        """The game's quest; before the first `reset` only the game's name is known."""
        return self._task or EnvTask(f"textworld/{self.options.key}", "")

    @property
    def score(self) -> float:
        return self._score

    @property
    def won(self) -> bool:
        return self._won

    def _percent(self, state: Any) -> float:
        top = state.max_score or 1
        return round(100.0 * float(state.score) / float(top), 2)

    def reset(self) -> str:
        """Start the game over; the observation is the quest and the first room."""
        try:
            self._state = self._open().reset()
        except EnvironmentUnavailable:
            raise
        except Exception as error:
            raise EnvironmentCrashed(f"textworld: reset failed: {error}") from error
        objective = str(self._state.objective).strip()
        self._task = EnvTask(f"textworld/{self.options.key}", objective)
        self._score, self._won = 0.0, False
        return f"{objective}\n\n{_clean(str(self._state.description))}"

    def step(self, action: str) -> Step:
        if self._env is None or self._state is None:
            raise RuntimeError("call reset() before step()")
        try:
            state, _reward, done = self._env.step(action)
        except Exception as error:
            raise EnvironmentCrashed(f"textworld: the step '{action}' failed: {error}") from error
        self._state = state
        previous, self._score = self._score, self._percent(state)
        self._won = self._won or bool(state.won)
        info = {"moves": int(state.moves or 0), "reward": self._score - previous, "won": self.won}
        return Step(_clean(str(state.feedback)), self._score, bool(done), info)

    def valid_actions(self) -> list[str]:
        """The game's admissible commands in the current state."""
        if self._state is None:
            raise RuntimeError("call reset() before valid_actions()")
        return [str(command) for command in self._state.admissible_commands or []]

    def walkthrough(self) -> list[str]:
        """The generator's winning command sequence from the start of the game."""
        if self._state is None:
            raise RuntimeError("call reset() before walkthrough()")
        return [str(command) for command in self._state["extra.walkthrough"]]

    def close(self) -> None:
        """Close the game and remove the temporary game folder; safe to call twice."""
        if self._env is not None:
            self._env.close()
            self._env = None
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None


def isolated_textworld(options: TextWorldOptions) -> IsolatedEnvironment:
    """The game in a child process, with its compiled files in a folder the parent owns."""
    scratch = None
    if options.game_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="ponder-textworld-"))
        options = dataclasses.replace(options, game_dir=str(scratch))
    return IsolatedEnvironment(
        TextWorld.name,
        functools.partial(TextWorld, options),
        step_timeout_s=options.step_timeout_s,
        task=EnvTask(f"textworld/{options.key}", ""),
        scratch_dir=scratch,
    )
