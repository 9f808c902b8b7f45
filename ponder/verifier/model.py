"""The PRM as a torch module: a causal backbone, hidden states read at step positions, a head.

Heads only ever see the few hidden states at step positions (`[N, H]`, N = steps in the
batch), never the full `[B, T, H]` sequence, and token-logit heads keep just the two LM-head
rows they need: a 150k-row vocabulary projection would cost more memory than the backbone's
activations for a score that reads two numbers.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ponder.verifier.batching import Batch


def read_hidden(backbone: nn.Module, batch: Batch, layer: int = -1) -> torch.Tensor:
    """Hidden states at the step positions of a batch: `[N, H]` in the backbone's dtype.

    `layer=-1` is the final (normed) layer; other values index `hidden_states`, where 0 is
    the embeddings. Intermediate layers are often better features for a small trained head.
    """
    want_all = layer != -1
    out: Any = backbone(
        input_ids=batch.input_ids,
        attention_mask=batch.attention_mask,
        output_hidden_states=want_all,
        use_cache=False,
    )
    hidden: torch.Tensor = out.hidden_states[layer] if want_all else out.last_hidden_state
    # hidden: [B, T, H] -> [N, H]
    return hidden[batch.rows, batch.cols]


class TwoClassHead(nn.Module):
    """Qwen2.5-Math-PRM's head: Linear -> ReLU -> Linear to (negative, positive) logits."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.score = nn.Sequential(
            nn.Linear(hidden_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, 2)
        )

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = self.score(hidden)  # [N, 2]
        positive: torch.Tensor = logits.softmax(dim=-1)[:, 1]  # [N] P(positive)
        return positive


class TokenPairHead(nn.Module):
    """Math-Shepherd's head: softmax over the LM logits of the good and bad tokens only."""

    rows: torch.Tensor

    def __init__(self, rows: torch.Tensor) -> None:
        super().__init__()
        # rows: [2, H] = LM-head weights of (good, bad)
        self.register_buffer("rows", rows.detach().clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        logits = hidden @ self.rows.T  # [N, 2]
        return logits.softmax(dim=-1)[:, 0]  # [N] P(good)


class ValueHead(nn.Module):
    """Skywork-PRM's head (trl's value head): one linear unit, sigmoid of its value."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.summary = nn.Linear(hidden_size, 1)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.summary(hidden).squeeze(-1))  # [N]


class ProcessRewardModel(nn.Module):
    """Backbone + head. `forward(batch)` returns one probability per step position, `[N]`.

    The head runs in float32 whatever the backbone's dtype: it is tiny, and bf16 rounding
    of two close logits would blur exactly the scores a search compares.
    """

    def __init__(self, backbone: nn.Module, head: nn.Module, layer: int = -1) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head.float()
        self.layer = layer

    def forward(self, batch: Batch) -> torch.Tensor:
        hidden = read_hidden(self.backbone, batch, self.layer)  # [N, H]
        scores: torch.Tensor = self.head(hidden.float())  # [N]
        return scores
