"""Role-based collaboration: members take turns (e.g. planner -> solver -> critic -> reviser).

The critic's words are the feedback. The loop ends when the critic approves, when the task's
checker accepts the latest solution (if `stop_on_checker`), or after `max_rounds` critiques.
After a rejection, work resumes with the members after the critic (a reviser) or, if there
are none, with the members before it, and goes back to the critic.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated, Any, TypedDict, cast

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from ponder.agents.team import Contribution, TeamMember
from ponder.graphs._hooks import MemoryHooks
from ponder.graphs._run import StepCallback, run_to_end
from ponder.tasks import Task


class TeamTurn(TypedDict):
    round: int
    role: str
    text: str


class RolesState(TypedDict, total=False):
    task_id: str
    round: int
    turns: Annotated[list[TeamTurn], operator.add]
    approved: bool
    solved: bool
    score: float
    feedback: str
    answer: str
    stop_reason: str


@dataclass(frozen=True)
class RolesContext:
    task: Task


RolesGraph = CompiledStateGraph[RolesState, RolesContext, RolesState, RolesState]


def _latest_solution(state: RolesState, critics: set[str]) -> str:
    solutions = [turn["text"] for turn in state.get("turns", []) if turn["role"] not in critics]
    return solutions[-1] if solutions else ""


def build_roles_graph(
    members: Sequence[TeamMember],
    *,
    max_rounds: int = 3,
    stop_on_checker: bool = True,
    checkpointer: Checkpointer = None,
    memory: MemoryHooks | None = None,
) -> RolesGraph:
    """Compile a team graph; exactly one member must be the critic.

    With `memory`, the outcome is stored once the team stops: its solutions as the trajectory
    and the critic's words as lessons.
    """
    critics = [index for index, member in enumerate(members) if member.critic]
    if len(critics) != 1:
        raise ValueError("a team needs exactly one critic")
    if len({member.name for member in members}) != len(members):
        raise ValueError("team member names must be unique")
    if max_rounds < 1:
        raise ValueError("max_rounds must be at least 1")
    critic_at = critics[0]
    names = [member.name for member in members]
    critic_name = names[critic_at]
    revisers = names[critic_at + 1 :] or names[:critic_at]
    if not revisers:
        raise ValueError("a team needs at least one member besides the critic")

    def member_node(member: TeamMember) -> Any:
        async def node(state: RolesState, runtime: Runtime[RolesContext]) -> dict[str, Any]:
            transcript = [Contribution(t["role"], t["text"]) for t in state.get("turns", [])]
            text = await member.contribute(runtime.context.task, transcript)
            update: dict[str, Any] = {
                "turns": [{"round": state.get("round", 1), "role": member.name, "text": text}]
            }
            if member.critic:
                update["approved"] = member.approves(text)
                update["round"] = state.get("round", 1) + 1
            return update

        return node

    async def check(state: RolesState, runtime: Runtime[RolesContext]) -> dict[str, Any]:
        task = runtime.context.task
        solution = _latest_solution(state, {critic_name})
        answer = task.extract(solution) or ""
        update: dict[str, Any] = {"answer": answer}
        if task.has_checker:
            feedback = task.check(answer) if answer else None
            update |= {
                "solved": bool(feedback and feedback.success),
                "score": feedback.score if feedback else 0.0,
                "feedback": feedback.message if feedback else "no final answer",
            }
        if state.get("approved"):
            update["stop_reason"] = "critic approved"
        elif stop_on_checker and update.get("solved"):
            update["stop_reason"] = "checker accepted"
        elif state.get("round", 1) > max_rounds:
            update["stop_reason"] = "out of rounds"
        return update

    async def remember(state: RolesState, runtime: Runtime[RolesContext]) -> dict[str, Any]:
        assert memory is not None
        turns = state.get("turns", [])
        outcome = {
            "attempts": [t["text"] for t in turns if t["role"] != critic_name],
            "reflections": [t["text"] for t in turns if t["role"] == critic_name and not state.get("approved")],
            "feedback": [{"success": state.get("solved", False), "score": state.get("score", 0.0),
                          "message": state.get("feedback", "")}],
            "solved": state.get("solved", False),
        }  # fmt: skip
        await memory.remember(runtime.context.task, outcome)
        return {}

    finished = "remember" if memory is not None else END

    # Routers are coroutines so LangGraph runs them on the event loop: a plain function
    # would be sent to a worker thread, one thread hand-off per step.
    async def after_check(state: RolesState) -> str:
        return finished if state.get("stop_reason") else revisers[0]

    graph = StateGraph(RolesState, context_schema=RolesContext)
    for member in members:
        graph.add_node(member.name, member_node(member))
    graph.add_node("check", check)
    graph.add_edge(START, names[0])
    first_pass = list(pairwise(names[: critic_at + 1]))
    revision_pass = list(zip(revisers, [*revisers[1:], critic_name], strict=True))
    for current, following in dict.fromkeys(first_pass + revision_pass):
        graph.add_edge(current, following)
    graph.add_edge(critic_name, "check")
    graph.add_conditional_edges("check", after_check, [revisers[0], finished])
    if memory is not None:
        graph.add_node("remember", remember)
        graph.add_edge("remember", END)
    compiled = graph.compile(checkpointer=checkpointer, name="roles")
    return compiled.with_config(recursion_limit=(len(members) + 1) * (max_rounds + 1) + 5)


async def collaborate(
    graph: RolesGraph,
    task: Task,
    *,
    thread_id: str | None = None,
    on_step: StepCallback | None = None,
) -> RolesState:
    """Run the team on `task` until approval, checker success or the round limit."""
    start: RolesState = {"task_id": task.id, "round": 1}
    final = await run_to_end(
        graph, start, RolesContext(task), thread_id=thread_id or task.id, on_step=on_step
    )
    return cast(RolesState, final)
