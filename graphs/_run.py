"""Running any ponder graph for one task: resume from a checkpoint, stream node updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

StepCallback = Callable[[str, dict[str, Any]], None]


async def run_to_end(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    start: Mapping[str, Any],
    context: Any,
    *,
    thread_id: str,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    """Run a graph to its end and return the final state.

    With a checkpointer, a thread that already finished returns its stored state, and a thread
    that was interrupted continues from its last completed node instead of starting again.
    `on_step(node, update)` is called after every node, so progress displays need no hooks
    inside the graph.
    """
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    initial: Mapping[str, Any] | None = start
    if graph.checkpointer is not None:
        snapshot = await graph.aget_state(config)
        if snapshot.values and not snapshot.next:
            return dict(snapshot.values)
        if snapshot.next:
            initial = None
    final: dict[str, Any] = {}
    async for mode, chunk in graph.astream(
        initial, config=config, context=context, stream_mode=["updates", "values"]
    ):
        if not isinstance(chunk, dict):
            continue
        if mode == "values":
            final = dict(chunk)
        elif on_step is not None:
            for node, update in chunk.items():
                if isinstance(update, dict):
                    on_step(node, update)
                elif isinstance(update, list | tuple):  # several parallel writes of one node
                    for each in update:
                        on_step(node, dict(each or {}))
    return final
