import time
from collections.abc import Sequence
from fractions import Fraction

import pytest

from ponder.agents.debater import DebateJudge, Debater
from ponder.graphs.debate import DebateConfig, build_debate_graph, debate, majority, visible_peers
from ponder.llm import Message, ScriptedLLM
from ponder.tasks import NumericTask

TASK = NumericTask("sum", "What is 17 + 25?", Fraction(42))


def debaters(*scripts: object, delay_s: float = 0.0) -> tuple[list[Debater], list[ScriptedLLM]]:
    llms = [ScriptedLLM.from_replies(script, delay_s=delay_s) for script in scripts]  # type: ignore[arg-type]
    return [Debater(f"agent{i}", llm) for i, llm in enumerate(llms)], llms


def convinced_by_carry(messages: Sequence[Message]) -> str:
    """Answers 32 until a peer's argument mentions the carry, then switches to 42."""
    prompt = messages[-1]["content"]
    if "PEERS" in prompt and "carry" in prompt:
        return "agent1 is right: 7 + 5 = 12, so I forgot to carry the 1. Answer: 42"
    return "17 + 25: tens 30, units 2. Answer: 32"


async def test_an_answer_changes_after_a_convincing_peer() -> None:
    agents, llms = debaters(
        convinced_by_carry,
        ["7 + 5 = 12, write 2 and carry 1; 10 + 20 + 10 = 40. Answer: 42"] * 3,
        ["Answer: 42", "Answer: 42", "Answer: 42"],
    )
    state = await debate(build_debate_graph(agents, DebateConfig(rounds=3)), TASK)
    first = [t for t in state["turns"] if t["round"] == 1]
    second = [t for t in state["turns"] if t["round"] == 2]
    assert [t["answer"] for t in sorted(first, key=lambda t: t["agent"])] == ["32", "42", "42"]
    assert all(t["answer"] == "42" for t in second)
    assert state["stop_reason"] == "consensus" and state["round"] == 2
    assert state["solved"] and state["final_answer"] == "42"
    update_prompt = llms[0].prompts[1][-1]["content"]
    assert "carry 1" in update_prompt and "Address the other agents' arguments" in update_prompt
    assert "Answer: 32" in update_prompt.split("<<<YOURS")[1]


async def test_consensus_stops_after_the_first_round() -> None:
    agents, llms = debaters(["Answer: 42"], ["Answer: 42"], ["Answer: 42"], ["Answer: 42"])
    state = await debate(build_debate_graph(agents, DebateConfig(rounds=5)), TASK)
    assert state["round"] == 1 and state["stop_reason"] == "consensus"
    assert sum(len(llm.prompts) for llm in llms) == 4


async def test_without_agreement_the_majority_decides_after_the_last_round() -> None:
    agents, _ = debaters(["Answer: 41"] * 2, ["Answer: 42"] * 2, ["Answer: 42"] * 2)
    state = await debate(build_debate_graph(agents, DebateConfig(rounds=2)), TASK)
    assert state["stop_reason"] == "out of rounds" and state["round"] == 2
    assert state["final_answer"] == "42" and state["decided_by"] == "majority"


async def test_a_judge_picks_as_scripted() -> None:
    agents, _ = debaters(["Answer: 41"], ["Answer: 42"], ["Answer: 43"])
    judge_llm = ScriptedLLM.from_replies(["CHOICE: 3\nThe third is best argued."])
    config = DebateConfig(rounds=1, aggregate="judge", judge=DebateJudge(judge_llm))
    state = await debate(build_debate_graph(agents, config), TASK)
    assert state["final_answer"] == "43" and state["decided_by"] == "judge" and not state["solved"]
    assert "Candidate 3:" in judge_llm.prompts[0][-1]["content"]


async def test_a_verifier_score_picks_the_winner() -> None:
    agents, _ = debaters(["Answer: 42"], ["Answer: 41"], ["Answer: 40"])

    async def prefers_41(_task: object, text: str) -> float:
        return 1.0 if "41" in text else 0.0

    state = await debate(
        build_debate_graph(agents, DebateConfig(rounds=1, aggregate="verifier", scorer=prefers_41)),
        TASK,
    )
    assert state["final_answer"] == "41" and state["decided_by"] == "verifier"


async def test_parallel_branches_run_together_and_lose_no_writes() -> None:
    arrivals: list[float] = []

    def record(_messages: Sequence[Message]) -> str:
        arrivals.append(time.monotonic())
        return f"Answer: {len(arrivals) % 3}"

    agents, _ = debaters(*([record] * 8), delay_s=0.3)
    state = await debate(build_debate_graph(agents, DebateConfig(rounds=3, early_stop=False)), TASK)
    assert len(state["turns"]) == 24
    for round_number in (1, 2, 3):
        turns = [t for t in state["turns"] if t["round"] == round_number]
        assert sorted(t["agent"] for t in turns) == list(range(8))
    first_round = sorted(arrivals[:8])
    assert first_round[-1] - first_round[0] < 0.3  # all eight started before any finished


def test_sparse_topology_reads_ring_neighbours() -> None:
    assert visible_peers(0, 6, "sparse") == [1, 5]
    assert visible_peers(3, 6, "full") == [0, 1, 2, 4, 5]


async def test_sparse_debaters_see_only_their_neighbours() -> None:
    agents, llms = debaters(*[[f"Answer: {i}", f"Answer: {i}"] for i in range(5)])
    await debate(build_debate_graph(agents, DebateConfig(rounds=2, topology="sparse")), TASK)
    peers = llms[0].prompts[1][-1]["content"].split("<<<PEERS")[1]
    assert "[agent1]" in peers and "[agent4]" in peers and "[agent2]" not in peers


def test_majority_ties_go_to_the_earliest_and_ignore_missing() -> None:
    assert majority([None, "5", "7", "7", "5"]) == 1
    assert majority([None, None]) is None


def test_invalid_configurations_are_refused() -> None:
    agents, _ = debaters(["x"], ["y"])
    with pytest.raises(ValueError, match="judge"):
        build_debate_graph(agents, DebateConfig(aggregate="judge"))
    with pytest.raises(ValueError, match="two debaters"):
        build_debate_graph(agents[:1])
