"""The trainable PRM head and its config: a small MLP over a frozen backbone's step states.

Only the head is trained. The backbone stays frozen, so its features can be computed once
per data set and an epoch costs a few matrix products; a checkpoint is the head's weights
plus this config, which names the backbone and the token layout it was trained with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

CONFIG_FILE = "prm.json"
WEIGHTS_FILE = "head.safetensors"
FORMAT = "ponder-head-prm/1"


@dataclass(frozen=True)
class HeadConfig:
    """Everything needed to rebuild a trained head PRM on any device."""

    backbone: str  # a built-in backbone name (smollm2-135m) or a transformers model directory
    hidden_size: int
    layer: int = -1  # which hidden layer feeds the head; -1 is the final one
    inner_size: int = 256
    dropout: float = 0.1
    separator: str = "\n"
    metrics: dict[str, float] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        data = {"format": FORMAT, **asdict(self)}
        (directory / CONFIG_FILE).write_text(json.dumps(data, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> HeadConfig:
        data: dict[str, Any] = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        if data.pop("format", None) != FORMAT:
            raise ValueError(f"{directory / CONFIG_FILE} is not a {FORMAT} checkpoint")
        return cls(**data)


class StepHead(nn.Module):
    """LayerNorm -> Linear -> GELU -> Dropout -> Linear: P(step is good) as a sigmoid.

    The LayerNorm makes the head indifferent to the backbone's activation scale, which
    differs a lot between layers and between backbones.
    """

    def __init__(self, config: HeadConfig) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(config.hidden_size),
            nn.Linear(config.hidden_size, config.inner_size),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.inner_size, 1),
        )

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.net(hidden).squeeze(-1)  # [N, H] -> [N]
        return logits

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(hidden))  # [N]
