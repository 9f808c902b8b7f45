"""`TorchPRM`: a `ProcessRewardModel`, its tokenizer and recipe behind the `Verifier` protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ponder.verifier.batching import Encoded, buckets, collate
from ponder.verifier.device import Placement
from ponder.verifier.model import ProcessRewardModel
from ponder.verifier.protocol import Solution
from ponder.verifier.recipes import Recipe, Tokenizer


@dataclass
class TorchPRM:
    """Scores all steps of each solution in one forward pass, in length-bucketed batches.

    `max_batch_tokens` bounds a batch's padded size (rows x longest row); raise it on a GPU
    with memory to spare, lower it when a long solution runs out of memory.
    """

    model: ProcessRewardModel
    tokenizer: Tokenizer
    recipe: Recipe
    placement: Placement
    max_batch_tokens: int = 16384
    max_batch_size: int = 64

    def __post_init__(self) -> None:
        self.model.eval()
        pad = self.tokenizer.pad_token_id
        self.pad_id: int = int(pad if pad is not None else (self.tokenizer.eos_token_id or 0))

    def encode(self, solutions: Sequence[Solution]) -> list[Encoded]:
        return [self.recipe.encode(self.tokenizer, s.question, s.steps) for s in solutions]

    def score(self, solutions: Sequence[Solution]) -> list[list[float]]:
        return self.score_encoded(self.encode(solutions))

    @torch.inference_mode()
    def score_encoded(
        self, encoded: Sequence[Encoded], *, bucketed: bool = True
    ) -> list[list[float]]:
        """Scores per solution, in input order. `bucketed=False` runs one solution per pass."""
        results: list[list[float]] = [[] for _ in encoded]
        if bucketed:
            groups = buckets(
                [len(e.input_ids) for e in encoded], self.max_batch_tokens, self.max_batch_size
            )
        else:
            groups = [[i] for i in range(len(encoded))]
        for group in groups:
            batch = collate([encoded[i] for i in group], self.pad_id, self.placement.device)
            scores = self.model(batch).float().cpu()  # [N]
            for index, chunk in zip(group, scores.split(batch.counts), strict=True):
                results[index] = chunk.tolist()
        return results

    def score_prefixes(self, solutions: Sequence[Solution]) -> list[list[float]]:
        """The slow reference: one pass per step prefix, reading only its last step.

        Kept for checking the one-pass path and for benchmarks; search never needs it.
        """
        results: list[list[float]] = []
        for s in solutions:
            prefixes = [
                self.recipe.encode(self.tokenizer, s.question, s.steps[: k + 1])
                for k in range(len(s.steps))
            ]
            last_only = [Encoded(e.input_ids, e.positions[-1:]) for e in prefixes]
            results.append([row[0] for row in self.score_encoded(last_only, bucketed=False)])
        return results
