"""The refine graph with real memory (chromadb, deterministic embedder): learning across tasks."""

from fractions import Fraction
from pathlib import Path

from ponder.agents import Actor, Evaluator, Reflector
from ponder.graphs import RefineAgents, build_refine_graph, solve
from ponder.graphs.memory_hooks import StoreMemory
from ponder.llm import ScriptedLLM
from ponder.memory.config import MemoryConfig
from ponder.tasks import NumericTask

TASK_A = NumericTask(
    "a", "A farmer has 17 cows and buys 25 more. How many cows does he have?", Fraction(42)
)
TASK_B = NumericTask(
    "b", "A farmer has 18 cows and buys 26 more. How many cows does he have?", Fraction(44)
)
LESSON = "I added the units without carrying the ten. Root cause: no carry. Next time carry the 1."


def memory(tmp_path: Path, **settings: object) -> StoreMemory:
    config = MemoryConfig.model_validate(
        {"path": str(tmp_path / "store"), "embedding": "hash", "k": 3} | settings
    )
    return StoreMemory(config.open_store(), config)


async def test_a_lesson_from_task_a_reaches_the_prompt_of_similar_task_b(tmp_path: Path) -> None:
    hooks = memory(tmp_path, learn=["experience", "reflection"], recall={"min_similarity": -1.0})
    actor = ScriptedLLM.from_replies(["Answer: 32", "Answer: 42", "Answer: 44"])
    agents = RefineAgents(Actor(actor), Evaluator(), Reflector(ScriptedLLM.from_replies([LESSON])))
    graph = build_refine_graph(agents, max_trials=2, memory=hooks)
    first = await solve(graph, TASK_A)
    assert first["solved"] and first["trial"] == 2
    assert not any("carry the 1" in note for note in first["notes"])
    second = await solve(graph, TASK_B)
    assert second["solved"] and second["trial"] == 1
    prompt_b = actor.prompts[2][-1]["content"]
    assert "carry the 1" in prompt_b  # the reflection written on task A
    assert prompt_b.index("<<<NOTES") < prompt_b.index("carry the 1") < prompt_b.index("NOTES>>>")


async def test_memory_off_for_recall_keeps_prompts_clean(tmp_path: Path) -> None:
    hooks = memory(tmp_path, learn=["reflection"], recall={"modes": []})
    actor = ScriptedLLM.from_replies(["Answer: 32", "Answer: 42", "Answer: 44"])
    agents = RefineAgents(Actor(actor), Evaluator(), Reflector(ScriptedLLM.from_replies([LESSON])))
    graph = build_refine_graph(agents, max_trials=2, memory=hooks)
    await solve(graph, TASK_A)
    await solve(graph, TASK_B)
    assert "carry the 1" not in actor.prompts[2][-1]["content"]
    assert hooks.store.count() >= 1  # learning still wrote the lesson


async def test_debate_and_team_outcomes_are_stored_as_experiences(tmp_path: Path) -> None:
    from ponder.agents.debater import Debater
    from ponder.agents.team import TeamMember
    from ponder.graphs import (
        DebateConfig,
        build_debate_graph,
        build_roles_graph,
        collaborate,
        debate,
    )

    hooks = memory(tmp_path, learn=["experience", "reflection"])
    debaters = [Debater(name, ScriptedLLM.from_replies(["Answer: 42"])) for name in ("a", "b")]
    await debate(build_debate_graph(debaters, DebateConfig(rounds=1), memory=hooks), TASK_A)
    team = [
        TeamMember("solver", "solve", ScriptedLLM.from_replies(["Answer: 40"])),
        TeamMember("critic", "check", ScriptedLLM.from_replies(["Forgot the carry."]), critic=True),
    ]
    await collaborate(build_roles_graph(team, max_rounds=1), TASK_B)  # no memory: nothing stored
    await collaborate(build_roles_graph(
        [TeamMember("solver", "solve", ScriptedLLM.from_replies(["Answer: 40"])),
         TeamMember("critic", "check", ScriptedLLM.from_replies(["Forgot the carry."]), critic=True)],
        max_rounds=1, memory=hooks), TASK_B)  # fmt: skip
    records = hooks.store.records()
    kinds = sorted(record.kind for record in records)
    assert kinds == ["experience", "experience", "reflection"]
    solved = {record.task_id: record.success for record in records if record.kind == "experience"}
    assert solved == {"a": True, "b": False}
    (lesson,) = [record for record in records if record.kind == "reflection"]
    assert lesson.lesson == "Forgot the carry."
