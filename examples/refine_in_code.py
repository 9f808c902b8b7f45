"""Compose the Reflexion graph in code: one model, three roles, a few Game of 24 tasks.

Run it with `python examples/refine_in_code.py`; pass a litellm model string to use another
model, e.g. `python examples/refine_in_code.py openai/gpt-4o-mini`, and a number of tasks
after it to run more or fewer.
"""

import asyncio
import sys

from ponder.graphs import RefineAgents, build_refine_graph, solve
from ponder.llm import LLM, Budget, Ledger
from ponder.tasks import load_tasks


async def main(model: str = "local/smollm2-135m", tasks: str = "2") -> None:
    llm = LLM(model, temperature=0.7, max_tokens=96, ledger=Ledger(Budget(max_tokens=20_000)))
    graph = build_refine_graph(RefineAgents.from_llm(llm), mode="reflexion", max_trials=2)
    for task in load_tasks("puzzle24", seed=1, limit=int(tasks)):
        state = await solve(graph, task)
        print(f"{task.id}: solved={state['solved']} trials={state['trial']}")
        print(f"  last feedback: {state['feedback'][-1]['message']}")
    print(f"tokens used: {llm.ledger.totals.tokens}")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
