"""ScienceWorld (a simulated school lab, scored 0-100) behind the `Environment` protocol.

ScienceWorld runs in a JVM. The reference Python client fetches the room description, the
inventory, the task text and every valid action after each step (20-120 ms); here a step
asks the server only for the observation, score and completion, and the valid actions are
fetched when an agent asks for them, once per state. The JVM is started once per
environment and reused across episodes; it is started again only after it died.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ponder.envs._jvm import JavaProcess
from ponder.envs._watchdog import Watchdog
from ponder.envs.base import ClosingContext, EnvTask, Step
from ponder.envs.errors import EnvironmentCrashed, EnvironmentUnavailable, StepTimeout

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
_SPLIT_METHODS = {
    "train": "getVariationsTrain",
    "dev": "getVariationsDev",
    "test": "getVariationsTest",
}


@dataclass(frozen=True)
class ScienceWorldOptions:
    """Which task and variation to play; `variation` must belong to `split`.

    ScienceWorld divides each task's variations into train, dev and test sets; a variation
    from another split is refused, so lessons learnt on train never leak into a test score.
    `None` picks the split's first variation.
    """

    task: str = "boil"
    variation: int | None = None
    split: Split = "train"
    simplifications: str = ""
    step_limit: int = 100
    step_timeout_s: float = 10.0
    load_timeout_s: float = 120.0
    gold_path: bool = False


def _check_task(task: str) -> None:
    """Refuse an unknown task before paying for a JVM start."""
    try:
        from scienceworld.constants import ID2TASK
    except ImportError as error:
        raise EnvironmentUnavailable(
            "scienceworld is not installed: pip install 'scienceworld==1.2.3'"
        ) from error
    names = sorted(ID2TASK.values())
    if task not in names:
        raise EnvironmentUnavailable(
            f"scienceworld: unknown task '{task}' (choose from {', '.join(names)})"
        )


class ScienceWorld(ClosingContext):
    """One ScienceWorld task variation; `reset` starts the JVM on first use."""

    name = "scienceworld"

    def __init__(self, options: ScienceWorldOptions | None = None) -> None:
        self.options = options or ScienceWorldOptions()
        if self.options.split not in SPLITS:
            raise EnvironmentUnavailable(
                f"scienceworld: unknown split '{self.options.split}' (choose from {', '.join(SPLITS)})"
            )
        _check_task(self.options.task)
        self._java: JavaProcess | None = None
        self._server: Any = None
        self._watchdog = Watchdog(self._kill_java, name="scienceworld-watchdog")
        self._loaded = False
        self._variation: int | None = None
        self._task: EnvTask | None = None
        self._score = 0.0
        self._won = False
        self._valid: list[str] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def java_pid(self) -> int | None:
        """The JVM's process id while one runs (tests and operators watch it)."""
        return self._java.pid if self._java is not None and self._java.alive else None

    def _kill_java(self) -> None:
        if self._java is not None:
            self._java.kill()

    def _start(self) -> None:
        try:
            from scienceworld.constants import BASEPATH, JAR_PATH
        except ImportError as error:
            raise EnvironmentUnavailable(
                "scienceworld is not installed: pip install 'scienceworld==1.2.3'"
            ) from error
        if self._java is not None:
            self._java.close()
        self._java = JavaProcess(JAR_PATH, BASEPATH)
        self._server = self._java.gateway.jvm.scienceworld.runtime.pythonapi.PythonInterface()
        self._loaded = False

    def close(self) -> None:
        """Kill the JVM and stop the watchdog; safe to call twice."""
        self._watchdog.close()
        if self._java is not None:
            self._java.close()
            self._java = None
        self._server = None

    # -- calls into the JVM -----------------------------------------------------------------

    def _call(self, what: str, seconds: float, method: str, *args: Any) -> Any:
        """One server call under the watchdog; a dead or hung JVM becomes a clear error."""
        if self._java is None or not self._java.alive:
            raise EnvironmentCrashed(self._death_message(what))
        try:
            with self._watchdog.guard(seconds):
                return getattr(self._server, method)(*args)
        except Exception as error:
            if self._watchdog.expired:
                self._java.close()
                raise StepTimeout(
                    f"scienceworld: {what} took longer than {seconds:g} s; the Java process was stopped"
                ) from error
            from py4j.protocol import Py4JJavaError

            # A lost connection usually means a dying JVM, which takes a moment to go.
            if not isinstance(error, Py4JJavaError) and self._java.exited(within_s=2.0):
                raise EnvironmentCrashed(self._death_message(what)) from error
            raise EnvironmentCrashed(f"scienceworld: {what} failed: {error}") from error

    def _death_message(self, what: str) -> str:
        code = None if self._java is None else self._java.process.poll()
        return f"scienceworld: the Java process has exited (code {code}) during or before {what}"

    def _load(self) -> None:
        opts = self.options

        def load(variation: int) -> None:
            args = (opts.task, variation, opts.simplifications, opts.gold_path)
            self._call("loading the task", opts.load_timeout_s, "load", *args)

        # The split lists are those of the loaded task, so load first, then check.
        variation = 0 if opts.variation is None else opts.variation
        count = int(self._call("counting variations", 30.0, "getTaskMaxVariations", opts.task))
        if not 0 <= variation < count:
            raise EnvironmentUnavailable(
                f"scienceworld: '{opts.task}' has variations 0-{count - 1}, not {variation}"
            )
        load(variation)
        allowed = self.variations()
        if opts.variation is None and variation != allowed[0]:
            variation = allowed[0]
            load(variation)
        if variation not in allowed:
            raise EnvironmentUnavailable(
                f"scienceworld: variation {variation} of '{opts.task}' is not in the "
                f"{opts.split} split ({allowed[0]}-{allowed[-1]}, {len(allowed)} variations)"
            )
        self._variation = variation
        description = str(self._call("reading the task", opts.load_timeout_s, "getTaskDescription"))
        self._task = EnvTask(f"scienceworld/{opts.task}/{variation}", description)
        self._loaded = True

    # -- the protocol -----------------------------------------------------------------------

    @property
    def task(self) -> EnvTask:
        """The task variation; before the first `reset` only its name is known."""
        return self._task or EnvTask(f"scienceworld/{self.options.task}", "")

    @property
    def variation(self) -> int | None:
        return self._variation

    @property
    def score(self) -> float:
        return self._score

    @property
    def won(self) -> bool:
        return self._won

    def reset(self) -> str:
        """Start (or restart) the episode; the observation is the task and the room."""
        if self._java is None or not self._java.alive:
            self._start()
        if self._loaded:
            self._call("resetting", self.options.load_timeout_s, "reset")
        else:
            self._load()
        self._score, self._won, self._valid = 0.0, False, None
        room = str(self._call("looking around", self.options.load_timeout_s, "freeActionLook"))
        return f"{self.task.description}\n\n{room.strip()}"

    def step(self, action: str) -> Step:
        seconds = self.options.step_timeout_s
        what = f"the step '{action}'"
        observation = str(self._call(what, seconds, "step", action))
        raw_score = float(self._call(what, seconds, "getScore"))
        completed = bool(self._call(what, seconds, "getCompleted"))
        moves = int(self._call(what, seconds, "getNumMoves"))
        score = round(100 * raw_score)
        reward, self._score = score - self._score, float(score)
        self._won = score >= 100
        self._valid = None
        done = completed or score < 0 or moves >= self.options.step_limit
        info = {"moves": moves, "reward": reward, "won": self._won}
        return Step(observation.strip(), self._score, done, info)

    def valid_actions(self) -> list[str]:
        """Valid action-object combinations now (hundreds to thousands; fetched on demand)."""
        if self._valid is None:
            self._valid = [
                str(action)
                for action in self._call(
                    "listing valid actions",
                    self.options.step_timeout_s,
                    "getValidActionObjectCombinations",
                )
            ]
        return self._valid

    def gold_path(self) -> list[str]:
        """A winning action sequence (needs `gold_path=True` in the options)."""
        if not self.options.gold_path:
            raise EnvironmentUnavailable(
                "scienceworld: set gold_path=True to ask for the gold path"
            )
        if not self._loaded:
            raise RuntimeError("call reset() before asking for the gold path")
        return [str(a) for a in self._call("reading the gold path", 30.0, "getGoldActionSequence")]

    def variations(self) -> list[int]:
        """The variation ids of this environment's split (after `reset`)."""
        method = _SPLIT_METHODS[self.options.split]
        return [int(v) for v in self._call("listing variations", 30.0, method)]
