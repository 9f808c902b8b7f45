"""Test-time search guided by a verifier: best-of-N, votes, step-level beam search and MCTS.

Every strategy draws samples from a `StepPolicy`, scores them with a `Verifier` (a PRM, the
task's outcome checker, or a scripted one) and returns a `SearchResult` that says how many
tokens it spent. Each stops cleanly — keeping the best it has — when the run's ledger
budget refuses a call (`BudgetExceeded`) or when its own `max_tokens` cap is reached, so
accuracy can be drawn against tokens.

`search(...)` runs one strategy; `build_search_graph(...)` wraps it as a LangGraph node for
use inside larger graphs and scenarios.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from ponder.errors import BudgetExceeded, UsageError
from ponder.tasks import Task
from ponder.verifier import Aggregate, Solution, Verifier, aggregate
from ponder.verifier.policy import Sampled, StepPolicy, is_final, split_steps

Strategy = Literal["best-of-n", "majority", "weighted-vote", "beam", "mcts"]


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of every strategy; each reads the ones it needs."""

    strategy: Strategy = "best-of-n"
    n: int = 8  # whole solutions sampled (best-of-n, majority, weighted-vote)
    aggregate: Aggregate = "min"  # step scores -> solution score
    beam_width: int = 2
    expand: int = 4  # next steps sampled per beam or tree node
    max_steps: int = 8  # depth limit of beam search and MCTS
    simulations: int = 16  # MCTS iterations
    exploration: float = 1.0  # UCT constant
    max_tokens: int | None = None  # this search's own token cap, on top of the run budget


@dataclass
class SearchResult:
    """The chosen solution and what finding it cost."""

    steps: list[str]
    answer: str | None
    score: float
    tokens: int = 0
    calls: int = 0
    candidates: int = 0
    stopped_by: str = "done"
    details: dict[str, Any] = field(default_factory=dict)


class _OutOfTokens(Exception):
    """The token cap of the running search is spent."""


@dataclass
class _Run:
    """One search's access to the policy and verifier, with its token accounting."""

    task: Task
    policy: StepPolicy
    verifier: Verifier | None
    config: SearchConfig
    tokens: int = 0
    calls: int = 0
    scored: int = 0
    best: tuple[list[str], float] | None = None  # what a budget stop returns

    async def _sampled(self, call: Callable[[], Awaitable[Sampled]]) -> list[str]:
        """Make the policy call unless the token cap is spent (checked before it is made)."""
        if self.config.max_tokens is not None and self.tokens >= self.config.max_tokens:
            raise _OutOfTokens
        sampled = await call()
        self.tokens += sampled.tokens
        self.calls += 1
        return sampled.texts

    async def solutions(self, n: int) -> list[list[str]]:
        texts = await self._sampled(lambda: self.policy.solve(self.task, n))
        return [steps for steps in (split_steps(text) for text in texts) if steps]

    async def next_steps(self, steps: Sequence[str], k: int) -> list[str]:
        texts = await self._sampled(lambda: self.policy.propose(self.task, steps, k))
        unique = list(dict.fromkeys(text.strip() for text in texts if text.strip()))
        return unique

    async def score(self, candidates: Sequence[Sequence[str]]) -> list[list[float]]:
        if self.verifier is None:
            raise UsageError(f"search strategy '{self.config.strategy}' needs a verifier")
        if not candidates:
            return []
        self.scored += len(candidates)
        batch = [Solution.of(self.task.prompt(), steps) for steps in candidates]
        scores: list[list[float]] = await asyncio.to_thread(self.verifier.score, batch)
        for steps, row in zip(candidates, scores, strict=True):
            self._remember(list(steps), aggregate(row, self.config.aggregate))
        return scores

    def _remember(self, steps: list[str], score: float) -> None:
        """Keep the best candidate seen, finished ones first, for a search cut short."""

        def rank(item: tuple[list[str], float]) -> tuple[bool, float, int]:
            return bool(item[0]) and is_final(item[0][-1]), item[1], len(item[0])

        if self.best is None or rank((steps, score)) > rank(self.best):
            self.best = (steps, score)

    def answer(self, steps: Sequence[str]) -> str | None:
        final = next((step for step in reversed(steps) if is_final(step)), None)
        return self.task.extract(final) if final is not None else None

    def result(self, steps: Sequence[str], score: float, **details: Any) -> SearchResult:
        return SearchResult(
            list(steps),
            self.answer(steps),
            score,
            self.tokens,
            self.calls,
            self.scored,
            details=details,
        )


def _vote_key(answer: str) -> str:
    """Answers that are the same number vote together (`42`, `42.0`, `84/2`)."""
    try:
        return str(Fraction(answer.replace(" ", "").replace(",", "")))
    except (ValueError, ZeroDivisionError):
        return answer.strip()


async def best_of_n(run: _Run) -> SearchResult:
    """Sample N solutions, keep the one the verifier scores highest."""
    drafts = await run.solutions(run.config.n)
    scores = await run.score(drafts)
    if not drafts:
        return run.result([], 0.0)
    totals = [aggregate(row, run.config.aggregate) for row in scores]
    best = max(range(len(drafts)), key=lambda i: totals[i])
    return run.result(drafts[best], totals[best], scores=totals)


async def majority_vote(run: _Run) -> SearchResult:
    """Sample N solutions, return one whose answer is the most common (self-consistency)."""
    drafts = await run.solutions(run.config.n)
    return _vote(run, drafts, [1.0] * len(drafts))


async def weighted_vote(run: _Run) -> SearchResult:
    """Like majority vote, but each solution's vote weighs its aggregated PRM score."""
    drafts = await run.solutions(run.config.n)
    scores = await run.score(drafts)
    return _vote(run, drafts, [aggregate(row, run.config.aggregate) for row in scores])


def _vote(run: _Run, drafts: list[list[str]], weights: list[float]) -> SearchResult:
    tally: dict[str, float] = defaultdict(float)
    holder: dict[str, int] = {}
    for index, steps in enumerate(drafts):
        answer = run.answer(steps)
        if answer is None:
            continue
        key = _vote_key(answer)
        tally[key] += weights[index]
        if key not in holder or weights[index] > weights[holder[key]]:
            holder[key] = index
    if not tally:
        return run.result(drafts[0] if drafts else [], 0.0, votes={})
    winner = max(tally, key=lambda key: tally[key])
    total = sum(tally.values()) or 1.0
    return run.result(drafts[holder[winner]], tally[winner] / total, votes=dict(tally))


async def beam_search(run: _Run) -> SearchResult:
    """Expand each beam with k sampled next steps; keep the `beam_width` best by PRM.

    A candidate's rank is the aggregate of its step scores, so one bad step sinks a path
    under `min` however good the rest are. Finished paths (a final-answer step) leave the
    beam; the best finished one wins, else the best unfinished one.
    """
    config = run.config
    beams: list[tuple[list[str], float]] = [([], 1.0)]
    finished: list[tuple[list[str], float]] = []
    for _ in range(config.max_steps):
        candidates: list[list[str]] = []
        for steps, _score in beams:
            for step in await run.next_steps(steps, config.expand):
                candidates.append([*steps, step])
        if not candidates:
            break
        scores = await run.score(candidates)
        ranked = sorted(
            (
                (steps, aggregate(row, config.aggregate))
                for steps, row in zip(candidates, scores, strict=True)
            ),
            key=lambda pair: -pair[1],
        )
        beams = []
        for steps, score in ranked:
            if is_final(steps[-1]):
                finished.append((steps, score))
            elif len(beams) < config.beam_width:
                beams.append((steps, score))
        if not beams or len(finished) >= config.beam_width:
            break
    pool = finished or beams
    steps, score = max(pool, key=lambda pair: pair[1])
    return run.result(steps, score, finished=len(finished))


@dataclass
class _Node:
    steps: list[str]
    prior: float  # the PRM score of this node's last step
    path_score: float  # aggregate over the path's step scores
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    visits: int = 0
    value_sum: float = 0.0
    expanded: bool = False

    @property
    def terminal(self) -> bool:
        return bool(self.steps) and is_final(self.steps[-1])

    @property
    def value(self) -> float:
        """Mean backed-up value; an unvisited node is valued at its PRM score."""
        return self.value_sum / self.visits if self.visits else self.prior

    def uct(self, exploration: float) -> float:
        parent_visits = self.parent.visits if self.parent is not None else 1
        return self.value + exploration * math.sqrt(math.log(parent_visits + 1) / (self.visits + 1))


async def mcts(run: _Run) -> SearchResult:
    """Monte Carlo tree search over steps with PRM values.

    Select by UCT down to a leaf, expand it with k sampled next steps scored by the PRM in
    one batch, evaluate the best new child by its PRM score (no rollout: the PRM is the
    value function), and back the value up the path. `simulations` bounds the iterations.
    The answer is the best finished path by mean value, else the most visited path.
    """
    config = run.config
    root = _Node([], 1.0, 1.0)
    for _ in range(config.simulations):
        node = root
        while node.expanded and node.children and not node.terminal:
            node = max(node.children, key=lambda child: child.uct(config.exploration))
        if not node.terminal and not node.expanded and len(node.steps) < config.max_steps:
            steps = await run.next_steps(node.steps, config.expand)
            node.expanded = True
            paths = [[*node.steps, step] for step in steps]
            scores = await run.score(paths)
            for path, row in zip(paths, scores, strict=True):
                child = _Node(path, row[-1], aggregate(row, config.aggregate), parent=node)
                node.children.append(child)
            if node.children:
                node = max(node.children, key=lambda child: child.prior)
        value = node.prior
        walker: _Node | None = node
        while walker is not None:
            walker.visits += 1
            walker.value_sum += value
            walker = walker.parent
    done = [n for n in _walk(root) if n.terminal and n.visits]
    if done:
        best = max(done, key=lambda n: (n.value, n.path_score))
    else:
        best = root
        while best.children:
            best = max(best.children, key=lambda child: (child.visits, child.value))
    visits = {child.steps[-1]: child.visits for child in root.children}
    return run.result(best.steps, best.path_score, root_visits=visits, simulations=root.visits)


def _walk(node: _Node) -> list[_Node]:
    nodes = [node]
    for child in node.children:
        nodes.extend(_walk(child))
    return nodes


STRATEGIES: dict[str, Callable[[_Run], Awaitable[SearchResult]]] = {
    "best-of-n": best_of_n,
    "majority": majority_vote,
    "weighted-vote": weighted_vote,
    "beam": beam_search,
    "mcts": mcts,
}


async def search(
    task: Task, policy: StepPolicy, verifier: Verifier | None, config: SearchConfig
) -> SearchResult:
    """Run `config.strategy` on one task. Budget exhaustion ends the search, not the run."""
    if config.strategy not in STRATEGIES:
        raise UsageError(
            f"unknown search strategy '{config.strategy}' (choose from {', '.join(STRATEGIES)})"
        )
    run = _Run(task, policy, verifier, config)
    try:
        return await STRATEGIES[config.strategy](run)
    except (BudgetExceeded, _OutOfTokens) as stop:
        steps, score = run.best if run.best is not None else ([], 0.0)
        result = run.result(steps, score)
        result.stopped_by = "budget" if isinstance(stop, BudgetExceeded) else "token cap"
        return result


class SearchState(TypedDict, total=False):
    """A search's outcome as plain data, so it can live in a checkpoint."""

    task_id: str
    steps: list[str]
    answer: str | None
    score: float
    tokens: int
    stopped_by: str


@dataclass(frozen=True)
class SearchContext:
    """Per-invocation data that is not checkpointed: the task with its checker."""

    task: Task


def build_search_graph(
    policy: StepPolicy, verifier: Verifier | None, config: SearchConfig
) -> CompiledStateGraph[SearchState, SearchContext, SearchState, SearchState]:
    """One-node graph (`search`) for composing a search into a larger LangGraph."""

    async def node(state: SearchState, runtime: Runtime[SearchContext]) -> dict[str, Any]:
        result = await search(runtime.context.task, policy, verifier, config)
        return {
            "task_id": runtime.context.task.id,
            "steps": result.steps,
            "answer": result.answer,
            "score": result.score,
            "tokens": result.tokens,
            "stopped_by": result.stopped_by,
        }

    graph = StateGraph(SearchState, context_schema=SearchContext)
    graph.add_node("search", node)
    graph.add_edge(START, "search")
    graph.add_edge("search", END)
    return graph.compile(name=f"search-{config.strategy}")
