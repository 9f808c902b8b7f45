"""Where a PRM runs and in which precision.

A CUDA GPU gets bf16 weights and PyTorch's fused SDPA attention (half the memory of fp32 and
the tensor-core path); a CPU keeps float32, since bf16 matmuls there are slow and lossy.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ponder.errors import UsageError


@dataclass(frozen=True)
class Placement:
    """A device, the dtype for the backbone on it, and the attention kernel to ask for."""

    device: torch.device
    dtype: torch.dtype
    attention: str = "sdpa"

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"


def place(device: str | torch.device | None = "auto", dtype: str | None = None) -> Placement:
    """Resolve `auto`/`cpu`/`cuda[:N]` and an optional dtype name (`float32`, `bfloat16`)."""
    name = "auto" if device is None else str(device)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    resolved = torch.device(name)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise UsageError("device 'cuda' was requested but no CUDA GPU is visible to torch")
    if dtype is None:
        chosen = torch.bfloat16 if resolved.type == "cuda" else torch.float32
    else:
        chosen = getattr(torch, dtype, None)  # type: ignore[assignment]  # checked below
        if not isinstance(chosen, torch.dtype) or not chosen.is_floating_point:
            raise UsageError(f"unknown dtype '{dtype}' (use float32, bfloat16 or float16)")
    return Placement(resolved, chosen)
