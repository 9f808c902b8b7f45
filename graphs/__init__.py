"""LangGraph builders for ponder's agent loops."""

from ponder.graphs.debate import DebateConfig, DebateState, build_debate_graph, debate
from ponder.graphs.embodied import (
    EmbodiedAgents,
    EmbodiedResult,
    EpisodeResult,
    build_embodied_graph,
    run_episodes,
)
from ponder.graphs.embodied import describe as describe_embodied
from ponder.graphs.refine import (
    MODES,
    RefineAgents,
    RefineContext,
    RefineState,
    build_refine_graph,
    solve,
)
from ponder.graphs.roles import RolesState, build_roles_graph, collaborate
from ponder.graphs.search import (
    STRATEGIES,
    SearchConfig,
    SearchContext,
    SearchResult,
    SearchState,
    build_search_graph,
    search,
)

__all__ = (
    "MODES",
    "STRATEGIES",
    "DebateConfig",
    "DebateState",
    "EmbodiedAgents",
    "EmbodiedResult",
    "EpisodeResult",
    "RefineAgents",
    "RefineContext",
    "RefineState",
    "RolesState",
    "SearchConfig",
    "SearchContext",
    "SearchResult",
    "SearchState",
    "build_debate_graph",
    "build_embodied_graph",
    "build_refine_graph",
    "build_roles_graph",
    "build_search_graph",
    "collaborate",
    "debate",
    "describe_embodied",
    "run_episodes",
    "search",
    "solve",
)
