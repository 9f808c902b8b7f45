"""The scenario file, as pydantic models: what users write, validated strictly.

Unknown keys are errors (a typo must not be silently ignored), and every field that names
something from a registry (task source, graph, mode) is checked against it so the error says
what the valid choices are. `ponder scenario schema` prints the JSON schema of `Scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ponder.llm import DEFAULT_MODEL, LocalModelEntry
from ponder.memory.config import MemoryConfig
from ponder.tasks import source_names

GRAPH_MODES: dict[str, tuple[str, ...]] = {
    "refine": ("reflexion", "self-refine"),
    "debate": ("debate",),
    "roles": ("roles",),
    "search": ("search",),
    "embodied": ("reflexion", "react"),
}
SEARCH_STRATEGIES = {
    "best_of_n": "best-of-n",
    "vote": "majority",
    "prm_vote": "weighted-vote",
    "beam": "beam",
    "mcts": "mcts",
}
NEEDS_VERIFIER = {"best_of_n", "prm_vote", "beam", "mcts"}
RoleName = Literal["actor", "reflector", "critic", "judge"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoleSettings(_Strict):
    """Overrides for one agent role; anything left out comes from the scenario's top level."""

    model: str | None = Field(None, description="litellm model string for this role")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, gt=0)
    prompts: dict[str, str] = Field(
        default_factory=dict, description="replacements for parts of the role's prompt templates"
    )
    model_params: dict[str, Any] = Field(
        default_factory=dict, description="extra litellm arguments for this role (api_base, ...)"
    )


@dataclass(frozen=True)
class ModelSettings:
    """A role's model settings with every default filled in: what an `LLM` is built from."""

    model: str
    temperature: float
    max_tokens: int
    timeout_s: float
    model_params: dict[str, Any]


class DebaterSpec(RoleSettings):
    """One debater: a name, a persona, and optionally its own model and temperature."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    persona: str = ""


class DebateSpec(_Strict):
    """Settings of `graph: debate`."""

    agents: list[DebaterSpec] = Field(min_length=2, max_length=64)
    rounds: int = Field(3, ge=1, le=20)
    topology: Literal["full", "sparse"] = Field(
        "full", description="sparse: each reads its ring neighbours"
    )
    aggregate: Literal["majority", "judge", "verifier"] = Field(
        "majority", description="verifier: the answer the scenario's PRM scores highest"
    )
    early_stop: bool = Field(True, description="stop when every agent gives the same answer")


class TeamMemberSpec(RoleSettings):
    """One member of a role-based team."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    instructions: str = Field(min_length=1)
    critic: bool = Field(False, description="the critic's words are the team's feedback")


class TeamSpec(_Strict):
    """Settings of `graph: roles`."""

    members: list[TeamMemberSpec] = Field(min_length=2, max_length=16)
    max_rounds: int = Field(3, ge=1, le=20, description="critiques before the team stops")
    stop_on_checker: bool = Field(True, description="stop as soon as the task's checker accepts")

    @model_validator(mode="after")
    def _one_critic(self) -> TeamSpec:
        if sum(member.critic for member in self.members) != 1:
            raise ValueError("team.members: exactly one member must have critic: true")
        names = [member.name for member in self.members]
        if len(set(names)) != len(names):
            raise ValueError("team.members: member names must be unique")
        return self


class SearchSpec(_Strict):
    """Settings of `graph: search`: test-time search over reasoning steps."""

    strategy: Literal["best_of_n", "vote", "prm_vote", "beam", "mcts"] = "prm_vote"
    n: int = Field(8, ge=1, le=256, description="solutions sampled (best_of_n, vote, prm_vote)")
    aggregate: Literal["min", "last", "product", "mean"] = Field(
        "min", description="step scores -> solution score"
    )
    beam_width: int = Field(2, ge=1, le=64)
    expand: int = Field(4, ge=1, le=64, description="next steps sampled per beam or tree node")
    max_steps: int = Field(8, ge=1, le=64)
    simulations: int = Field(16, ge=1, le=4096, description="MCTS iterations")
    max_tokens: int | None = Field(None, ge=1, description="token cap per task's search")


class VerifierSpec(_Strict):
    """The process reward model that scores steps."""

    kind: Literal["head", "qwen-prm", "math-shepherd", "skywork", "outcome"] = Field(
        description="PRM recipe, or 'outcome' to score with the task's own checker"
    )
    path: str | None = Field(None, description="local model directory (or a Hub id with allow_hub)")
    device: str = "auto"
    allow_hub: bool = False

    @model_validator(mode="after")
    def _path_for_prm(self) -> VerifierSpec:
        if self.kind != "outcome" and not self.path:
            raise ValueError(f"verifier.path: a '{self.kind}' verifier needs the model's directory")
        return self


class EnvironmentSpec(_Strict):
    """The interactive environment of `graph: embodied`."""

    name: str = Field(description="scienceworld or textworld")
    options: dict[str, Any] = Field(default_factory=dict, description="passed to the environment")
    vary: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="one key with values: one run unit (results row) per value",
    )

    @field_validator("name")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        from ponder.envs import environment_names

        if value not in environment_names():
            raise ValueError(
                f"unknown environment '{value}' (choose from {', '.join(environment_names())})"
            )
        return value

    @field_validator("vary")
    @classmethod
    def _one_key(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if len(value) > 1:
            raise ValueError("vary takes one key (e.g. variation or seed) with a list of values")
        if any(not values for values in value.values()):
            raise ValueError("vary needs at least one value")
        return value


class EmbodiedSpec(_Strict):
    """Episode settings of `graph: embodied`."""

    max_episodes: int = Field(
        3, ge=1, le=50, description="episodes per unit; stops at the first win"
    )
    max_steps: int = Field(30, ge=1, le=1000, description="commands per episode")
    history_window: int = Field(12, ge=1, le=200, description="recent steps shown to the actor")
    reflection_window: int = Field(3, ge=0, le=50)
    max_actions_shown: int = Field(
        40, ge=1, le=5000, description="valid commands listed in the prompt"
    )


class TaskSpec(_Strict):
    """Where the tasks come from."""

    source: str = Field(description=f"one of: {', '.join(source_names())}")
    seed: int = 0
    limit: int = Field(10, ge=1, le=100_000)
    options: dict[str, Any] = Field(
        default_factory=dict, description="generator settings passed to the task source"
    )
    path: Path | None = Field(None, description="task file (JSONL or YAML) for source 'file'")

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in source_names():
            raise ValueError(
                f"unknown task source '{value}' (choose from {', '.join(source_names())})"
            )
        return value


class BudgetSpec(_Strict):
    """Run-wide limits, checked before every model call."""

    max_calls: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    max_cost_usd: float | None = Field(None, gt=0)


class Scenario(_Strict):
    """One runnable experiment: tasks, graph, models, limits and where results go."""

    name: str = Field(min_length=1)
    description: str = ""
    model: str = Field(DEFAULT_MODEL, description="litellm model string; local/... runs in-process")
    tasks: TaskSpec | None = Field(None, description="the task set (every graph but embodied)")
    graph: str = Field("refine", description=f"one of: {', '.join(GRAPH_MODES)}")
    mode: str | None = Field(None, description="graph mode, e.g. reflexion or self-refine")
    debate: DebateSpec | None = Field(None, description="agents and rounds for graph: debate")
    team: TeamSpec | None = Field(None, description="members for graph: roles")
    search: SearchSpec | None = Field(None, description="strategy and budget for graph: search")
    environment: EnvironmentSpec | None = Field(None, description="environment for graph: embodied")
    embodied: EmbodiedSpec | None = Field(None, description="episode settings for graph: embodied")
    verifier: VerifierSpec | None = Field(None, description="the PRM used by search")
    max_trials: int = Field(3, ge=1, le=50, description="attempts (or refine rounds) per task")
    reflection_window: int = Field(3, ge=0, le=50)
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(256, gt=0, description="completion tokens per call")
    timeout_s: float = Field(120.0, gt=0, description="per-call timeout in seconds")
    model_params: dict[str, Any] = Field(
        default_factory=dict,
        description="extra litellm arguments for every call, e.g. api_base for a vLLM server",
    )
    concurrency: int = Field(1, ge=1, le=256, description="tasks run at the same time")
    roles: dict[RoleName, RoleSettings] = Field(default_factory=dict)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    memory: MemoryConfig | None = Field(
        None, description="learn across tasks; '{run_dir}' in memory.path means a store per run"
    )
    output_dir: Path = Field(Path("runs"), description="run directories are created under it")
    local_models: dict[str, LocalModelEntry] = Field(
        default_factory=dict, description="named GGUF files usable as local/<name>"
    )

    @field_validator("graph")
    @classmethod
    def _known_graph(cls, value: str) -> str:
        if value not in GRAPH_MODES:
            raise ValueError(f"unknown graph '{value}' (choose from {', '.join(GRAPH_MODES)})")
        return value

    @model_validator(mode="after")
    def _mode_fits_graph(self) -> Scenario:
        modes = GRAPH_MODES[self.graph]
        if self.mode is None:
            self.mode = modes[0]
        if self.mode not in modes:
            raise ValueError(
                f"mode: graph '{self.graph}' has no mode '{self.mode}' (choose from {', '.join(modes)})"
            )
        if self.graph == "embodied":
            if self.environment is None:
                raise ValueError("environment: graph 'embodied' needs an environment section")
            if self.embodied is None:
                self.embodied = EmbodiedSpec()
        elif self.tasks is None:
            raise ValueError("tasks: required field is missing")
        if self.tasks is not None and self.tasks.source == "file" and self.tasks.path is None:
            raise ValueError("tasks.path: the 'file' task source needs a path")
        if self.graph == "debate" and self.debate is None:
            raise ValueError("debate: graph 'debate' needs a debate section with its agents")
        if self.graph == "roles" and self.team is None:
            raise ValueError("team: graph 'roles' needs a team section with its members")
        if (
            self.graph == "debate"
            and self.debate
            and self.debate.aggregate == "verifier"
            and self.verifier is None
        ):
            raise ValueError("verifier: debate aggregate 'verifier' needs a verifier section")
        if self.graph == "search":
            if self.search is None:
                self.search = SearchSpec()
            if self.search.strategy in NEEDS_VERIFIER and self.verifier is None:
                raise ValueError(
                    f"verifier: search strategy '{self.search.strategy}' needs a verifier section"
                )
        return self

    def settings(self, given: RoleSettings | None = None) -> ModelSettings:
        """Model settings of a role (or debater, or team member) with the defaults filled in."""
        given = given or RoleSettings()
        return ModelSettings(
            model=given.model or self.model,
            temperature=self.temperature if given.temperature is None else given.temperature,
            max_tokens=given.max_tokens or self.max_tokens,
            timeout_s=self.timeout_s,
            model_params=self.model_params | given.model_params,
        )

    def role(self, name: RoleName) -> ModelSettings:
        """Model settings of one of the refine graph's roles."""
        return self.settings(self.roles.get(name))
