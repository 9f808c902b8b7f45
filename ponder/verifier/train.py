"""Training a head PRM: frozen-backbone features at step positions, then a small MLP.

The backbone runs once per solution (one pass, all steps) and its step states are kept;
epochs then only touch the head, so training on a CPU takes seconds after the features.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ponder.verifier.batching import buckets, collate
from ponder.verifier.data import LabeledSolution
from ponder.verifier.device import Placement
from ponder.verifier.loading import backbone_directory, load_backbone, load_tokenizer
from ponder.verifier.model import ProcessRewardModel, read_hidden
from ponder.verifier.recipes import PiecewiseRecipe, Tokenizer
from ponder.verifier.scorer import TorchPRM
from ponder.verifier.trainable import WEIGHTS_FILE, HeadConfig, StepHead


@torch.inference_mode()
def step_features(
    backbone: nn.Module,
    tokenizer: Tokenizer,
    solutions: Sequence[LabeledSolution],
    placement: Placement,
    *,
    layer: int = -1,
    separator: str = "\n",
    max_batch_tokens: int = 8192,
) -> torch.Tensor:
    """Backbone states at every step of every solution, in order: `[sum of steps, H]` float32."""
    recipe = PiecewiseRecipe(separator=separator, bos=False)
    encoded = [recipe.encode(tokenizer, s.question, s.steps) for s in solutions]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    parts: list[torch.Tensor | None] = [None] * len(encoded)
    for group in buckets([len(e.input_ids) for e in encoded], max_batch_tokens):
        batch = collate([encoded[i] for i in group], int(pad or 0), placement.device)
        hidden = read_hidden(backbone, batch, layer).float().cpu()  # [N, H]
        for index, chunk in zip(group, hidden.split(batch.counts), strict=True):
            parts[index] = chunk
    return torch.cat([part for part in parts if part is not None])


@dataclass(frozen=True)
class TrainSettings:
    """Head training knobs; the defaults suit a few hundred to a few thousand steps."""

    epochs: int = 200
    lr: float = 3e-3
    weight_decay: float = 1e-2
    batch_size: int = 256
    inner_size: int = 256
    dropout: float = 0.1
    layer: int = -1
    seed: int = 0


def fit_head(
    features: torch.Tensor, targets: torch.Tensor, config: HeadConfig, settings: TrainSettings
) -> tuple[StepHead, list[float]]:
    """Train a `StepHead` with class-balanced BCE (soft targets allowed); returns epoch losses."""
    torch.manual_seed(settings.seed)
    head = StepHead(config)
    optimiser = torch.optim.AdamW(
        head.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
    )
    positive = float(targets.mean().clamp(0.05, 0.95))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - positive) / positive))
    generator = torch.Generator().manual_seed(settings.seed)
    losses = []
    head.train()
    for _ in range(settings.epochs):
        order = torch.randperm(len(targets), generator=generator)
        total = 0.0
        for start in range(0, len(order), settings.batch_size):
            index = order[start : start + settings.batch_size]
            loss = loss_fn(head.logits(features[index]), targets[index])  # [b] vs [b]
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(index)
        losses.append(total / len(order))
    head.eval()
    return head, losses


def save_head(directory: Path, head: StepHead, config: HeadConfig) -> None:
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in head.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    config.save(directory)


@dataclass(frozen=True)
class TrainReport:
    config: HeadConfig
    steps: int
    positive_fraction: float
    first_loss: float
    last_loss: float


def train_head_prm(
    solutions: Sequence[LabeledSolution],
    backbone: str,
    out: Path,
    placement: Placement,
    settings: TrainSettings | None = None,
    *,
    allow_hub: bool = False,
) -> TrainReport:
    """Train on labelled solutions and save a checkpoint that `load_prm("head", out)` reads."""
    settings = settings or TrainSettings()
    if not solutions:
        raise ValueError("no labelled solutions to train on")
    directory = backbone_directory(backbone, allow_hub)
    tokenizer = load_tokenizer(directory)
    model = load_backbone(directory, placement)
    features = step_features(model, tokenizer, solutions, placement, layer=settings.layer)
    targets = torch.tensor([label for s in solutions for label in s.labels], dtype=torch.float32)
    config = HeadConfig(
        backbone=_portable(backbone),
        hidden_size=features.shape[1],
        layer=settings.layer,
        inner_size=settings.inner_size,
        dropout=settings.dropout,
    )
    head, losses = fit_head(features, targets, config, settings)
    config = replace(config, metrics={"first_loss": losses[0], "last_loss": losses[-1]})
    save_head(out, head, config)
    return TrainReport(config, len(targets), float(targets.mean()), losses[0], losses[-1])


def _portable(backbone: str) -> str:
    """Built-in names stay names; directories are stored absolute so the checkpoint can move."""
    path = Path(backbone).expanduser()
    return str(path.resolve()) if path.is_dir() else backbone


def split(
    solutions: Sequence[LabeledSolution], fraction: float, seed: int = 0
) -> tuple[list[LabeledSolution], list[LabeledSolution]]:
    """A seeded shuffle cut into (first `fraction`, rest)."""
    shuffled = list(solutions)
    random.Random(seed).shuffle(shuffled)
    cut = round(len(shuffled) * fraction)
    return shuffled[:cut], shuffled[cut:]


def untrained_like(prm: TorchPRM, seed: int = 0) -> TorchPRM:
    """The same backbone and recipe with a freshly initialised head: the baseline to beat."""
    head = prm.model.head
    if not isinstance(head, StepHead):
        raise TypeError("only a head PRM has an untrained counterpart")
    torch.manual_seed(seed)
    norm: Any = head.net[0]
    fresh = StepHead(HeadConfig(backbone="", hidden_size=int(norm.normalized_shape[0])))
    model = ProcessRewardModel(prm.model.backbone, fresh.eval(), prm.model.layer)
    return replace(prm, model=model.to(prm.placement.device))
