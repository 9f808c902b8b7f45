"""Debate wall time with a slow scripted model: are the debaters of a round really parallel?

A scripted model sleeps L ms per call. A debate with N agents and R rounds (no early stop)
makes N*R calls; run sequentially that is N*R*L, perfectly parallel within rounds R*L.
Usage: `python bench/concurrency.py [--agents 8] [--rounds 3] [--latency-ms 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from fractions import Fraction

from rich.console import Console
from rich.table import Table

from ponder.agents.debater import Debater
from ponder.graphs.debate import DebateConfig, build_debate_graph, debate
from ponder.llm import ScriptedLLM
from ponder.tasks import NumericTask


async def debate_wall_time(agents: int, rounds: int, latency_s: float) -> float:
    debaters = [
        Debater(
            f"agent{i}", ScriptedLLM.from_replies(lambda _m, i=i: f"Answer: {i}", delay_s=latency_s)
        )
        for i in range(agents)
    ]
    graph = build_debate_graph(debaters, DebateConfig(rounds=rounds, early_stop=False))
    task = NumericTask("bench", "What is 1 + 1?", Fraction(2))
    started = time.perf_counter()
    state = await debate(graph, task)
    elapsed = time.perf_counter() - started
    assert len(state["turns"]) == agents * rounds
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    asyncio.run(debate_wall_time(2, 1, 0.0))  # warm litellm and LangGraph
    best = min(
        asyncio.run(debate_wall_time(args.agents, args.rounds, latency))
        for _ in range(args.repeats)
    )
    ideal = args.rounds * latency
    sequential = args.agents * args.rounds * latency
    table = Table(
        title=f"debate N={args.agents}, R={args.rounds}, L={args.latency_ms:g} ms (best of {args.repeats})"
    )
    for column in ("measure", "seconds", "vs ideal R*L", "vs sequential N*R*L"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    table.add_row("ideal R*L", f"{ideal:.3f}", "1.00x", f"{ideal / sequential:.3f}x")
    table.add_row("sequential N*R*L", f"{sequential:.3f}", f"{sequential / ideal:.2f}x", "1.000x")
    table.add_row(
        "ponder debate", f"{best:.3f}", f"{best / ideal:.2f}x", f"{best / sequential:.3f}x"
    )
    Console().print(table)


if __name__ == "__main__":
    main()
