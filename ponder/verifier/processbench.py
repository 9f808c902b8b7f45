"""ProcessBench: find the earliest wrong step; plus step-level AUC for fully labelled data.

A sample's label is the index of its earliest wrong step, or -1 when every step is right.
A verifier predicts the first step scored below a threshold. ProcessBench reports the
accuracy on erroneous samples, the accuracy on correct ones, and their harmonic mean (F1);
the threshold is chosen on a dev split and applied to the rest.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ponder.errors import ScenarioError
from ponder.verifier.data import LabeledSolution
from ponder.verifier.protocol import Solution, Verifier

FIELDS = ("id", "generator", "problem", "steps", "final_answer_correct", "label")


@dataclass(frozen=True)
class ProcessBenchSample:
    """One record of ProcessBench's published JSON."""

    id: str
    generator: str
    problem: str
    steps: list[str]
    final_answer_correct: bool
    label: int

    @classmethod
    def from_labeled(cls, index: int, solution: LabeledSolution) -> ProcessBenchSample:
        first = solution.first_error()
        return cls(
            str(index), solution.source, solution.question, list(solution.steps), first == -1, first
        )


def load_processbench(path: Path) -> list[ProcessBenchSample]:
    """A ProcessBench split as a JSON array or JSON lines; errors name the record and field."""
    text = path.read_text(encoding="utf-8")
    try:
        records: Any = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as error:
        raise ScenarioError(str(path), "", f"not JSON or JSON lines ({error})") from None
    samples = []
    for number, record in enumerate(records):
        where = f"[{number}]"
        if not isinstance(record, dict):
            raise ScenarioError(str(path), where, "each record must be an object")
        missing = [name for name in FIELDS if name not in record]
        if missing:
            raise ScenarioError(str(path), where, f"missing field(s) {', '.join(missing)}")
        steps, label = record["steps"], record["label"]
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
            raise ScenarioError(str(path), f"{where}.steps", "must be a non-empty list of strings")
        if not isinstance(label, int) or not -1 <= label < len(steps):
            raise ScenarioError(str(path), f"{where}.label", "must be -1 or a step index")
        samples.append(
            ProcessBenchSample(
                str(record["id"]),
                str(record["generator"]),
                str(record["problem"]),
                steps,
                bool(record["final_answer_correct"]),
                label,
            )
        )
    return samples


def first_below(scores: Sequence[float], threshold: float) -> int:
    return next((i for i, score in enumerate(scores) if score < threshold), -1)


@dataclass(frozen=True)
class F1Report:
    threshold: float
    error_accuracy: float
    correct_accuracy: float
    f1: float
    samples: int


def processbench_f1(
    scores: Sequence[Sequence[float]], labels: Sequence[int], threshold: float
) -> F1Report:
    predictions = [first_below(row, threshold) for row in scores]
    erroneous = [p == y for p, y in zip(predictions, labels, strict=True) if y != -1]
    correct = [p == -1 for p, y in zip(predictions, labels, strict=True) if y == -1]
    error_accuracy = sum(erroneous) / len(erroneous) if erroneous else 0.0
    correct_accuracy = sum(correct) / len(correct) if correct else 0.0
    total = error_accuracy + correct_accuracy
    f1 = 2 * error_accuracy * correct_accuracy / total if total else 0.0
    return F1Report(threshold, error_accuracy, correct_accuracy, f1, len(labels))


def best_threshold(scores: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The threshold with the best F1 on these (dev) samples, among midpoints of the scores."""
    values = sorted({score for row in scores for score in row})
    candidates = [0.5, *((a + b) / 2 for a, b in itertools.pairwise(values))]
    if values:
        candidates += [values[0] - 1e-6, values[-1] + 1e-6]
    return max(candidates, key=lambda t: (processbench_f1(scores, labels, t).f1, -abs(t - 0.5)))


def step_auc(scores: Sequence[float], labels: Sequence[float]) -> float:
    """Area under the ROC curve of step scores vs good(1)/bad(0) labels (ties count half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(1 for _, y in ranked if y >= 0.5)
    negatives = len(ranked) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum, index = 0.0, 0
    while index < len(ranked):
        end = index
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[index][0]:
            end += 1
        average_rank = (index + end) / 2 + 1
        rank_sum += average_rank * sum(1 for _, y in ranked[index : end + 1] if y >= 0.5)
        index = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class EvalReport:
    dev: F1Report
    test: F1Report
    auc: float | None


def evaluate(
    verifier: Verifier,
    samples: Sequence[ProcessBenchSample],
    dev_fraction: float = 0.3,
    step_labels: Sequence[Sequence[float]] | None = None,
) -> EvalReport:
    """Score every sample, pick the threshold on the first `dev_fraction`, report the rest.

    With `step_labels` (every step labelled, as in the Game-of-24 benchmark) the step AUC
    over all samples is reported too; ProcessBench itself only labels the first error.
    """
    scores = verifier.score([Solution.of(s.problem, s.steps) for s in samples])
    labels = [s.label for s in samples]
    cut = max(1, round(len(samples) * dev_fraction))
    threshold = best_threshold(scores[:cut], labels[:cut])
    dev = processbench_f1(scores[:cut], labels[:cut], threshold)
    test = processbench_f1(scores[cut:], labels[cut:], threshold) if cut < len(samples) else dev
    auc = None
    if step_labels is not None:
        flat_scores = [x for row in scores for x in row]
        flat_labels = [y for row in step_labels for y in row]
        auc = step_auc(flat_scores, flat_labels)
    return EvalReport(dev, test, auc)
