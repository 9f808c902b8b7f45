"""Small statistics for success rates: Wilson intervals and a bootstrap for differences."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """A success rate with its 95% Wilson interval."""

    successes: int
    total: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.successes / self.total if self.total else 0.0


def wilson(successes: int, total: int, z: float = Z_95) -> Rate:
    """Wilson score interval: well behaved at 0%, 100% and small n, unlike the normal one."""
    if total == 0:
        return Rate(0, 0, 0.0, 1.0)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Rate(successes, total, max(0.0, centre - spread), min(1.0, centre + spread))


def bootstrap_difference(
    a: Sequence[bool], b: Sequence[bool], samples: int = 10_000, seed: int = 0
) -> tuple[float, float, float]:
    """Difference of success rates (b - a) with a 95% percentile bootstrap interval."""
    if not a or not b:
        return 0.0, -1.0, 1.0
    rng = np.random.default_rng(seed)
    first, second = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    means_a = rng.choice(first, size=(samples, first.size)).mean(axis=1)
    means_b = rng.choice(second, size=(samples, second.size)).mean(axis=1)
    differences = means_b - means_a
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(second.mean() - first.mean()), float(low), float(high)
