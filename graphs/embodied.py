"""An embodied agent acting in an environment over several episodes, reflecting in between.

    reset -> act -> [not done and under the step limit -> act]
                 -> [episode failed] -> reflect -> reset   (Reflexion, as for ALFWorld)
                 -> [won, or out of episodes] -> remember -> END   (END at once without memory)

`reset` starts an episode and sends its first command. `act` collects the world's answer to
the command sent before, observes (the recent observations and, for policies that ask, the
valid actions), asks the policy for one command (ReAct: a thought, then an action), sends
it, and routes itself to the next step; the `act` that collects an episode's last answer
records how the episode ended and routes the run. Thinking, stepping and routing share one
node because every LangGraph superstep and every runnable in it costs time on each
environment step; the command is sent rather than awaited so that the simulator computes
while LangGraph does its bookkeeping between two nodes (see `_env_driver` and
`bench/embodied.py`). A failed episode is turned into a lesson by the reflector, and the
next episode starts with it. Memory plugs in through two callables, so this module never
imports it: `recall(task)` returns notes for the first
episode, and `remember(task, outcome)` receives every trajectory, verdict and lesson when
the run ends (the mapping `ponder.memory.remember` reads).

The environment is not graph state: it travels in the run context, driven by an
`EnvironmentDriver` that knows where it is. A run resumed in a new process finds a fresh
environment there, and the episode in progress is replayed from its recorded commands before
the agent acts again. Every loop is bounded and the recursion limit is derived from the
bounds.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict, cast

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer, Command

from ponder.agents.embodied import Policy, View
from ponder.agents.reflector import Reflector
from ponder.envs import Environment, EnvironmentCrashed, EnvTask
from ponder.graphs._env_driver import EnvironmentDriver
from ponder.graphs._run import StepCallback, run_to_end
from ponder.tasks import Feedback, Task

Recall = Callable[[Task], Awaitable[Sequence[str]] | Sequence[str]]
Remember = Callable[[Task, Mapping[str, Any]], Awaitable[Any] | Any]

_TRAJECTORY_STEPS = 40  # the reflector reads at most this many last steps
_OBSERVATION_CHARS = 300


class Sent(TypedDict):
    """A command sent to the environment whose answer the next `act` node collects."""

    step: int
    thought: str
    action: str
    proposed: str


class StepRecord(Sent):
    """One command and what the world answered; plain data, so it can be checkpointed."""

    episode: int
    observation: str
    score: float
    done: bool


class EpisodeRecord(TypedDict):
    """How one episode ended."""

    episode: int
    success: bool
    score: float
    steps: int
    stop_reason: str


class EmbodiedState(TypedDict, total=False):
    """The whole run; `steps`, `episodes` and `lessons` only ever grow."""

    task_id: str
    task: str
    notes: list[str]
    episode: int
    step: int
    start: str
    score: float
    done: bool
    won: bool
    error: str
    pending: Sent | None
    steps: Annotated[list[StepRecord], operator.add]
    episodes: Annotated[list[EpisodeRecord], operator.add]
    lessons: Annotated[list[str], operator.add]
    stop_reason: str


EmbodiedGraph = CompiledStateGraph[
    "EmbodiedState", "EmbodiedContext", "EmbodiedState", "EmbodiedState"
]


@dataclass
class EmbodiedContext:
    """Per-process objects that are not checkpointed: the environment and the memory hooks."""

    env: Environment
    recall: Recall | None = None
    remember: Remember | None = None
    driver: EnvironmentDriver = field(init=False)

    def __post_init__(self) -> None:
        self.driver = EnvironmentDriver(self.env)


@dataclass(frozen=True)
class EmbodiedAgents:
    """The policy that acts and, for Reflexion, the reflector that writes lessons."""

    policy: Policy
    reflector: Reflector | None = None


def recursion_limit(max_episodes: int, max_steps: int) -> int:
    """Supersteps a run can take.

    Per episode: reset (which sends the first command), one `act` per step (each collects
    one command), and reflect; then remember, and LangGraph counts the input as a step.
    """
    return max_episodes * (max_steps + 2) + 2


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def episode_steps(state: Mapping[str, Any], episode: int) -> list[StepRecord]:
    return [record for record in state.get("steps", []) if record["episode"] == episode]


def render_trajectory(
    start: str, steps: Sequence[StepRecord], limit: int = _TRAJECTORY_STEPS
) -> str:
    """An episode as text for the reflector and for memory: `> command` then the reply."""
    lines = [start[:_OBSERVATION_CHARS]] if start else []
    if len(steps) > limit:
        lines.append(f"[... {len(steps) - limit} earlier steps left out ...]")
    for record in steps[-limit:]:
        lines.append(f"> {record['action']}")
        lines.append(f"{record['observation'][:_OBSERVATION_CHARS]} (score {record['score']:g})")
    return "\n".join(lines)


def _verdict(record: EpisodeRecord) -> str:
    if record["success"]:
        return f"The task was completed in {record['steps']} steps (score {record['score']:g}/100)."
    return (
        f"The episode failed after {record['steps']} steps with score {record['score']:g}/100: "
        f"{record['stop_reason']}."
    )


def episode_record(state: Mapping[str, Any], max_steps: int) -> EpisodeRecord:
    """How the episode in `state` ended, and why."""
    won = bool(state.get("won"))
    if won:
        reason = "won"
    elif state.get("error"):
        reason = state["error"]
    elif state.get("done"):
        reason = "the episode ended without reaching the goal"
    else:
        reason = f"step limit ({max_steps}) reached"
    return {
        "episode": state["episode"],
        "success": won,
        "score": state.get("score", 0.0),
        "steps": state.get("step", 0),
        "stop_reason": reason,
    }


def build_embodied_graph(
    agents: EmbodiedAgents,
    *,
    max_episodes: int = 3,
    max_steps: int = 30,
    history_window: int = 12,
    reflection_window: int = 3,
    checkpointer: Checkpointer = None,
) -> EmbodiedGraph:
    """Compile the graph; `history_window` bounds the steps handed to the policy."""
    if max_episodes < 1 or max_steps < 1:
        raise ValueError("max_episodes and max_steps must be at least 1")
    policy, reflector = agents.policy, agents.reflector

    def run_over(stop_reason: str, ctx: EmbodiedContext) -> tuple[dict[str, Any], str]:
        return {"stop_reason": stop_reason}, END if ctx.remember is None else "remember"

    def end_episode(
        now: Mapping[str, Any], update: dict[str, Any], ctx: EmbodiedContext
    ) -> Command[str]:
        """Close the episode within the node that saw it end, and say where the run goes.

        `now` is the state with the node's `update` applied. Done here rather than in a node
        of its own: the world has nothing in flight at an episode's end, so every superstep
        there adds its whole cost to the run.
        """
        record = episode_record(now, max_steps)
        update = update | {"episodes": [record]}
        last_episode = now["episode"] >= max_episodes
        if record["success"]:
            ending, goto = run_over("won", ctx)
        # After the last episode a lesson only helps when memory will keep it.
        elif reflector is not None and (not last_episode or ctx.remember is not None):
            ending, goto = {}, "reflect"
        elif not last_episode:
            ending, goto = {}, "reset"
        else:
            ending, goto = run_over("out of episodes", ctx)
        return Command(update=update | ending, goto=goto)

    async def think_and_send(
        now: Mapping[str, Any],
        update: dict[str, Any],
        steps: Sequence[StepRecord],
        ctx: EmbodiedContext,
    ) -> Command[str]:
        """Observe, ask the policy for one command, and send it; the next `act` collects it.

        `now` is the state with the node's `update` applied and `steps` the episode so far.
        """
        try:
            valid = await ctx.driver.valid_actions() if policy.needs_valid_actions else None
        except EnvironmentCrashed as error:
            failed = update | {"done": True, "error": str(error)}
            return end_episode({**now, **failed}, failed, ctx)
        recent = steps[-history_window:]
        history = [("", now.get("start", ""))] if len(recent) < history_window else []
        history += [(record["action"], record["observation"]) for record in recent]
        view = View(
            task=now.get("task", ""),
            history=history,
            valid_actions=valid,
            notes=[*now.get("notes", []), *now.get("lessons", [])[-reflection_window:]],
            step=len(steps),
            score=now.get("score", 0.0),
        )
        decision = await policy.decide(view)
        ctx.driver.send(decision.action)
        pending: Sent = {
            "step": len(steps) + 1,
            "thought": decision.thought,
            "action": decision.action,
            "proposed": decision.proposed,
        }
        return Command(update=update | {"pending": pending}, goto="act")

    async def reset(state: EmbodiedState, runtime: Runtime[EmbodiedContext]) -> Command[str]:
        """Start an episode and send its first command.

        Sending it here, like every later command, lets the world compute while LangGraph
        moves on to the first `act`, instead of that superstep waiting on an idle world.
        """
        ctx = runtime.context
        episode = state.get("episode", 0) + 1
        update: dict[str, Any] = {
            "episode": episode,
            "step": 0,
            "score": 0.0,
            "done": False,
            "won": False,
            "error": "",
            "pending": None,
        }
        try:
            update["start"] = await ctx.driver.reset(episode)
        except EnvironmentCrashed as error:
            failed = update | {"start": "", "done": True, "error": str(error)}
            return end_episode({**state, **failed}, failed, ctx)
        task = ctx.env.task
        update |= {"task_id": task.id, "task": task.description}
        if "notes" not in state and ctx.recall is not None:
            update["notes"] = [str(note) for note in await _maybe_await(ctx.recall(task))]
        return await think_and_send({**state, **update}, update, [], ctx)

    async def collect(
        state: EmbodiedState, ctx: EmbodiedContext, sent: Sent, done_commands: list[str]
    ) -> dict[str, Any]:
        """The update that records the step in flight with the world's answer to it."""
        episode = state["episode"]
        update: dict[str, Any] = {"pending": None, "step": sent["step"]}
        try:
            result = await ctx.driver.collect(episode, done_commands, sent["action"])
        except EnvironmentCrashed as error:
            observation, score, done = str(error), state.get("score", 0.0), True
            update |= {"error": str(error), "won": False}
        else:
            observation, score, done = result.observation, result.score, result.done
            update["won"] = ctx.env.won
        record: StepRecord = {
            "episode": episode,
            **sent,
            "observation": observation,
            "score": score,
            "done": done,
        }
        return update | {"steps": [record], "score": score, "done": done}

    async def act(state: EmbodiedState, runtime: Runtime[EmbodiedContext]) -> Command[str]:
        """Record the step in flight, think, send the next command, and say where to go next.

        The node routes itself with a `Command` rather than through a conditional edge: a
        router is one more runnable per superstep, and at one superstep per environment step
        it cost a third of the graph's own time. The command it chooses is sent, not awaited:
        the next `act` collects it (see `_env_driver`).
        """
        ctx = runtime.context
        sent = state.get("pending")
        assert sent is not None, "every act collects the command its predecessor sent"
        steps = episode_steps(state, state["episode"])
        update = await collect(state, ctx, sent, [record["action"] for record in steps])
        now = {**state, **update}
        if update["done"] or sent["step"] >= max_steps:
            return end_episode(now, update, ctx)
        return await think_and_send(now, update, [*steps, *update["steps"]], ctx)

    async def reflect(state: EmbodiedState, runtime: Runtime[EmbodiedContext]) -> Command[str]:
        assert reflector is not None
        last = state["episodes"][-1]
        task = EnvTask(state.get("task_id", ""), state.get("task", ""))
        trajectory = render_trajectory(
            state.get("start", ""), episode_steps(state, state["episode"])
        )
        feedback = Feedback(False, last["score"], _verdict(last))
        update = {"lessons": [await reflector.reflect(task, trajectory, feedback)]}
        if state["episode"] < max_episodes:
            return Command(update=update, goto="reset")
        ending, goto = run_over("out of episodes", runtime.context)
        return Command(update=update | ending, goto=goto)

    async def remember(state: EmbodiedState, runtime: Runtime[EmbodiedContext]) -> None:
        """Hand the whole run to memory once; runs only when memory is attached."""
        ctx = runtime.context
        assert ctx.remember is not None
        task = EnvTask(state.get("task_id", ""), state.get("task", ""))
        await _maybe_await(ctx.remember(task, outcome_of(state)))

    # Every node that branches routes itself with a `Command` (see `act`); `destinations`
    # keeps the branches in the drawn graph.
    graph = StateGraph(EmbodiedState, context_schema=EmbodiedContext)
    graph.add_node("reset", reset, destinations=("act", "reflect", "reset", "remember", END))
    graph.add_node("act", act, destinations=("act", "reflect", "reset", "remember", END))
    graph.add_node("reflect", reflect, destinations=("reset", "remember", END))
    graph.add_node("remember", remember)
    graph.add_edge(START, "reset")
    graph.add_edge("remember", END)
    compiled = graph.compile(checkpointer=checkpointer, name="embodied")
    return compiled.with_config(recursion_limit=recursion_limit(max_episodes, max_steps))


def outcome_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """The run as memory reads it: one attempt (trajectory text) and verdict per episode.

    `reflections[i]` is the lesson of episode `i + 1`: lessons are written only for failed
    episodes and the run stops at the first success, so the indices line up.
    """
    episodes: list[EpisodeRecord] = list(state.get("episodes", []))
    attempts = [
        render_trajectory("", episode_steps(state, record["episode"])) for record in episodes
    ]
    feedback = [
        {"success": r["success"], "score": r["score"], "message": _verdict(r)} for r in episodes
    ]
    return {
        "attempts": attempts,
        "feedback": feedback,
        "reflections": list(state.get("lessons", [])),
        "solved": bool(episodes and episodes[-1]["success"]),
        "episodes": episodes,
    }


@dataclass(frozen=True)
class EpisodeResult:
    """One episode of a run, with the lesson drawn from it (if it failed and was reflected)."""

    episode: int
    success: bool
    score: float
    steps: int
    stop_reason: str
    lesson: str | None
    trajectory: list[StepRecord]


@dataclass(frozen=True)
class EmbodiedResult:
    """What `run_episodes` returns: per-episode results and the final graph state."""

    task_id: str
    episodes: list[EpisodeResult]
    stop_reason: str
    state: EmbodiedState

    @property
    def solved(self) -> bool:
        return bool(self.episodes and self.episodes[-1].success)

    @property
    def best_score(self) -> float:
        return max((episode.score for episode in self.episodes), default=0.0)


def result_of(state: EmbodiedState) -> EmbodiedResult:
    lessons = state.get("lessons", [])
    episodes = [
        EpisodeResult(
            episode=record["episode"],
            success=record["success"],
            score=record["score"],
            steps=record["steps"],
            stop_reason=record["stop_reason"],
            lesson=lessons[index] if index < len(lessons) else None,
            trajectory=episode_steps(state, record["episode"]),
        )
        for index, record in enumerate(state.get("episodes", []))
    ]
    return EmbodiedResult(state.get("task_id", ""), episodes, state.get("stop_reason", ""), state)


async def run_episodes(
    graph: EmbodiedGraph,
    env: Environment,
    *,
    notes: Sequence[str] | None = None,
    recall: Recall | None = None,
    remember: Remember | None = None,
    thread_id: str | None = None,
    on_step: StepCallback | None = None,
) -> EmbodiedResult:
    """Play up to the graph's `max_episodes` in `env`, reflecting after each failure.

    `notes` (or, when not given, `recall(task)`) are read by every episode; with a
    checkpointer and `thread_id` an interrupted run resumes. `on_step(node, update)` sees
    every node's update; `describe` turns them into display lines.
    """
    start: EmbodiedState = {"episode": 0, "step": 0}
    if notes is not None:
        start["notes"] = list(notes)
    context = EmbodiedContext(env, recall=recall, remember=remember)
    try:
        final = await run_to_end(
            graph, start, context, thread_id=thread_id or env.task.id, on_step=on_step
        )
    finally:
        context.driver.close()
    return result_of(cast(EmbodiedState, final))


def describe(update: Mapping[str, Any]) -> list[str]:
    """Display lines for a node's update: one per step, one per episode, one per lesson."""
    lines = []
    for record in update.get("steps", []):
        fixed = f" (wrote '{record['proposed']}')" if record["proposed"] else ""
        lines.append(
            f"episode {record['episode']} step {record['step']:>3}  > {record['action']}"
            f"{fixed}  score {record['score']:g}"
        )
    for episode in update.get("episodes", []):
        verdict = "won" if episode["success"] else "failed"
        lines.append(
            f"episode {episode['episode']}: {verdict}, score {episode['score']:g} "
            f"in {episode['steps']} steps ({episode['stop_reason']})"
        )
    lines += [f"lesson: {lesson}" for lesson in update.get("lessons", [])]
    return lines
