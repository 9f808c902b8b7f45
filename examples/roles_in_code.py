"""Compose a planner -> solver -> critic -> reviser team in code and run it on two problems.

`python examples/roles_in_code.py [litellm-model] [number-of-problems]`; the embedded model
is the default.
"""

import asyncio
import sys

from ponder.agents.team import TeamMember
from ponder.graphs.roles import build_roles_graph, collaborate
from ponder.llm import LLM, Budget, Ledger
from ponder.tasks import load_tasks


async def main(model: str = "local/smollm2-135m", problems: str = "2") -> None:
    llm = LLM(model, temperature=0.4, max_tokens=80, ledger=Ledger(Budget(max_tokens=30_000)))
    team = [
        TeamMember("planner", "List the steps needed; do not compute the answer.", llm),
        TeamMember("solver", "Carry out the plan step by step.", llm),
        TeamMember("critic", "Check the latest solution step by step.", llm, critic=True),
        TeamMember("reviser", "Fix every problem the critic raised.", llm),
    ]
    graph = build_roles_graph(team, max_rounds=2)
    for task in load_tasks(
        "basic_arithmetic", seed=2, limit=int(problems), options={"max_terms": 3, "max_digits": 2}
    ):
        state = await collaborate(graph, task)
        print(
            f"{task.id}: solved={state.get('solved')} stop={state['stop_reason']} turns={len(state['turns'])}"
        )
    print(f"tokens used: {llm.ledger.totals.tokens}")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
