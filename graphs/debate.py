"""Multi-agent debate: N agents answer in parallel, read each other, and revise, for R rounds.

open_round --Send x N--> debater (parallel) --> aggregate --[agreement | rounds left]-->
    open_round | decide --> END

Every debater of a round runs in the same superstep (LangGraph `Send` fan-out); their turns
are appended to one list through an `operator.add` reducer, which is what lets parallel
branches write to the same key without losing writes. The task travels in the run context.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict, cast

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer, Send

from ponder.agents.debater import DebateJudge, Debater, PeerView
from ponder.graphs._hooks import MemoryHooks
from ponder.graphs._run import StepCallback, run_to_end
from ponder.tasks import Task

Topology = Literal["full", "sparse"]
Aggregation = Literal["majority", "judge", "verifier"]
Scorer = Callable[[Task, str], Awaitable[float]]


class Turn(TypedDict):
    """One debater's contribution in one round."""

    round: int
    agent: int
    name: str
    text: str
    answer: str | None


class DebateState(TypedDict, total=False):
    task_id: str
    round: int
    turns: Annotated[list[Turn], operator.add]
    final_answer: str
    final_text: str
    decided_by: str
    solved: bool
    score: float
    feedback: str
    stop_reason: str


class _DebaterInput(TypedDict):
    round: int
    agent: int
    own: str
    peers: list[PeerView]


@dataclass(frozen=True)
class DebateContext:
    task: Task


@dataclass(frozen=True)
class DebateConfig:
    """How the debate runs; `scorer` is needed for `aggregate="verifier"`, `judge` for `"judge"`."""

    rounds: int = 3
    topology: Topology = "full"
    aggregate: Aggregation = "majority"
    early_stop: bool = True
    judge: DebateJudge | None = None
    scorer: Scorer | None = field(default=None, repr=False)


DebateGraph = CompiledStateGraph[DebateState, DebateContext, DebateState, DebateState]


def visible_peers(agent: int, count: int, topology: Topology) -> list[int]:
    """Whom an agent reads: everyone else (full) or its two ring neighbours (sparse)."""
    if topology == "full" or count <= 3:
        return [other for other in range(count) if other != agent]
    return sorted({(agent - 1) % count, (agent + 1) % count})


def majority(answers: Sequence[str | None]) -> int | None:
    """Index of the first turn holding the most common extracted answer."""
    counted = Counter(answer for answer in answers if answer is not None)
    if not counted:
        return None
    top = counted.most_common(1)[0][0]
    return next(index for index, answer in enumerate(answers) if answer == top)


def build_debate_graph(
    debaters: Sequence[Debater],
    config: DebateConfig = DebateConfig(),
    checkpointer: Checkpointer = None,
    memory: MemoryHooks | None = None,
) -> DebateGraph:
    """Compile the debate graph; with `memory`, the decided outcome is stored as an experience."""
    if len(debaters) < 2:
        raise ValueError("a debate needs at least two debaters")
    if config.rounds < 1:
        raise ValueError("rounds must be at least 1")
    if config.aggregate == "judge" and config.judge is None:
        raise ValueError("aggregate='judge' needs a judge")
    if config.aggregate == "verifier" and config.scorer is None:
        raise ValueError("aggregate='verifier' needs a scorer")
    count = len(debaters)

    def latest(state: DebateState) -> list[Turn]:
        current = state.get("round", 0)
        return sorted(
            (turn for turn in state.get("turns", []) if turn["round"] == current),
            key=lambda t: t["agent"],
        )

    async def open_round(state: DebateState) -> dict[str, Any]:
        return {"round": state.get("round", 0) + 1}

    # Routers are coroutines so LangGraph runs them on the event loop: a plain function
    # would be sent to a worker thread, one thread hand-off per step.
    async def fan_out(state: DebateState) -> list[Send]:
        previous = {
            turn["agent"]: turn
            for turn in state.get("turns", [])
            if turn["round"] == state["round"] - 1
        }
        sends = []
        for agent in range(count):
            own = previous.get(agent)
            peers = [
                PeerView(previous[other]["name"], previous[other]["text"])
                for other in visible_peers(agent, count, config.topology)
                if other in previous
            ]
            payload: _DebaterInput = {
                "round": state["round"],
                "agent": agent,
                "own": own["text"] if own else "",
                "peers": peers,
            }
            sends.append(Send("debater", payload))
        return sends

    async def debater(payload: _DebaterInput, runtime: Runtime[DebateContext]) -> dict[str, Any]:
        task, agent = runtime.context.task, debaters[payload["agent"]]
        if payload["round"] == 1 or not payload["peers"]:
            text = await agent.open(task)
        else:
            text = await agent.update(task, payload["own"], payload["peers"])
        turn: Turn = {
            "round": payload["round"],
            "agent": payload["agent"],
            "name": agent.name,
            "text": text,
            "answer": task.extract(text),
        }
        return {"turns": [turn]}

    async def aggregate(state: DebateState) -> dict[str, Any]:
        answers = [turn["answer"] for turn in latest(state)]
        if config.early_stop and None not in answers and len(set(answers)) == 1:
            return {"stop_reason": "consensus"}
        if state["round"] >= config.rounds:
            return {"stop_reason": "out of rounds"}
        return {}

    async def after_aggregate(state: DebateState) -> str:
        return "decide" if state.get("stop_reason") else "open_round"

    async def decide(state: DebateState, runtime: Runtime[DebateContext]) -> dict[str, Any]:
        task, turns = runtime.context.task, latest(state)
        chosen: int | None
        if state.get("stop_reason") == "consensus":
            chosen, method = 0, "consensus"
        elif config.aggregate == "judge":
            assert config.judge is not None
            chosen, method = await config.judge.choose(task, [t["text"] for t in turns]), "judge"
            if chosen is None:
                chosen, method = (
                    majority([t["answer"] for t in turns]),
                    "majority (judge gave no valid choice)",
                )
        elif config.aggregate == "verifier":
            assert config.scorer is not None
            scores = [await config.scorer(task, t["text"]) for t in turns]
            chosen, method = max(range(len(turns)), key=scores.__getitem__), "verifier"
        else:
            chosen, method = majority([t["answer"] for t in turns]), "majority"
        winner = turns[chosen if chosen is not None else 0]
        update: dict[str, Any] = {
            "final_answer": winner["answer"] or "",
            "final_text": winner["text"],
            "decided_by": method,
        }
        if task.has_checker:  # scored for the report; the debaters never see it
            feedback = task.check(winner["answer"]) if winner["answer"] else None
            update |= {
                "solved": bool(feedback and feedback.success),
                "score": feedback.score if feedback else 0.0,
                "feedback": feedback.message if feedback else "no final answer",
            }
        return update

    async def remember(state: DebateState, runtime: Runtime[DebateContext]) -> dict[str, Any]:
        assert memory is not None
        outcome = {
            "attempts": [state.get("final_text", "")],
            "feedback": [{"success": state.get("solved", False), "score": state.get("score", 0.0),
                          "message": state.get("feedback", "")}],
            "solved": state.get("solved", False),
        }  # fmt: skip
        await memory.remember(runtime.context.task, outcome)
        return {}

    graph = StateGraph(DebateState, context_schema=DebateContext)
    graph.add_node("open_round", open_round)
    graph.add_node("debater", debater)  # type: ignore[arg-type]  # takes a Send payload
    graph.add_node("aggregate", aggregate)
    graph.add_node("decide", decide)
    graph.add_edge(START, "open_round")
    graph.add_conditional_edges("open_round", fan_out, ["debater"])
    graph.add_edge("debater", "aggregate")
    graph.add_conditional_edges("aggregate", after_aggregate, ["open_round", "decide"])
    if memory is not None:
        graph.add_node("remember", remember)
        graph.add_edge("decide", "remember")
        graph.add_edge("remember", END)
    else:
        graph.add_edge("decide", END)
    compiled = graph.compile(checkpointer=checkpointer, name="debate")
    return compiled.with_config(recursion_limit=3 * config.rounds + 5)


async def debate(
    graph: DebateGraph,
    task: Task,
    *,
    thread_id: str | None = None,
    on_step: StepCallback | None = None,
) -> DebateState:
    """Run one debate on `task` to consensus or its last round."""
    start: DebateState = {"task_id": task.id, "round": 0}
    final = await run_to_end(
        graph, start, DebateContext(task), thread_id=thread_id or task.id, on_step=on_step
    )
    return cast(DebateState, final)
