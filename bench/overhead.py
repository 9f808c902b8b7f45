"""What ponder's machinery costs on top of the work it orchestrates.

1. Time per refine trial with a zero-latency scripted model, against (a) a plain Python loop
   making the same agent calls and (b) a minimal hand-built LangGraph loop.
2. Embedded-model tokens/s through ponder (litellm + custom provider) against
   llama-cpp-python called directly on the same model file.

Ratios are measured within one run. Usage: `python bench/overhead.py [--tasks 40] [--skip-model]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from fractions import Fraction
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from rich.console import Console
from rich.table import Table

from ponder.agents import Actor, Evaluator, Reflector
from ponder.graphs import RefineAgents, build_refine_graph, solve
from ponder.llm import LLM, ScriptedLLM
from ponder.llm.local_models import resolve
from ponder.tasks import Feedback, NumericTask

TRIALS = 4


def make_agents() -> RefineAgents:
    llm = ScriptedLLM.from_replies(
        lambda _m: "Answer: 7"
    )  # always wrong: every task uses all trials
    return RefineAgents(actor=Actor(llm), evaluator=Evaluator(), reflector=Reflector(llm))


def tasks(count: int) -> list[NumericTask]:
    return [
        NumericTask(f"t{i}", f"What is {i} + {i}?", Fraction(2 * i + 1000)) for i in range(count)
    ]


async def plain_loop(agents: RefineAgents, task: NumericTask) -> None:
    reflections: list[str] = []
    assert agents.reflector is not None
    for trial in range(1, TRIALS + 1):
        reply = await agents.actor.act(task, reflections[-3:])
        feedback = await agents.evaluator.evaluate(task, reply)
        if feedback.success or trial == TRIALS:
            return
        reflections.append(await agents.reflector.reflect(task, reply, feedback))


class MinimalState(TypedDict, total=False):
    reply: str
    feedback: Feedback
    reflections: list[str]
    trial: int


def minimal_graph(agents: RefineAgents, task: NumericTask) -> Any:
    assert agents.reflector is not None
    reflector = agents.reflector

    async def act(state: MinimalState) -> MinimalState:
        reply = await agents.actor.act(task, state.get("reflections", [])[-3:])
        return {"reply": reply, "trial": state.get("trial", 0) + 1}

    async def evaluate(state: MinimalState) -> MinimalState:
        return {"feedback": await agents.evaluator.evaluate(task, state["reply"])}

    async def reflect(state: MinimalState) -> MinimalState:
        lesson = await reflector.reflect(task, state["reply"], state["feedback"])
        return {"reflections": [*state.get("reflections", []), lesson]}

    def route(state: MinimalState) -> str:
        return END if state["feedback"].success or state["trial"] >= TRIALS else "reflect"

    graph = StateGraph(MinimalState)
    graph.add_node("act", act)
    graph.add_node("evaluate", evaluate)
    graph.add_node("reflect", reflect)
    graph.add_edge(START, "act")
    graph.add_edge("act", "evaluate")
    graph.add_conditional_edges("evaluate", route, ["reflect", END])
    graph.add_edge("reflect", "act")
    return graph.compile()


async def time_per_trial(kind: str, count: int) -> float:
    agents = make_agents()
    work = tasks(count)
    started = time.perf_counter()
    if kind == "plain loop":
        for task in work:
            await plain_loop(agents, task)
    elif kind == "minimal LangGraph":
        for task in work:
            await minimal_graph(agents, task).ainvoke({"trial": 0}, {"recursion_limit": 50})
    else:
        graph = build_refine_graph(agents, max_trials=TRIALS)
        for task in work:
            await solve(graph, task)
    return (time.perf_counter() - started) / (count * TRIALS)


async def trial_overhead(count: int) -> Table:
    await time_per_trial("ponder refine", 4)  # warm imports and litellm's first-call setup
    kinds = ["plain loop", "minimal LangGraph", "ponder refine"]
    best = {kind: min([await time_per_trial(kind, count) for _ in range(3)]) for kind in kinds}
    table = Table(
        title=f"refine trial overhead, scripted zero-latency model ({count} tasks x {TRIALS} trials)"
    )
    for column in ("loop", "ms / trial", "vs plain loop", "vs minimal LangGraph"):
        table.add_column(column, justify="right" if column != "loop" else "left")
    for kind in kinds:
        table.add_row(
            kind,
            f"{best[kind] * 1000:.2f}",
            f"{best[kind] / best['plain loop']:.2f}x",
            f"{best[kind] / best['minimal LangGraph']:.2f}x",
        )
    return table


PROMPT = [{"role": "user", "content": "Write three sentences about the moon."}]


async def model_rates(max_tokens: int, reps: int) -> tuple[float, float]:
    """Median tokens/s of both paths, interleaved so machine noise hits both alike."""
    from llama_cpp import Llama

    llama = Llama(
        model_path=str(resolve("smollm2-135m").path),
        n_ctx=4096,
        n_threads=os.cpu_count(),
        verbose=False,
    )
    llm = LLM("local/smollm2-135m", temperature=0.0, max_tokens=max_tokens)
    direct, through = [], []
    for rep in range(reps + 1):  # rep 0 warms both
        started = time.perf_counter()
        out: Any = llama.create_chat_completion(
            messages=PROMPT,  # type: ignore[arg-type]
            max_tokens=max_tokens,
            temperature=0.0,
            seed=rep,
        )
        direct_rate = out["usage"]["completion_tokens"] / (time.perf_counter() - started)
        started = time.perf_counter()
        completion = await llm.complete(PROMPT, seed=rep)  # type: ignore[arg-type]
        through_rate = completion.usage.completion_tokens / (time.perf_counter() - started)
        if rep:
            direct.append(direct_rate)
            through.append(through_rate)
    llama.close()
    return statistics.median(direct), statistics.median(through)


def model_throughput(max_tokens: int, reps: int) -> Table:
    direct, through = asyncio.run(model_rates(max_tokens, reps))
    table = Table(
        title=f"embedded SmolLM2-135M tokens/s (median of {reps}, {max_tokens} tokens, greedy)"
    )
    for column in ("path", "tokens/s", "vs direct"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row("llama-cpp-python direct", f"{direct:.1f}", "1.00x")
    table.add_row("ponder LLM (litellm provider)", f"{through:.1f}", f"{through / direct:.2f}x")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-model", action="store_true", help="only the scripted-model table")
    args = parser.parse_args()
    console = Console()
    console.print(asyncio.run(trial_overhead(args.tasks)))
    if not args.skip_model:
        console.print(model_throughput(args.tokens, args.reps))


if __name__ == "__main__":
    main()
