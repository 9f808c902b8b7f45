"""LangGraph builders for ponder's agent loops."""

from ponder.graphs.refine import (
    MODES,
    RefineAgents,
    RefineContext,
    RefineState,
    build_refine_graph,
    solve,
)

__all__ = ("MODES", "RefineAgents", "RefineContext", "RefineState", "build_refine_graph", "solve")
