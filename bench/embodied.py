"""The embodied graph's cost per step next to its environment's, and the embedded model's score.

1. Per-step time of winning episodes played through the embodied graph against the same
   commands sent to the same environment in a plain loop (resets left out of both, episodes
   of the two kinds in turns, medians). Target: framework <= 10% of environment time.
   - "world idle": the framework's own time, measured inside each graph episode as the time
     in which no command was in the world's hands, so the world waited for the graph,
     agent and LLM layer. The graph's bookkeeping while a command is out is not counted:
     it overlaps with the world.
   - "added": what playing through ponder adds to the wall clock, the median over pairs of
     the graph episode minus the plain-loop episode. Besides world idle it takes in the
     world's own steps running slower beside the graph's work (a thread that talks to the
     simulator waits for the GIL while LangGraph's bookkeeping holds it), and how much one
     episode of the world differs from the next, so it varies more from run to run.
   - scripted policy: replays the gold path / walkthrough, never asks for valid actions;
   - ReAct actor: the real `EmbodiedActor` over a zero-latency scripted model, so the
     prompt is built, the model call goes through litellm, and valid actions are fetched
     and matched every step (the plain loop fetches them too).
2. The embedded SmolLM2-135M as a ReAct actor on a small TextWorld game: episodes without
   lessons against the same number of episodes with Reflexion lessons in between.

Usage: `python bench/embodied.py [--runs 15] [--skip-model] [--model-episodes 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, TypedDict

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from rich.console import Console
from rich.table import Table

from ponder.agents.embodied import EmbodiedActor, Policy, ScriptedPolicy, embodied_reflector
from ponder.envs import EnvTask, Pipelined, Step
from ponder.envs.scienceworld import ScienceWorld, ScienceWorldOptions
from ponder.envs.textworld import TextWorld, TextWorldOptions, isolated_textworld
from ponder.graphs.embodied import (
    EmbodiedAgents,
    EmbodiedResult,
    build_embodied_graph,
    describe,
    run_episodes,
)
from ponder.llm import LLM, ScriptedLLM


class ResetTimer:
    """Delegates to an environment and adds up the seconds its resets and other calls take.

    Resets (loading a task, compiling a game) are left out of both sides of the comparison.
    `busy_s` is the time the world spent on steps and valid-action lists: the rest of a graph
    run is time in which the world waited for the framework.
    """

    def __init__(self, env: Any, on_reset: Callable[[], None] | None = None) -> None:
        self.env = env
        self.name = env.name
        self.reset_s = self.busy_s = 0.0
        self.on_reset = on_reset

    @property
    def task(self) -> EnvTask:
        return self.env.task  # type: ignore[no-any-return]

    @property
    def score(self) -> float:
        return float(self.env.score)

    @property
    def won(self) -> bool:
        return bool(self.env.won)

    def reset(self) -> str:
        started = time.perf_counter()
        if self.on_reset is not None:
            self.on_reset()
        try:
            return str(self.env.reset())
        finally:
            self.reset_s += time.perf_counter() - started

    def _busy(self, call: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args)
        finally:
            self.busy_s += time.perf_counter() - started

    def step(self, action: str) -> Step:
        return self._busy(self.env.step, action)  # type: ignore[no-any-return]

    def valid_actions(self) -> list[str]:
        return list(self._busy(self.env.valid_actions))

    def close(self) -> None:
        self.env.close()

    def __enter__(self) -> ResetTimer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class PipelinedResetTimer(ResetTimer):
    """A `ResetTimer` for a world the graph drives over its pipe, with no thread in between.

    A call counts from the moment it is sent until its reply is read, which may be later
    than the reply came: `busy_s` errs towards the world here, not the framework.
    """

    def __init__(self, env: Any, on_reset: Callable[[], None] | None = None) -> None:
        super().__init__(env, on_reset)
        self._began: tuple[str, float] | None = None

    def begin(self, method: str, *args: Any) -> None:
        if method == "reset" and self.on_reset is not None:
            self.on_reset()
        self._began = (method, time.perf_counter())
        self.env.begin(method, *args)

    async def finish(self) -> Any:
        try:
            return await self.env.finish()
        finally:
            if self._began is not None:
                method, began = self._began
                spent, self._began = time.perf_counter() - began, None
                if method == "reset":
                    self.reset_s += spent
                else:
                    self.busy_s += spent


@dataclass(frozen=True)
class Timing:
    """Milliseconds per step: medians over episodes and over pairs of episodes."""

    steps: int
    env_ms: float  # the same commands sent in a plain loop: the environment alone
    ponder_ms: float  # the same episode played through the embodied graph
    added_ms: Sequence[float]  # per pair of episodes: through ponder minus the plain loop
    idle_ms: Sequence[float]  # per graph episode: time with no command in the world's hands

    @property
    def world_idle_ms(self) -> float:
        return statistics.median(self.idle_ms)

    @property
    def median_added_ms(self) -> float:
        return statistics.median(self.added_ms)

    @property
    def spread(self) -> str:
        """The middle half of the paired differences: how much one pair can vary."""
        low, _, high = statistics.quantiles(self.added_ms, n=4)
        return f"{low:.2f} to {high:.2f}"


class Replies:
    """A zero-latency model that writes the plan's next command as a ReAct reply.

    `rewind` starts the plan again; the bench calls it when the environment resets.
    """

    def __init__(self, commands: Sequence[str]) -> None:
        self.commands, self.count = list(commands), 0

    def rewind(self) -> None:
        self.count = 0

    def __call__(self, _messages: Any) -> str:
        command = self.commands[self.count % len(self.commands)]
        self.count += 1
        return f"Thought: the plan says this comes next.\nAction: {command}"


def plain_loop_ms(env: Any, plan: Sequence[str], listing: bool) -> tuple[float, int]:
    """Milliseconds per step of the plan sent in a plain loop, with no framework at all.

    `listing` also asks for the valid actions before each command, as the ReAct actor does.
    """
    env.reset()
    spent, steps = 0.0, 0
    for action in plan:
        started = time.perf_counter()
        if listing:
            env.valid_actions()
        done = env.step(action).done
        spent += time.perf_counter() - started
        steps += 1
        if done:
            break
    return 1000 * spent / steps, steps


async def timed_runs(
    env: Any,
    plan: Sequence[str],
    make_policy: Callable[[], Policy],
    runs: int,
    *,
    listing: bool = False,
    checkpointer: Any = None,
    on_reset: Callable[[], None] | None = None,
) -> Timing:
    """Plain-loop and graph episodes in pairs, so both see the same machine and JVM state.

    Per pair, what playing through ponder adds to each step over calling the environment
    directly; per graph episode, the time in which the world waited for the framework.
    """
    timing = PipelinedResetTimer if isinstance(env, Pipelined) else ResetTimer
    timer = timing(env, on_reset)
    # One graph for all runs, as a scenario builds one per task and plays all its episodes.
    graph = build_embodied_graph(
        EmbodiedAgents(make_policy()),
        max_episodes=1,
        max_steps=len(plan) + 5,
        checkpointer=checkpointer,
    )
    warm_up = await run_episodes(graph, timer, thread_id="warm-up")  # and litellm's first call
    # The loop sends what the graph sent: the ReAct actor may have corrected a command.
    plan = [record["action"] for record in warm_up.episodes[-1].trajectory]
    plain_loop_ms(env, plan, listing)
    plain, ponder, idle, steps = [], [], [], 0
    for run in range(runs):
        # Alternate which goes first, so a machine that speeds up or slows down during a
        # pair favours neither side.
        if run % 2 == 0:
            plain_ms, count = plain_loop_ms(env, plan, listing)
        timer.reset_s = timer.busy_s = 0.0
        started = time.perf_counter()
        result = await run_episodes(graph, timer, thread_id=f"run-{run}")
        wall = time.perf_counter() - started - timer.reset_s
        if run % 2 == 1:
            plain_ms, count = plain_loop_ms(env, plan, listing)
        assert result.solved, f"the scripted run {run} did not win: {result.episodes}"
        assert result.episodes[-1].steps == count, "the graph and the loop took different paths"
        plain.append(plain_ms)
        ponder.append(1000 * wall / count)
        idle.append(1000 * (wall - timer.busy_s) / count)
        steps += count
    added = [through - alone for through, alone in zip(ponder, plain, strict=True)]
    return Timing(steps, statistics.median(plain), statistics.median(ponder), added, idle)


class InstantEnv:
    """A world that answers at once and is won at the end of the plan it is given.

    Timing it shows the ponder graph's own cost per step, with nothing to wait for.
    """

    name = "instant"

    def __init__(self, plan: Sequence[str]) -> None:
        self.plan, self.done, self.moves = list(plan), 0, 0

    @property
    def task(self) -> EnvTask:
        return EnvTask("instant/1", "follow the plan")

    @property
    def score(self) -> float:
        return 100.0 * self.moves / len(self.plan)

    @property
    def won(self) -> bool:
        return self.moves >= len(self.plan)

    def reset(self) -> str:
        self.moves = 0
        return "an empty room"

    def step(self, action: str) -> Step:
        self.moves += 1
        return Step(f"you {action}", self.score, self.won, {})

    def valid_actions(self) -> list[str]:
        return sorted(set(self.plan))

    def close(self) -> None:
        pass


async def thread_hop_ms(busy_ms: float, calls: int = 100) -> float:
    """Extra milliseconds an `asyncio.to_thread` call costs around `busy_ms` of work.

    Every environment step pays this hand-off so the event loop stays free during it.
    """

    def busy() -> None:
        until = time.perf_counter() + busy_ms / 1000
        while time.perf_counter() < until:
            pass

    started = time.perf_counter()
    for _ in range(calls):
        await asyncio.to_thread(busy)
    return 1000 * (time.perf_counter() - started) / calls - busy_ms


class _LoopState(TypedDict, total=False):
    step: int
    steps: Annotated[list[dict[str, Any]], operator.add]


async def langgraph_floor_ms(steps: int, runs: int) -> float:
    """Milliseconds per step of the least a LangGraph step loop can do when it awaits each step.

    One node per step that hands a no-op environment call to a thread, appends one record and
    routes itself with a `Command`: LangGraph's own superstep. No ponder code runs.
    """

    async def act(state: _LoopState) -> Command[str]:
        await asyncio.to_thread(lambda: None)
        update = {"step": state["step"] + 1, "steps": [{"action": "look"}]}
        return Command(update=update, goto=END if state["step"] + 1 >= steps else "act")

    graph = StateGraph(_LoopState)
    graph.add_node("act", act, destinations=("act", END))
    graph.add_edge(START, "act")
    loop = graph.compile().with_config(recursion_limit=steps + 10)
    await loop.ainvoke({"step": 0})
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await loop.ainvoke({"step": 0})
        samples.append(1000 * (time.perf_counter() - started) / steps)
    return statistics.median(samples)


def reference_client_ms(plan: Sequence[str], runs: int) -> float:
    """Milliseconds per `env.step` of ScienceWorld's own Python client on the same gold path."""
    from scienceworld import ScienceWorldEnv

    env = ScienceWorldEnv("boil")
    try:
        env.load("boil", 0, "")
        total, steps = 0.0, 0
        for _ in range(runs):
            env.reset()
            for action in plan:
                started = time.perf_counter()
                _, _, done, _ = env.step(action)
                total += time.perf_counter() - started
                steps += 1
                if done:
                    break
        return 1000 * total / steps
    finally:
        env.close()
        process = env._gateway.java_process
        process.kill()
        process.wait()


def _row(table: Table, environment: str, policy: str, timing: Timing) -> None:
    table.add_row(
        environment,
        policy,
        str(timing.steps),
        f"{timing.env_ms:.2f}",
        f"{timing.ponder_ms:.2f}",
        f"{timing.median_added_ms:.2f}",
        timing.spread,
        f"{100 * timing.median_added_ms / timing.env_ms:.1f}%",
        f"{timing.world_idle_ms:.2f}",
        f"{100 * timing.world_idle_ms / timing.env_ms:.1f}%",
    )


async def overhead(runs: int, game_dir: str) -> Table:
    # Rows whose episodes are cheap afford more pairs, which steadies their medians: a
    # TextWorld episode takes tens of milliseconds, a scripted ScienceWorld one about 0.3 s.
    sw_runs, tw_runs = 2 * runs, 4 * runs
    table = Table(
        title=(
            "embodied graph: time per step, medians over pairs of winning episodes "
            f"({sw_runs} pairs per scripted ScienceWorld row, {runs} for its ReAct row, "
            f"{tw_runs} per TextWorld row)"
        )
    )
    columns = ("environment", "policy", "steps", "env alone", "through ponder", "added")
    extra = ("middle half", "added / env", "world idle ms/step", "idle / env")
    for column in (*columns, *extra):
        justify: Literal["left", "right"] = (
            "left" if column in ("environment", "policy") else "right"
        )
        table.add_column(column + (" ms/step" if column in columns[3:] else ""), justify=justify)

    async def actor_runs(env: Any, plan: Sequence[str], pairs: int) -> Timing:
        replies = Replies(plan)
        make = lambda: EmbodiedActor(ScriptedLLM.from_replies(replies))  # noqa: E731
        return await timed_runs(env, plan, make, pairs, listing=True, on_reset=replies.rewind)

    sw_options = ScienceWorldOptions(task="boil", variation=0, gold_path=True)
    tw_options = TextWorldOptions(seed=11, rooms=6, objects=12, quest_length=8, game_dir=game_dir)
    with ScienceWorld(sw_options) as sw, TextWorld(tw_options) as tw:
        sw.reset()
        tw.reset()
        gold, walkthrough = sw.gold_path(), tw.walkthrough()
        sw_label, tw_label = "ScienceWorld boil", "TextWorld quest 8"
        scripted = await timed_runs(sw, gold, lambda: ScriptedPolicy(gold), sw_runs)
        _row(table, sw_label, "scripted", scripted)
        with tempfile.TemporaryDirectory(prefix="ponder-bench-ckpt-") as folder:
            async with AsyncSqliteSaver.from_conn_string(f"{folder}/runs.sqlite") as saver:
                timing = await timed_runs(
                    sw, gold, lambda: ScriptedPolicy(gold), sw_runs, checkpointer=saver
                )
        _row(table, sw_label, "scripted, SQLite checkpoints", timing)
        timing = await actor_runs(sw, gold, runs)
        _row(table, sw_label, "ReAct actor, scripted LLM", timing)
        timing = await timed_runs(tw, walkthrough, lambda: ScriptedPolicy(walkthrough), tw_runs)
        _row(table, tw_label, "scripted, in-process", timing)
        with isolated_textworld(tw_options) as child:
            scripted_walk = lambda: ScriptedPolicy(walkthrough)  # noqa: E731
            timing = await timed_runs(child, walkthrough, scripted_walk, tw_runs)
        _row(table, tw_label, "scripted, child process", timing)
        timing = await actor_runs(tw, walkthrough, tw_runs)
        _row(table, tw_label, "ReAct actor, scripted LLM", timing)
    # Per-episode work (starting the graph, ending the episode) is spread over fewer steps
    # in a short quest; a longer one shows the per-step cost.
    long_options = replace(tw_options, rooms=12, objects=24, quest_length=20)
    with TextWorld(long_options) as long_game:
        long_game.reset()
        long_walk = long_game.walkthrough()
    with isolated_textworld(long_options) as child:
        timing = await timed_runs(child, long_walk, lambda: ScriptedPolicy(long_walk), tw_runs)
    _row(table, "TextWorld quest 20", "scripted, child process", timing)
    sw_ms = scripted.env_ms
    instant = await timed_runs(InstantEnv(gold), gold, lambda: ScriptedPolicy(gold), runs)
    floor = await langgraph_floor_ms(len(gold), runs)
    hop = await thread_hop_ms(sw_ms)
    for label, policy, steps, ms in (
        ("instant world", "scripted (the graph alone)", instant.steps, instant.median_added_ms),
        ("no environment", "bare LangGraph loop", runs * len(gold), floor),
        ("no environment", f"thread hop, {sw_ms:.1f} ms work", 100, hop),
    ):
        share = f"{100 * ms / sw_ms:.1f}% of SW"
        table.add_row(label, policy, str(steps), "-", "-", f"{ms:.2f}", "", share, "", "")
    table.add_row(
        sw_label,
        "its own client env.step",
        str(runs * len(gold)),
        f"{reference_client_ms(gold, runs):.2f}",
        "-",
        "-",
        "",
        "-",
        "",
        "",
    )
    return table


SETTINGS = (("no reflection", False), ("Reflexion", True))


def progress(label: str) -> Callable[[str, dict[str, Any]], None]:
    """Episode results and lessons on stderr while the slow model plays."""

    def show(node: str, update: dict[str, Any]) -> None:
        for line in describe({**update, "steps": []}):
            print(f"[{label}] {line}", file=sys.stderr, flush=True)

    return show


async def model_scores(episodes: int, max_steps: int, game_dir: str, seeds: Sequence[int]) -> Table:
    llm = LLM("local/smollm2-135m", temperature=0.7, max_tokens=96)
    rows: list[tuple[str, EmbodiedResult, float]] = []
    settings = [(seed, label, reflect) for seed in seeds for label, reflect in SETTINGS]
    for seed, label, reflect in settings:
        # One room, a one-command quest (seed 5: "close the locker"): a game the tiny model
        # could win.
        options = TextWorldOptions(seed=seed, rooms=1, objects=3, quest_length=1, game_dir=game_dir)
        agents = EmbodiedAgents(
            EmbodiedActor(llm.bind(max_tokens=64)),
            embodied_reflector(llm.bind(max_tokens=96)) if reflect else None,
        )
        graph = build_embodied_graph(agents, max_episodes=episodes, max_steps=max_steps)
        started = time.perf_counter()
        name = f"seed {seed}, {label}"
        with TextWorld(options) as env:
            result = await run_episodes(graph, env, thread_id=name, on_step=progress(name))
        rows.append((name, result, time.perf_counter() - started))
    table = Table(
        title=f"embedded SmolLM2-135M, TextWorld 1 room / quest 1, "
        f"up to {episodes} episodes x {max_steps} steps"
    )
    for column in ("game, setting", "scores per episode", "won", "best", "steps", "wall s"):
        table.add_column(column, justify="left" if column == "game, setting" else "right")
    for label, result, wall in rows:
        table.add_row(
            label,
            " ".join(f"{episode.score:g}" for episode in result.episodes),
            "yes" if result.solved else "no",
            f"{result.best_score:g}",
            str(sum(episode.steps for episode in result.episodes)),
            f"{wall:.0f}",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="pairs of winning episodes per row")
    parser.add_argument("--skip-model", action="store_true", help="only the timing table")
    parser.add_argument("--skip-timing", action="store_true", help="only the model table")
    parser.add_argument("--model-episodes", type=int, default=3)
    parser.add_argument("--model-steps", type=int, default=8)
    parser.add_argument("--model-seeds", type=int, nargs="+", default=[5, 6])
    args = parser.parse_args()
    console = Console(width=170)
    with tempfile.TemporaryDirectory(prefix="ponder-bench-") as game_dir:
        if not args.skip_timing:
            console.print(asyncio.run(overhead(args.runs, game_dir)))
        if not args.skip_model:
            table = asyncio.run(
                model_scores(args.model_episodes, args.model_steps, game_dir, args.model_seeds)
            )
            console.print(table)


if __name__ == "__main__":
    main()
