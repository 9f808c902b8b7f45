"""PRM scoring throughput: one pass per solution vs one pass per step prefix.

CPU (default): a small random Qwen2-architecture PRM, solutions of 4, 8 and 16 steps, each
scored (a) in one pass reading every step marker and (b) prefix by prefix, the way a PRM
without step markers must be run; each with batch size 1 and with length-bucketed batches.

    python bench/prm.py                       # CPU table
    python bench/prm.py --device cuda         # ~1B Qwen2, bf16, batch 32 x 512: tokens/s, MFU

Random weights and token ids: speed does not depend on what the weights are.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from types import SimpleNamespace

import torch
from transformers import Qwen2Config, Qwen2Model

from ponder.verifier.batching import Encoded
from ponder.verifier.device import Placement, place
from ponder.verifier.model import ProcessRewardModel, TwoClassHead
from ponder.verifier.recipes import PiecewiseRecipe
from ponder.verifier.scorer import TorchPRM

PEAK_BF16_FLOPS = 800e12  # H100/H200 dense bf16, the figure MFU is reported against


def build(config: Qwen2Config, placement: Placement) -> TorchPRM:
    torch.manual_seed(0)
    backbone = Qwen2Model(config).to(dtype=placement.dtype, device=placement.device).eval()
    model = ProcessRewardModel(backbone, TwoClassHead(config.hidden_size)).to(placement.device)
    tokenizer = SimpleNamespace(pad_token_id=0, eos_token_id=0)
    return TorchPRM(model, tokenizer, PiecewiseRecipe(), placement, max_batch_tokens=8192)


def solutions(count: int, steps: int, vocab: int, seed: int) -> list[Encoded]:
    """A 48-token question then `steps` steps of 16-48 tokens, a reward read after each."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        ids = [rng.randrange(1, vocab) for _ in range(48)]
        positions = []
        for _ in range(steps):
            ids += [rng.randrange(1, vocab) for _ in range(rng.randint(16, 48))]
            positions.append(len(ids) - 1)
        made.append(Encoded(ids, positions))
    return made


def prefixes(encoded: list[Encoded]) -> list[Encoded]:
    """Every step prefix as its own sequence, reading only its last step."""
    return [Encoded(e.input_ids[: p + 1], [p]) for e in encoded for p in e.positions]


def timed(run: Callable[[], object], device: torch.device, repeats: int = 1) -> float:
    run()  # warm-up: allocator, kernels
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def cpu_table(count: int) -> None:
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    config = Qwen2Config(
        vocab_size=8192,
        hidden_size=256,
        intermediate_size=1024,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
    )
    placement = place("cpu")
    prm = build(config, placement)
    print(
        f"CPU, random Qwen2 {sum(p.numel() for p in prm.model.parameters()) / 1e6:.1f}M params, "
        f"{count} solutions per cell, {torch.get_num_threads()} threads"
    )
    header = (
        "steps | tokens/sol | one-pass b=1 sol/s | one-pass bucketed sol/s | prefix b=1 sol/s "
        "| prefix bucketed sol/s | one-pass/prefix (b=1) | one-pass/prefix (bucketed) "
        "| bucketed/b=1 (one-pass) | one-pass tokens/s"
    )
    print(header)
    print("|".join("---" for _ in header.split("|")))
    for steps in (4, 8, 16):
        data = solutions(count, steps, config.vocab_size, seed=steps)
        split = prefixes(data)
        cells = {
            "one1": timed(lambda: prm.score_encoded(data, bucketed=False), placement.device),  # noqa: B023
            "oneB": timed(lambda: prm.score_encoded(data), placement.device),  # noqa: B023
            "pre1": timed(lambda: prm.score_encoded(split, bucketed=False), placement.device),  # noqa: B023
            "preB": timed(lambda: prm.score_encoded(split), placement.device),  # noqa: B023
        }
        rate = {key: count / seconds for key, seconds in cells.items()}
        tokens = sum(len(e.input_ids) for e in data) / count
        print(
            f"{steps} | {tokens:.0f} | {rate['one1']:.1f} | {rate['oneB']:.1f} | {rate['pre1']:.1f} "
            f"| {rate['preB']:.1f} | {rate['one1'] / rate['pre1']:.1f}x | {rate['oneB'] / rate['preB']:.1f}x "
            f"| {rate['oneB'] / rate['one1']:.1f}x | {rate['oneB'] * tokens:.0f}"
        )


def flops_per_token(config: Qwen2Config, sequence: int) -> float:
    """Forward FLOPs per token: 2 x matmul parameters + causal attention scores and mixing."""
    d, layers = config.hidden_size, config.num_hidden_layers
    kv = d // config.num_attention_heads * config.num_key_value_heads
    per_layer = d * d * 2 + d * kv * 2 + 3 * d * config.intermediate_size
    attention = 2 * 2 * layers * d * sequence / 2  # QK^T and AV, causal: half the square
    return 2 * per_layer * layers + attention


def cuda_run(batch: int, sequence: int, steps: int, compile_model: bool) -> None:
    placement = place("cuda")
    config = Qwen2Config(
        vocab_size=151936,
        hidden_size=2048,
        intermediate_size=5632,
        num_hidden_layers=20,
        num_attention_heads=16,
        num_key_value_heads=4,
        max_position_embeddings=4096,
        attn_implementation="sdpa",
    )
    prm = build(config, placement)
    prm.max_batch_tokens, prm.max_batch_size = batch * sequence, batch
    if compile_model:
        prm.model.backbone = torch.compile(prm.model.backbone)  # type: ignore[assignment]
    params = sum(p.numel() for p in prm.model.backbone.parameters())
    rng = random.Random(0)
    data = [
        Encoded(
            [rng.randrange(1, config.vocab_size) for _ in range(sequence)],
            [sequence * (k + 1) // steps - 1 for k in range(steps)],
        )
        for _ in range(batch)
    ]
    seconds = timed(lambda: prm.score_encoded(data), placement.device, repeats=10)
    tokens_per_s = batch * sequence / seconds
    mfu = tokens_per_s * flops_per_token(config, sequence) / PEAK_BF16_FLOPS
    print(
        f"{torch.cuda.get_device_name()}: random Qwen2 {params / 1e9:.2f}B params, bf16, SDPA, "
        f"batch {batch} x {sequence} tokens, {steps} steps read per solution"
        f"{', torch.compile' if compile_model else ''}"
    )
    print(
        f"{seconds * 1000:.1f} ms per batch | {tokens_per_s:,.0f} tokens/s | "
        f"{batch / seconds:,.1f} solutions/s | MFU {mfu:.1%} of {PEAK_BF16_FLOPS / 1e12:.0f} TFLOP/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--count", type=int, default=12, help="solutions per CPU cell")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--sequence", type=int, default=512)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--compile", action="store_true", help="torch.compile the backbone")
    args = parser.parse_args()
    if args.device == "cuda":
        cuda_run(args.batch, args.sequence, args.steps, args.compile)
    else:
        cpu_table(args.count)


if __name__ == "__main__":
    main()
