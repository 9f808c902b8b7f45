"""Search strategies against scripted policies and a scripted PRM."""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Sequence
from fractions import Fraction

import pytest

from ponder.graphs.search import SearchConfig, SearchContext, build_search_graph, search
from ponder.llm import LLM, Budget, Ledger, Message, ScriptedLLM
from ponder.tasks import NumericTask
from ponder.verifier import ScriptedVerifier
from ponder.verifier.policy import StepPolicy

TASK = NumericTask("sum", "What is 17 + 25?", Fraction(42))


def cycling(replies: Sequence[str]) -> ScriptedLLM:
    """A policy that answers the same list round and round."""
    count = {"n": 0}

    def reply(_: Sequence[Message]) -> str:
        count["n"] += 1
        return replies[(count["n"] - 1) % len(replies)]

    return ScriptedLLM.from_replies(reply)


def steps_so_far(messages: Sequence[Message]) -> list[str]:
    body = messages[-1]["content"].split("Steps so far:\n", 1)[1].split("\n\n", 1)[0]
    return [] if body == "(none yet)" else body.splitlines()


def by_answer(scores: dict[str, float]) -> ScriptedVerifier:
    """Every step of a solution scores what its final answer is worth (0.5 without one)."""

    def score(_: str, steps: Sequence[str]) -> float:
        found = re.search(r"Answer: (\d+)", steps[-1])
        return scores.get(found.group(1), 0.5) if found else 0.5

    return ScriptedVerifier(score)


async def test_best_of_n_keeps_the_solution_the_verifier_prefers_and_counts_tokens() -> None:
    llm = cycling(["17 + 25 = 32\nAnswer: 32", "17 + 25 = 42\nAnswer: 42", "Answer: 41"])
    result = await search(
        TASK, StepPolicy(llm), by_answer({"42": 0.9, "32": 0.2}), SearchConfig(n=3)
    )
    assert result.answer == "42" and result.steps == ["17 + 25 = 42", "Answer: 42"]
    assert result.tokens == llm.ledger.totals.tokens > 0
    assert result.calls == 1 and result.candidates == 3 and result.stopped_by == "done"


async def test_majority_vote_needs_no_verifier() -> None:
    llm = cycling(["Answer: 32", "Answer: 42", "Answer: 32.0", "Answer: 42", "Answer: 32"])
    result = await search(TASK, StepPolicy(llm), None, SearchConfig(strategy="majority", n=5))
    assert result.answer in ("32", "32.0") and result.details["votes"] == {"32": 3.0, "42": 2.0}


async def test_weighted_vote_lets_prm_scores_outvote_a_majority() -> None:
    llm = cycling(["Answer: 32", "Answer: 42", "Answer: 32", "Answer: 42", "Answer: 32"])
    prm = by_answer({"42": 0.9, "32": 0.1})
    result = await search(TASK, StepPolicy(llm), prm, SearchConfig(strategy="weighted-vote", n=5))
    assert result.answer == "42"


@pytest.mark.parametrize(("how", "winner"), [("min", "B"), ("last", "A"), ("product", "B")])
async def test_aggregates_rank_solutions_differently(how: str, winner: str) -> None:
    llm = cycling(["A1\nAnswer: 1", "B1\nAnswer: 2"])
    table = {"A1": 0.2, "B1": 0.6, "Answer: 1": 0.9, "Answer: 2": 0.6}
    prm = ScriptedVerifier(lambda _, steps: table[steps[-1]])
    result = await search(TASK, StepPolicy(llm), prm, SearchConfig(n=2, aggregate=how))  # type: ignore[arg-type]
    assert result.steps[0] == f"{winner}1"


GOLDEN = ["s0-1", "s1-2", "Answer: 2"]


def tree_policy(width: int = 3, depth: int = 3) -> ScriptedLLM:
    """At depth d proposes s{d}-0..s{d}-{width-1} in turn; at the last depth, answers."""
    count = {"n": 0}

    def reply(messages: Sequence[Message]) -> str:
        d = len(steps_so_far(messages))
        j = count["n"] % width
        count["n"] += 1
        return f"Answer: {j}" if d == depth - 1 else f"s{d}-{j}"

    return ScriptedLLM.from_replies(reply)


def golden_prm() -> ScriptedVerifier:
    return ScriptedVerifier(lambda _, steps: 0.9 if list(steps) == GOLDEN[: len(steps)] else 0.1)


async def test_beam_search_finds_the_only_path_the_prm_scores_high() -> None:
    llm = tree_policy()
    config = SearchConfig(strategy="beam", beam_width=1, expand=3, max_steps=5)
    result = await search(TASK, StepPolicy(llm), golden_prm(), config)
    assert result.steps == GOLDEN and result.answer == "2"
    assert result.score == pytest.approx(0.9)
    assert result.calls == 3 and result.tokens == llm.ledger.totals.tokens


async def test_beam_search_with_a_wider_beam_still_ranks_by_prm() -> None:
    config = SearchConfig(strategy="beam", beam_width=2, expand=3, max_steps=5)
    result = await search(TASK, StepPolicy(tree_policy()), golden_prm(), config)
    assert result.steps == GOLDEN


async def test_mcts_visits_follow_the_values() -> None:
    def reply(messages: Sequence[Message], count: dict[str, int] = {"n": 0}) -> str:  # noqa: B006
        count["n"] += 1
        depth = len(steps_so_far(messages))
        kind = "good" if count["n"] % 2 else "bad"
        return f"Answer: {kind}" if depth == 2 else f"{kind} {depth}"

    # a step is good only on a path that has been good so far, as a PRM would judge it
    prm = ScriptedVerifier(
        lambda _, steps: 0.9 if all(s.startswith(("good", "Answer: good")) for s in steps) else 0.1
    )
    config = SearchConfig(strategy="mcts", expand=2, simulations=12, max_steps=4, exploration=1.0)
    result = await search(TASK, StepPolicy(ScriptedLLM.from_replies(reply)), prm, config)
    visits = result.details["root_visits"]
    assert visits["good 0"] > 2 * visits["bad 0"] >= 2
    assert result.steps == ["good 0", "good 1", "Answer: good"]
    assert result.details["simulations"] == 12


async def test_a_spent_ledger_budget_stops_the_search_with_the_best_so_far() -> None:
    llm = tree_policy().bind(ledger=Ledger(Budget(max_calls=2)))
    config = SearchConfig(strategy="beam", beam_width=1, expand=3, max_steps=5)
    result = await search(TASK, StepPolicy(llm), golden_prm(), config)
    assert result.stopped_by == "budget"
    assert result.steps == GOLDEN[:2] and result.calls == 2
    assert result.tokens == llm.ledger.totals.tokens > 0


async def test_the_search_token_cap_stops_after_the_call_that_crosses_it() -> None:
    llm = tree_policy()
    config = SearchConfig(strategy="mcts", expand=3, simulations=50, max_tokens=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = await search(TASK, StepPolicy(llm), golden_prm(), config)
        gc.collect()
    assert result.stopped_by == "token cap" and result.calls == 1
    assert result.steps == ["s0-1"]
    # The call past the cap is never made, not made and dropped.
    assert not [w for w in caught if "never awaited" in str(w.message)]


async def test_search_runs_as_a_langgraph_node() -> None:
    llm: LLM = cycling(["17 + 25 = 42\nAnswer: 42"])
    graph = build_search_graph(StepPolicy(llm), by_answer({"42": 1.0}), SearchConfig(n=2))
    state = await graph.ainvoke({}, context=SearchContext(TASK))
    assert state["answer"] == "42" and state["tokens"] > 0 and state["task_id"] == "sum"


async def test_a_strategy_that_needs_a_verifier_says_so() -> None:
    from ponder.errors import UsageError

    with pytest.raises(UsageError, match="needs a verifier"):
        await search(TASK, StepPolicy(cycling(["Answer: 1"])), None, SearchConfig(n=1))
