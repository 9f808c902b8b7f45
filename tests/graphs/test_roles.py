from fractions import Fraction

import pytest

from ponder.agents.team import TeamMember
from ponder.graphs.roles import build_roles_graph, collaborate
from ponder.llm import ScriptedLLM
from ponder.tasks import NumericTask, OpenTask

TASK = NumericTask("sum", "What is 17 + 25?", Fraction(42))


def team(
    planner: list[str], solver: list[str], critic: list[str], reviser: list[str] | None = None
):  # type: ignore[no-untyped-def]
    llms = {
        name: ScriptedLLM.from_replies(replies)
        for name, replies in {
            "planner": planner,
            "solver": solver,
            "critic": critic,
            "reviser": reviser or [],
        }.items()
    }
    members = [
        TeamMember("planner", "Plan the steps.", llms["planner"]),
        TeamMember("solver", "Solve.", llms["solver"]),
        TeamMember("critic", "Check.", llms["critic"], critic=True),
    ]
    if reviser is not None:
        members.append(TeamMember("reviser", "Fix what the critic found.", llms["reviser"]))
    return members, llms


async def test_the_critics_words_reach_the_reviser_and_approval_ends_the_loop() -> None:
    members, llms = team(
        ["1. add units 2. add tens"],
        ["Answer: 32"],
        ["The units 7+5=12 need a carry.", "APPROVED"],
        ["Answer: 42"],
    )
    state = await collaborate(build_roles_graph(members, stop_on_checker=False), TASK)
    assert state["stop_reason"] == "critic approved" and state["solved"] and state["answer"] == "42"
    assert [t["role"] for t in state["turns"]] == [
        "planner",
        "solver",
        "critic",
        "reviser",
        "critic",
    ]
    reviser_prompt = llms["reviser"].prompts[0][-1]["content"]
    assert "need a carry" in reviser_prompt and "[solver]" in reviser_prompt


async def test_checker_success_stops_before_the_critic_approves() -> None:
    members, llms = team(["plan"], ["Answer: 42"], ["Looks doubtful."], ["never used"])
    state = await collaborate(build_roles_graph(members), TASK)
    assert state["stop_reason"] == "checker accepted" and state["solved"]
    assert not llms["reviser"].prompts


async def test_round_limit_ends_an_unconvinced_team() -> None:
    members, llms = team(["plan"], ["Answer: 30"], ["wrong"] * 2, ["Answer: 31"] * 2)
    state = await collaborate(build_roles_graph(members, max_rounds=2), TASK)
    assert state["stop_reason"] == "out of rounds" and not state["solved"]
    assert len(llms["critic"].prompts) == 2 and len(llms["reviser"].prompts) == 1


async def test_without_a_reviser_the_loop_goes_back_to_the_workers() -> None:
    members, _ = team(["plan A", "plan B"], ["Answer: 1", "Answer: 2"], ["no", "APPROVED"])
    state = await collaborate(
        build_roles_graph(members, stop_on_checker=False), OpenTask("q", "Say hi.")
    )
    assert [t["role"] for t in state["turns"]] == [
        "planner",
        "solver",
        "critic",
        "planner",
        "solver",
        "critic",
    ]
    assert state["approved"]


def test_team_needs_exactly_one_critic() -> None:
    solo = [TeamMember("a", "x", ScriptedLLM()), TeamMember("b", "y", ScriptedLLM())]
    with pytest.raises(ValueError, match="exactly one critic"):
        build_roles_graph(solo)


def test_approval_must_lead_the_reply() -> None:
    critic = TeamMember("critic", "x", ScriptedLLM(), critic=True)
    assert critic.approves("APPROVED. Nice work.") and critic.approves("**Approved**")
    assert not critic.approves("This cannot be APPROVED yet: the carry is missing.")
