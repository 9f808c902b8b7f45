"""Reflexion and Self-Refine as one LangGraph state machine.

reflexion:   act -> evaluate -> [solved | out of trials -> END] -> reflect -> act
self-refine: act -> critique -> [critic satisfied | out of rounds -> score -> END] -> act (revise)

The task itself is not graph state: it travels in the run context (`RefineContext`), so
checkpoints stay small and serialisable and a resumed run rebuilds it from the scenario.
Every loop has an explicit bound, and the recursion limit is derived from it, so a run ends
on its own stop condition, never on LangGraph's `GraphRecursionError`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict, cast

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from ponder.agents import Actor, Critic, Evaluator, Reflector
from ponder.graphs._hooks import MemoryHooks
from ponder.graphs._run import StepCallback, run_to_end
from ponder.llm import LLM
from ponder.tasks import Feedback, Task

Mode = Literal["reflexion", "self-refine"]
MODES: tuple[Mode, ...] = ("reflexion", "self-refine")


class FeedbackRecord(TypedDict):
    """`Feedback` as plain data, so it can live in a checkpoint."""

    success: bool
    score: float
    message: str


class RefineState(TypedDict, total=False):
    """What one task's refinement has produced so far; lists only ever grow."""

    task_id: str
    notes: list[str]
    trial: int
    attempts: Annotated[list[str], operator.add]
    feedback: Annotated[list[FeedbackRecord], operator.add]
    reflections: Annotated[list[str], operator.add]
    critiques: Annotated[list[str], operator.add]
    solved: bool
    stop_reason: str


RefineGraph = CompiledStateGraph["RefineState", "RefineContext", "RefineState", "RefineState"]


@dataclass(frozen=True)
class RefineContext:
    """Per-invocation data that is not checkpointed: the task object with its checker."""

    task: Task


def _record(feedback: Feedback) -> FeedbackRecord:
    return {"success": feedback.success, "score": feedback.score, "message": feedback.message}


@dataclass(frozen=True)
class RefineAgents:
    """The roles the refine graph calls; `critic` is needed only for self-refine."""

    actor: Actor
    evaluator: Evaluator
    reflector: Reflector | None = None
    critic: Critic | None = None

    @classmethod
    def from_llm(cls, llm: LLM, judge: LLM | None = None) -> RefineAgents:
        """All roles on one model; the judge grades tasks that have no checker."""
        return cls(Actor(llm), Evaluator(judge), Reflector(llm), Critic(llm))


def recursion_limit(max_trials: int) -> int:
    """Supersteps a run can take: three nodes per trial, final scoring, recall and write."""
    return 3 * max_trials + 6


def build_refine_graph(
    agents: RefineAgents,
    *,
    mode: Mode = "reflexion",
    max_trials: int = 3,
    reflection_window: int = 3,
    checkpointer: Checkpointer = None,
    memory: MemoryHooks | None = None,
) -> RefineGraph:
    """Compile the graph. `reflection_window` bounds how many past reflections the actor reads.

    With `memory`, a recall node puts notes from earlier tasks in front of the first attempt
    and a write node stores what this task taught once it ends.
    """
    if max_trials < 1:
        raise ValueError("max_trials must be at least 1")
    if mode == "reflexion" and agents.reflector is None:
        raise ValueError("reflexion mode needs a reflector")
    if mode == "self-refine" and agents.critic is None:
        raise ValueError("self-refine mode needs a critic")

    async def act(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        task = runtime.context.task
        critiques = state.get("critiques", [])
        if mode == "self-refine" and critiques:
            reply = await agents.actor.revise(task, state["attempts"][-1], critiques[-1])
        else:
            notes = [*state.get("notes", []), *state.get("reflections", [])[-reflection_window:]]
            reply = await agents.actor.act(task, notes)
        return {"attempts": [reply], "trial": state.get("trial", 0) + 1}

    async def evaluate(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        feedback = await agents.evaluator.evaluate(runtime.context.task, state["attempts"][-1])
        return {"feedback": [_record(feedback)], "solved": feedback.success}

    async def reflect(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        assert agents.reflector is not None
        last = state["feedback"][-1]
        lesson = await agents.reflector.reflect(
            runtime.context.task,
            state["attempts"][-1],
            Feedback(last["success"], last["score"], last["message"]),
        )
        return {"reflections": [lesson]}

    async def critique(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        assert agents.critic is not None
        verdict = await agents.critic.critique(runtime.context.task.prompt(), state["attempts"][-1])
        update: dict[str, Any] = {"critiques": [verdict.text]}
        if verdict.done:
            update["stop_reason"] = "critic satisfied"
        return update

    # Routers are coroutines so LangGraph runs them on the event loop: a plain function
    # would be sent to a worker thread, one thread hand-off per step.
    async def after_evaluate(state: RefineState) -> str:
        if state.get("solved"):
            return "solved"
        return "exhausted" if state["trial"] >= max_trials else "reflect"

    async def after_critique(state: RefineState) -> str:
        if state.get("stop_reason") == "critic satisfied" or state["trial"] >= max_trials:
            return "score"
        return "act"

    async def recall(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        assert memory is not None
        return {"notes": [*state.get("notes", []), *await memory.recall(runtime.context.task)]}

    async def remember(state: RefineState, runtime: Runtime[RefineContext]) -> dict[str, Any]:
        assert memory is not None
        await memory.remember(runtime.context.task, state)
        return {}

    def finish(reason: str) -> Any:
        async def node(state: RefineState) -> dict[str, Any]:
            return {"stop_reason": state.get("stop_reason") or reason}

        return node

    graph = StateGraph(RefineState, context_schema=RefineContext)
    graph.add_node("act", act)
    if memory is not None:
        graph.add_node("recall", recall)
        graph.add_node("remember", remember)
        graph.add_edge(START, "recall")
        graph.add_edge("recall", "act")
        graph.add_edge("remember", END)
    else:
        graph.add_edge(START, "act")
    last = "remember" if memory is not None else END
    if mode == "reflexion":
        graph.add_node("evaluate", evaluate)
        graph.add_node("reflect", reflect)
        graph.add_node("solved", finish("solved"))
        graph.add_node("exhausted", finish("out of trials"))
        graph.add_edge("act", "evaluate")
        graph.add_conditional_edges("evaluate", after_evaluate, ["solved", "exhausted", "reflect"])
        graph.add_edge("reflect", "act")
        graph.add_edge("solved", last)
        graph.add_edge("exhausted", last)
    else:
        graph.add_node("critique", critique)
        graph.add_node("score", evaluate)
        graph.add_node("done", finish("out of rounds"))
        graph.add_edge("act", "critique")
        graph.add_conditional_edges("critique", after_critique, ["score", "act"])
        graph.add_edge("score", "done")
        graph.add_edge("done", last)
    compiled = graph.compile(checkpointer=checkpointer, name=f"refine-{mode}")
    return compiled.with_config(recursion_limit=recursion_limit(max_trials))


async def solve(
    graph: RefineGraph,
    task: Task,
    *,
    notes: list[str] | None = None,
    thread_id: str | None = None,
    on_step: StepCallback | None = None,
) -> RefineState:
    """Run one task to its stop condition; with a checkpointer and `thread_id` it resumes."""
    start: RefineState = {"task_id": task.id, "notes": notes or [], "trial": 0}
    final = await run_to_end(
        graph, start, RefineContext(task), thread_id=thread_id or task.id, on_step=on_step
    )
    return cast(RefineState, final)
