"""Step-labelled solutions on disk: one JSON object per line, the format `prm label` writes.

`labels` are in [0, 1]: hard labels are 0/1, Monte Carlo soft labels are the fraction of
rollouts from that step that reached a correct answer. Training takes either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ponder.errors import ScenarioError


@dataclass(frozen=True)
class LabeledSolution:
    """A question, its steps, and one label per step."""

    question: str
    steps: list[str]
    labels: list[float]
    source: str = ""
    hard: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.labels):
            raise ValueError("a labelled solution needs exactly one label per step")

    def first_error(self, threshold: float = 0.5) -> int:
        """Index of the earliest step labelled below `threshold`, or -1 (ProcessBench's label)."""
        return next((i for i, label in enumerate(self.labels) if label < threshold), -1)


def write_jsonl(path: Path, solutions: Iterable[LabeledSolution]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for solution in solutions:
            handle.write(json.dumps(asdict(solution)) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[LabeledSolution]:
    solutions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            solutions.append(LabeledSolution(**json.loads(line)))
        except (json.JSONDecodeError, TypeError, ValueError) as error:
            raise ScenarioError(
                str(path), f"line {number}", f"not a labelled solution ({error})"
            ) from None
    return solutions
