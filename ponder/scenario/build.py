"""From a validated scenario to agents, LLMs and a compiled graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from langgraph.types import Checkpointer

from ponder.agents import Actor, Critic, Evaluator, Reflector
from ponder.graphs import RefineAgents, build_refine_graph
from ponder.graphs.refine import Mode, RefineGraph
from ponder.llm import LLM, Ledger
from ponder.scenario.schema import RoleName, Scenario

LLMFactory = Callable[[RoleName, Scenario, Ledger], LLM]


def default_llm(role: RoleName, scenario: Scenario, ledger: Ledger) -> LLM:
    """The model of a role as the scenario configures it, charged to `ledger`."""
    settings = scenario.role(role)
    assert settings.model is not None and settings.max_tokens is not None
    return LLM(
        model=settings.model,
        temperature=settings.temperature
        if settings.temperature is not None
        else scenario.temperature,
        max_tokens=settings.max_tokens,
        timeout_s=scenario.timeout_s,
        ledger=ledger,
        role=role,
        params=settings.model_params,
    )


def build_agents(
    scenario: Scenario, ledger: Ledger, make_llm: LLMFactory = default_llm
) -> RefineAgents:
    def prompts(role: RoleName) -> dict[str, str]:
        return scenario.role(role).prompts

    return RefineAgents(
        actor=Actor(make_llm("actor", scenario, ledger), prompts("actor")),
        evaluator=Evaluator(make_llm("judge", scenario, ledger), prompts("judge")),
        reflector=Reflector(make_llm("reflector", scenario, ledger), prompts("reflector")),
        critic=Critic(make_llm("critic", scenario, ledger), prompts("critic")),
    )


GraphBuilder = Callable[[Scenario, RefineAgents, Checkpointer], RefineGraph]


def _refine(scenario: Scenario, agents: RefineAgents, checkpointer: Checkpointer) -> RefineGraph:
    return build_refine_graph(
        agents,
        mode=cast(Mode, scenario.mode),
        max_trials=scenario.max_trials,
        reflection_window=scenario.reflection_window,
        checkpointer=checkpointer,
    )


GRAPH_BUILDERS: dict[str, GraphBuilder] = {"refine": _refine}
