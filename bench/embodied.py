"""The embodied graph's cost per step next to its environment's, and the embedded model's score.

1. Per-step time with scripted policies, split into time inside the environment (steps and
   valid-action listings; resets are left out of both sides) and everything else (graph,
   agent, LLM layer): the framework. Target: framework <= 10% of environment time.
   - scripted policy: replays the gold path / walkthrough, never asks for valid actions;
   - ReAct actor: the real `EmbodiedActor` over a zero-latency scripted model, so the
     prompt is built, the model call goes through litellm, and valid actions are fetched
     and matched every step.
2. The embedded SmolLM2-135M as a ReAct actor on a small TextWorld game: episodes without
   lessons against the same number of episodes with Reflexion lessons in between.

Usage: `python bench/embodied.py [--runs 5] [--skip-model] [--model-episodes 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import operator
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from rich.console import Console
from rich.table import Table

from ponder.agents.embodied import EmbodiedActor, Policy, ScriptedPolicy, embodied_reflector
from ponder.envs import Environment, EnvTask, Step
from ponder.envs.scienceworld import ScienceWorld, ScienceWorldOptions
from ponder.envs.textworld import TextWorld, TextWorldOptions
from ponder.graphs.embodied import (
    EmbodiedAgents,
    EmbodiedResult,
    build_embodied_graph,
    describe,
    run_episodes,
)
from ponder.llm import LLM, ScriptedLLM


class TimedEnv:
    """Delegates to an environment and adds up the seconds spent inside it."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.name = env.name
        self.acting_s = 0.0  # step + valid_actions
        self.reset_s = 0.0
        self.steps = 0

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
        try:
            return str(self.env.reset())
        finally:
            self.reset_s += time.perf_counter() - started

    def step(self, action: str) -> Step:
        started = time.perf_counter()
        try:
            return self.env.step(action)  # type: ignore[no-any-return]
        finally:
            self.acting_s += time.perf_counter() - started
            self.steps += 1

    def valid_actions(self) -> list[str]:
        started = time.perf_counter()
        try:
            return list(self.env.valid_actions())
        finally:
            self.acting_s += time.perf_counter() - started

    def close(self) -> None:
        self.env.close()

    def __enter__(self) -> TimedEnv:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class Timing:
    steps: int
    env_ms: float
    framework_ms: float


def replies(commands: Sequence[str]) -> Callable[[Any], str]:
    """A zero-latency model that writes the next command as a ReAct reply, cyclically."""
    count = [0]

    def reply(_messages: Any) -> str:
        command = commands[count[0] % len(commands)]
        count[0] += 1
        return f"Thought: the plan says this comes next.\nAction: {command}"

    return reply


async def timed_runs(env: Any, make_policy: Callable[[], Policy], runs: int) -> Timing:
    timed = TimedEnv(env)
    # One graph for all runs, as a scenario builds one per task and plays all its episodes.
    graph = build_embodied_graph(EmbodiedAgents(make_policy()), max_episodes=1, max_steps=100)
    await run_episodes(graph, timed, thread_id="warm-up")  # imports, litellm's first call
    timed.acting_s = timed.reset_s = 0.0
    timed.steps = 0
    started = time.perf_counter()
    for run in range(runs):
        result = await run_episodes(graph, timed, thread_id=f"run-{run}")
        assert result.solved, f"the scripted run {run} did not win: {result.episodes}"
    wall = time.perf_counter() - started
    framework = wall - timed.acting_s - timed.reset_s
    return Timing(timed.steps, 1000 * timed.acting_s / timed.steps, 1000 * framework / timed.steps)


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
    """Milliseconds per step of the least a LangGraph step loop can do.

    One node per step, the same thread hop to a no-op environment, one record appended:
    the floor under any framework built on LangGraph. No ponder code runs.
    """

    async def act(state: _LoopState) -> dict[str, Any]:
        await asyncio.to_thread(lambda: None)
        return {"step": state["step"] + 1, "steps": [{"action": "look"}]}

    graph = StateGraph(_LoopState)
    graph.add_node("act", act)
    graph.add_edge(START, "act")
    graph.add_conditional_edges("act", lambda state: END if state["step"] >= steps else "act")
    loop = graph.compile().with_config(recursion_limit=steps + 10)
    await loop.ainvoke({"step": 0})
    started = time.perf_counter()
    for _ in range(runs):
        await loop.ainvoke({"step": 0})
    return 1000 * (time.perf_counter() - started) / (steps * runs)


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


async def overhead(runs: int, game_dir: str) -> Table:
    table = Table(title=f"embodied graph: time per step ({runs} winning episodes each)")
    for column in ("environment", "policy", "steps", "env ms/step", "framework ms/step", "ratio"):
        table.add_column(column, justify="left" if column in ("environment", "policy") else "right")

    sw_env_ms = 1.0
    sw = ScienceWorld(ScienceWorldOptions(task="boil", variation=0, gold_path=True))
    tw = TextWorld(
        TextWorldOptions(seed=11, rooms=6, objects=12, quest_length=8, game_dir=game_dir)
    )
    with sw, tw:
        sw.reset()
        tw.reset()
        plans: list[tuple[str, Environment, list[str]]] = [
            ("ScienceWorld boil", sw, sw.gold_path()),
            ("TextWorld 6 rooms, quest 8", tw, tw.walkthrough()),
        ]
        for label, env, plan in plans:
            policies: dict[str, Callable[[], Policy]] = {
                "scripted policy": lambda plan=plan: ScriptedPolicy(plan),  # type: ignore[misc]
                "ReAct actor, scripted model": lambda plan=plan: EmbodiedActor(  # type: ignore[misc]
                    ScriptedLLM.from_replies(replies(plan))
                ),
            }
            for name, make in policies.items():
                timing = await timed_runs(env, make, runs)
                if env is sw and name == "scripted policy":
                    sw_env_ms = timing.env_ms
                table.add_row(
                    label,
                    name,
                    str(timing.steps),
                    f"{timing.env_ms:.2f}",
                    f"{timing.framework_ms:.2f}",
                    f"{100 * timing.framework_ms / timing.env_ms:.1f}%",
                )
        gold = plans[0][2]
    instant = await timed_runs(InstantEnv(gold), lambda: ScriptedPolicy(gold), runs)
    table.add_row(
        "instant world",
        "scripted policy (ponder graph alone)",
        str(instant.steps),
        f"{instant.env_ms:.2f}",
        f"{instant.framework_ms:.2f}",
        f"{100 * instant.framework_ms / sw_env_ms:.1f}% of SW",
    )
    floor = await langgraph_floor_ms(len(gold), runs)
    hop = await thread_hop_ms(sw_env_ms)
    table.add_row(
        "no environment",
        f"thread hand-off around {sw_env_ms:.1f} ms of work",
        "100",
        "-",
        f"{hop:.2f}",
        f"{100 * hop / sw_env_ms:.1f}% of SW",
    )
    table.add_row(
        "no environment",
        "minimal LangGraph loop (floor)",
        str(runs * len(gold)),
        "-",
        f"{floor:.2f}",
        f"{100 * floor / sw_env_ms:.1f}% of SW",  # the scripted ScienceWorld row's env time
    )
    table.add_row(
        "ScienceWorld boil",
        "reference client env.step",
        str(runs * len(gold)),
        f"{reference_client_ms(gold, runs):.2f}",
        "-",
        "-",
    )
    return table


SETTINGS = (("no reflection", False), ("Reflexion", True))


def progress(label: str) -> Callable[[str, dict[str, Any]], None]:
    """Episode results and lessons on stderr while the slow model plays."""

    def show(node: str, update: dict[str, Any]) -> None:
        line = describe(node, update)
        if line is not None and node != "act":
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
    parser.add_argument("--runs", type=int, default=5, help="winning episodes per timing row")
    parser.add_argument("--skip-model", action="store_true", help="only the timing table")
    parser.add_argument("--skip-timing", action="store_true", help="only the model table")
    parser.add_argument("--model-episodes", type=int, default=3)
    parser.add_argument("--model-steps", type=int, default=8)
    parser.add_argument("--model-seeds", type=int, nargs="+", default=[5, 6])
    args = parser.parse_args()
    console = Console(width=120)
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
