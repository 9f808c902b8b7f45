"""Packing tokenised solutions into padded batches with little padding.

Sequences are sorted by length and cut into buckets under a token budget, so a batch holds
sequences of similar length: padding (wasted compute) stays small and one long solution
does not force a huge batch. Results are put back in the caller's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Encoded:
    """Token ids of one solution and the positions whose hidden state scores each step."""

    input_ids: list[int]
    positions: list[int]

    def __post_init__(self) -> None:
        if any(not 0 <= p < len(self.input_ids) for p in self.positions):
            raise ValueError("a step position lies outside the token sequence")


def buckets(
    lengths: Sequence[int], max_batch_tokens: int = 16384, max_batch_size: int = 64
) -> list[list[int]]:
    """Indices grouped into batches, longest first; a batch's padded size stays under budget."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # sorted descending: the first member of a group is its padded length
        width = lengths[current[0]] if current else lengths[index]
        if current and (
            len(current) >= max_batch_size or width * (len(current) + 1) > max_batch_tokens
        ):
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    return groups


@dataclass(frozen=True)
class Batch:
    """A padded batch and where to read each step's score in it."""

    input_ids: torch.Tensor  # [B, T] long, right-padded
    attention_mask: torch.Tensor  # [B, T] long, 1 on real tokens
    rows: torch.Tensor  # [N] long, batch row of each step position
    cols: torch.Tensor  # [N] long, token index of each step position
    counts: list[int]  # steps per sequence, to split the N scores back


def collate(items: Sequence[Encoded], pad_id: int, device: torch.device) -> Batch:
    """Right-pad (causal attention never looks at the padding after a real token)."""
    width = max(len(item.input_ids) for item in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    rows: list[int] = []
    cols: list[int] = []
    for row, item in enumerate(items):
        ids[row, : len(item.input_ids)] = torch.tensor(item.input_ids, dtype=torch.long)
        mask[row, : len(item.input_ids)] = 1
        rows.extend([row] * len(item.positions))
        cols.extend(item.positions)
    return Batch(
        ids.to(device),
        mask.to(device),
        torch.tensor(rows, dtype=torch.long, device=device),
        torch.tensor(cols, dtype=torch.long, device=device),
        [len(item.positions) for item in items],
    )
