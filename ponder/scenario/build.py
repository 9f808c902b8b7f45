"""From a validated scenario to LLMs, agents and a compiled graph, for each graph kind.

Each kind knows how to build its graph from a scenario, how to run it on one task, and how to
read a common `Outcome` out of its final state, so the runner treats all graphs alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from ponder.agents import Actor, Critic, Evaluator, Reflector
from ponder.agents.debater import DebateJudge, Debater
from ponder.agents.team import TeamMember
from ponder.graphs import RefineAgents, build_refine_graph, solve
from ponder.graphs._hooks import MemoryHooks
from ponder.graphs._run import StepCallback
from ponder.graphs.debate import DebateConfig, build_debate_graph, debate
from ponder.graphs.refine import Mode
from ponder.graphs.roles import build_roles_graph, collaborate
from ponder.llm import LLM, Ledger
from ponder.scenario.schema import SEARCH_STRATEGIES, ModelSettings, Scenario
from ponder.tasks import Task, load_tasks
from ponder.verifier.protocol import Verifier

LLMFactory = Callable[[str, ModelSettings, Ledger], LLM]
AnyGraph = CompiledStateGraph[Any, Any, Any, Any]


def default_llm(role: str, settings: ModelSettings, ledger: Ledger) -> LLM:
    """The model of a role as the scenario configures it, charged to `ledger`."""
    return LLM(
        model=settings.model,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        timeout_s=settings.timeout_s,
        ledger=ledger,
        role=role,
        params=settings.model_params,
    )


@dataclass(frozen=True)
class RunResources:
    """What every task of a run shares: the memory store and the verifier."""

    memory: MemoryHooks | None = None
    verifier: Verifier | None = None
    run_dir: Path | None = None
    announce: Callable[[str, str], None] | None = None  # (unit id, line): live display


@dataclass(frozen=True)
class Outcome:
    """What the runner records of any graph's final state."""

    solved: bool
    score: float
    steps: int
    stop_reason: str
    answer: str


class GraphKind(Protocol):
    """How one graph family is built from a scenario and run on a task."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph: ...

    def steps(self, scenario: Scenario) -> int:
        """Length of the per-task progress bar (trials or rounds)."""
        ...

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome: ...


class RefineKind:
    """Reflexion and Self-Refine."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph:
        def llm(role: str) -> LLM:
            return make_llm(role, scenario.role(cast(Any, role)), ledger)

        def prompts(role: str) -> dict[str, str]:
            given = scenario.roles.get(cast(Any, role))
            return given.prompts if given else {}

        agents = RefineAgents(
            actor=Actor(llm("actor"), prompts("actor")),
            evaluator=Evaluator(llm("judge"), prompts("judge")),
            reflector=Reflector(llm("reflector"), prompts("reflector")),
            critic=Critic(llm("critic"), prompts("critic")),
        )
        return build_refine_graph(
            agents,
            mode=cast(Mode, scenario.mode),
            max_trials=scenario.max_trials,
            reflection_window=scenario.reflection_window,
            checkpointer=saver,
            memory=resources.memory if resources else None,
        )

    def steps(self, scenario: Scenario) -> int:
        return scenario.max_trials

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome:
        def on_step(_node: str, update: dict[str, Any]) -> None:
            if "trial" in update:
                on_progress(int(update["trial"]))

        state = await solve(graph, task, thread_id=thread_id, on_step=on_step)
        feedback, attempts = state.get("feedback", []), state.get("attempts", [])
        return Outcome(
            solved=bool(state.get("solved")),
            score=feedback[-1]["score"] if feedback else 0.0,
            steps=state.get("trial", 0),
            stop_reason=state.get("stop_reason", ""),
            answer=(task.extract(attempts[-1]) if attempts else None) or "",
        )


def _prm_scorer(verifier: Verifier) -> Callable[[Task, str], Awaitable[float]]:
    """Score a debater's whole reply as a solution: its lines are the steps, min-aggregated."""
    from ponder.verifier.policy import split_steps
    from ponder.verifier.protocol import aggregate, score_steps

    async def score(task: Task, text: str) -> float:
        steps = split_steps(text) or [text]
        return aggregate(await asyncio.to_thread(score_steps, verifier, task.prompt(), steps))

    return score


class DebateKind:
    """N debaters, R rounds, parallel answers."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph:
        spec = scenario.debate
        assert spec is not None
        debaters = [
            Debater(
                agent.name,
                make_llm(f"debater:{agent.name}", scenario.settings(agent), ledger),
                agent.persona,
            )
            for agent in spec.agents
        ]
        judge = (
            DebateJudge(make_llm("judge", scenario.role("judge"), ledger))
            if spec.aggregate == "judge"
            else None
        )
        verifier = resources.verifier if resources else None
        scorer = (
            _prm_scorer(verifier) if verifier is not None and spec.aggregate == "verifier" else None
        )
        config = DebateConfig(
            rounds=spec.rounds,
            topology=spec.topology,
            aggregate=spec.aggregate,
            early_stop=spec.early_stop,
            judge=judge,
            scorer=scorer,
        )
        return build_debate_graph(
            debaters, config, checkpointer=saver, memory=resources.memory if resources else None
        )

    def steps(self, scenario: Scenario) -> int:
        assert scenario.debate is not None
        return scenario.debate.rounds

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome:
        def on_step(node: str, update: dict[str, Any]) -> None:
            if node == "aggregate" or node == "decide":
                return
            if "round" in update:
                on_progress(int(update["round"]) - 1)

        state = await debate(graph, task, thread_id=thread_id, on_step=on_step)
        return Outcome(
            solved=bool(state.get("solved")),
            score=state.get("score", 0.0),
            steps=state.get("round", 0),
            stop_reason=state.get("stop_reason", ""),
            answer=state.get("final_answer", ""),
        )


class RolesKind:
    """A team of roles with a critic."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph:
        spec = scenario.team
        assert spec is not None
        members = [
            TeamMember(
                member.name,
                member.instructions,
                make_llm(member.name, scenario.settings(member), ledger),
                critic=member.critic,
            )
            for member in spec.members
        ]
        return build_roles_graph(
            members,
            max_rounds=spec.max_rounds,
            stop_on_checker=spec.stop_on_checker,
            checkpointer=saver,
            memory=resources.memory if resources else None,
        )

    def steps(self, scenario: Scenario) -> int:
        assert scenario.team is not None
        return scenario.team.max_rounds

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome:
        def on_step(_node: str, update: dict[str, Any]) -> None:
            if "approved" in update:
                on_progress(int(update["round"]) - 1)

        state = await collaborate(graph, task, thread_id=thread_id, on_step=on_step)
        return Outcome(
            solved=bool(state.get("solved")),
            score=state.get("score", 0.0),
            steps=state.get("round", 1) - 1,
            stop_reason=state.get("stop_reason", ""),
            answer=state.get("answer", ""),
        )


@cache
def _load_verifier(kind: str, path: str, device: str, allow_hub: bool) -> Verifier:
    """One PRM per run and process: loading weights is the expensive part."""
    from ponder.verifier import load_prm

    return load_prm(kind, path, device=device, allow_hub=allow_hub)


def scenario_verifier(scenario: Scenario, tasks: Sequence[Task]) -> Verifier | None:
    spec = scenario.verifier
    if spec is None:
        return None
    if spec.kind == "outcome":
        from ponder.verifier.outcome import OutcomeVerifier

        return OutcomeVerifier(tasks)
    assert spec.path is not None
    return _load_verifier(spec.kind, spec.path, spec.device, spec.allow_hub)


class SearchKind:
    """Test-time search over steps, ranked or steered by a verifier."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph:
        from ponder.graphs.search import SearchConfig, build_search_graph
        from ponder.verifier.policy import StepPolicy

        spec = scenario.search
        assert spec is not None
        config = SearchConfig(
            strategy=cast(Any, SEARCH_STRATEGIES[spec.strategy]),
            n=spec.n,
            aggregate=spec.aggregate,
            beam_width=spec.beam_width,
            expand=spec.expand,
            max_steps=spec.max_steps,
            simulations=spec.simulations,
            max_tokens=spec.max_tokens,
        )
        policy = StepPolicy(
            make_llm("policy", scenario.role("actor"), ledger),
            max_solution_tokens=scenario.max_tokens,
        )
        return build_search_graph(policy, resources.verifier if resources else None, config)

    def steps(self, scenario: Scenario) -> int:
        return 1

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome:
        from ponder.graphs.search import SearchContext

        state = await graph.ainvoke({"task_id": task.id}, context=SearchContext(task))
        on_progress(1)
        answer = state.get("answer") or ""
        feedback = task.check(answer) if answer and task.has_checker else None
        return Outcome(
            solved=bool(feedback and feedback.success),
            score=feedback.score if feedback else 0.0,
            steps=1,
            stop_reason=state.get("stopped_by", ""),
            answer=answer,
        )


@dataclass(frozen=True)
class EnvironmentUnit:
    """One environment configuration of an embodied scenario (one `vary` value): a results row."""

    id: str
    options: dict[str, Any]
    has_checker = False

    def prompt(self) -> str:
        return self.id

    def answer_format(self) -> str:
        return ""

    def extract(self, reply: str) -> str | None:
        return None

    def check(self, answer: str) -> Any:
        raise NotImplementedError("an environment unit is judged by its environment's score")


def scenario_tasks(scenario: Scenario) -> list[Task]:
    """The units of work of a scenario: its tasks, or one unit per environment variation."""
    if scenario.environment is not None and scenario.graph == "embodied":
        spec = scenario.environment
        if not spec.vary:
            return [EnvironmentUnit(spec.name, dict(spec.options))]
        ((key, values),) = spec.vary.items()
        return [
            EnvironmentUnit(f"{spec.name}-{key}-{value}", {**spec.options, key: value})
            for value in values
        ]
    assert scenario.tasks is not None
    tasks = scenario.tasks
    return load_tasks(
        tasks.source, seed=tasks.seed, limit=tasks.limit, options=tasks.options, path=tasks.path
    )


class EmbodiedKind:
    """A ReAct agent acting in an environment, reflecting between episodes."""

    def build(
        self,
        scenario: Scenario,
        ledger: Ledger,
        make_llm: LLMFactory,
        saver: Checkpointer,
        resources: RunResources | None = None,
    ) -> AnyGraph:
        from ponder.agents.embodied import EmbodiedActor, embodied_reflector
        from ponder.graphs.embodied import EmbodiedAgents, build_embodied_graph

        spec = scenario.embodied
        assert spec is not None
        actor = EmbodiedActor(
            make_llm("actor", scenario.role("actor"), ledger),
            window=spec.history_window,
            max_actions_shown=spec.max_actions_shown,
        )
        reflector = (
            embodied_reflector(make_llm("reflector", scenario.role("reflector"), ledger))
            if scenario.mode == "reflexion"
            else None
        )
        return build_embodied_graph(
            EmbodiedAgents(actor, reflector),
            max_episodes=spec.max_episodes,
            max_steps=spec.max_steps,
            history_window=spec.history_window,
            reflection_window=spec.reflection_window,
            checkpointer=saver,
        )

    def steps(self, scenario: Scenario) -> int:
        assert scenario.embodied is not None
        return scenario.embodied.max_episodes

    async def run(
        self,
        graph: AnyGraph,
        task: Task,
        thread_id: str,
        on_progress: Callable[[int], None],
        resources: RunResources | None = None,
    ) -> Outcome:
        from ponder.envs import make_env
        from ponder.graphs.embodied import describe, run_episodes

        assert isinstance(task, EnvironmentUnit)
        options = dict(task.options)
        for key, value in options.items():
            if isinstance(value, str) and "{run_dir}" in value and resources and resources.run_dir:
                options[key] = value.replace("{run_dir}", str(resources.run_dir))
        name = task.id.split("-", 1)[0]
        memory = resources.memory if resources else None
        announce = resources.announce if resources else None

        def on_step(node: str, update: dict[str, Any]) -> None:
            if announce is not None:
                for line in describe(update):
                    announce(task.id, line)
            for record in update.get("episodes", []):
                on_progress(int(record["episode"]))

        env = await asyncio.to_thread(make_env, name, options)
        with env:
            result = await run_episodes(
                graph,
                env,
                thread_id=thread_id,
                recall=memory.recall if memory else None,
                remember=memory.remember if memory else None,
                on_step=on_step,
            )
        last = result.episodes[-1] if result.episodes else None
        return Outcome(
            solved=result.solved,
            score=result.best_score / 100,
            steps=len(result.episodes),
            stop_reason=result.stop_reason,
            answer=f"score {result.best_score:g} in {last.steps if last else 0} steps",
        )


GRAPH_KINDS: dict[str, GraphKind] = {
    "refine": RefineKind(),
    "debate": DebateKind(),
    "roles": RolesKind(),
    "search": SearchKind(),
    "embodied": EmbodiedKind(),
}

__all__ = (
    "GRAPH_KINDS",
    "GraphKind",
    "LLMFactory",
    "Outcome",
    "RunResources",
    "StepCallback",
    "default_llm",
    "scenario_verifier",
)
