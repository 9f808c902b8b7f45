"""Building a ready `TorchPRM` from a directory (or, when allowed, the Hub) by `kind`.

Backbones load through the plain transformers class for their `model_type`, never through
a checkpoint's own modelling code, and heads are read from the weight files by name. The
built-in backbone `smollm2-135m` is the GGUF that ships with the embedded chat model: the
first load de-quantises it through transformers and caches it as safetensors.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ponder.errors import ModelNotAvailable, UsageError
from ponder.verifier.device import Placement, place
from ponder.verifier.model import ProcessRewardModel, TokenPairHead, TwoClassHead, ValueHead
from ponder.verifier.recipes import PiecewiseRecipe, QwenPRMRecipe, ShepherdRecipe, Tokenizer
from ponder.verifier.scorer import TorchPRM
from ponder.verifier.trainable import WEIGHTS_FILE, HeadConfig, StepHead
from ponder.verifier.weights import read_prefixed, read_rows

BUILT_IN_BACKBONES = {"smollm2-135m": "smollm2-135m"}  # name -> local model name (llm layer)
CACHE_ENV = "PONDER_CACHE_DIR"


def cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "ponder"


@contextlib.contextmanager
def _hub_online() -> Iterator[None]:
    """Ponder switches Hugging Face libraries offline at import; an explicit opt-in lifts it."""
    from huggingface_hub import constants

    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


def resolve_source(source: str | Path, allow_hub: bool = False) -> Path:
    """A local model directory, or a Hub repo id downloaded only when `allow_hub` is set."""
    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if not allow_hub:
        raise ModelNotAvailable(
            f"PRM weights not found: {source} is not a directory; pass a local directory, "
            "or allow downloading from the Hugging Face Hub (allow_hub=True / --allow-hub)"
        )
    from huggingface_hub import snapshot_download

    with _hub_online():
        return Path(snapshot_download(str(source)))


def _config(directory: Path) -> Any:
    """The plain transformers config for the checkpoint's `model_type`, ignoring `auto_map`."""
    from transformers import AutoConfig

    file = directory / "config.json"
    if not file.exists():
        raise ModelNotAvailable(f"no config.json in {directory}")
    data = json.loads(file.read_text(encoding="utf-8"))
    for key in ("auto_map", "architectures", "transformers_version"):
        data.pop(key, None)
    return AutoConfig.for_model(data.pop("model_type"), **data)


def load_backbone(directory: Path, placement: Placement) -> nn.Module:
    """The bare transformer (no LM head) of a checkpoint, frozen, on `placement`."""
    from transformers import MODEL_MAPPING
    from transformers import logging as hf_logging

    config = _config(directory)
    model_class: Any = MODEL_MAPPING[type(config)]
    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # head weights are "unexpected" to the bare model
    hf_logging.disable_progress_bar()
    try:
        model = model_class.from_pretrained(
            str(directory),
            config=config,
            dtype=placement.dtype,
            attn_implementation=placement.attention,
        )
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    model.requires_grad_(False)
    return model.to(placement.device).eval()  # type: ignore[no-any-return]


def load_tokenizer(directory: Path) -> Tokenizer:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory))


def built_in_backbone(name: str) -> Path:
    """Directory of a built-in backbone, converting and caching it on first use."""
    from ponder.llm.local_models import resolve

    target = cache_dir() / "backbones" / name
    if (target / "config.json").exists():
        return target
    gguf = resolve(BUILT_IN_BACKBONES[name]).path
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModel.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    model.hf_quantizer = None  # de-quantised already; lets save_pretrained write safetensors
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(str(partial))
    tokenizer.save_pretrained(str(partial))
    partial.replace(target)
    return target


def backbone_directory(backbone: str, allow_hub: bool = False) -> Path:
    if backbone in BUILT_IN_BACKBONES:
        return built_in_backbone(backbone)
    return resolve_source(backbone, allow_hub)


def _loaded(
    directory: Path, placement: Placement, make_head: Callable[[int, Tokenizer], nn.Module]
) -> tuple[ProcessRewardModel, Tokenizer]:
    tokenizer = load_tokenizer(directory)
    backbone = load_backbone(directory, placement)
    hidden = int(getattr(backbone.config, "hidden_size"))  # noqa: B009  (typed as Module | Tensor)
    head = make_head(hidden, tokenizer)
    return ProcessRewardModel(backbone, head).to(placement.device), tokenizer


def load_qwen_prm(directory: Path, placement: Placement, **options: Any) -> TorchPRM:
    """Qwen2.5-Math-PRM: the two-class `score` MLP over Qwen2, P(positive) at `<extra_0>`."""

    def head(hidden: int, _: Tokenizer) -> nn.Module:
        module = TwoClassHead(hidden)
        module.score.load_state_dict(read_prefixed(directory, "score."))
        return module

    model, tokenizer = _loaded(directory, placement, head)
    return TorchPRM(model, tokenizer, QwenPRMRecipe(**options), placement)


def load_math_shepherd(
    directory: Path, placement: Placement, good: str = "+", bad: str = "-", **options: Any
) -> TorchPRM:
    """Math-Shepherd: softmax over the `+`/`-` rows of the LM head at each ` ки` tag."""

    def head(_: int, tokenizer: Tokenizer) -> nn.Module:
        ids = tokenizer(f"{good} {bad}", add_special_tokens=False)["input_ids"]
        if len(ids) != 2:
            raise ModelNotAvailable(f"'{good} {bad}' is not two tokens for the tokenizer")
        rows = read_rows(directory, ["lm_head.weight", "model.embed_tokens.weight"], ids)
        return TokenPairHead(rows.float())

    model, tokenizer = _loaded(directory, placement, head)
    return TorchPRM(model, tokenizer, ShepherdRecipe(**options), placement)


def load_skywork(directory: Path, placement: Placement, **options: Any) -> TorchPRM:
    """Skywork-PRM: trl's value head (`v_head.summary`) over a Qwen2 causal LM, sigmoid."""

    def head(hidden: int, _: Tokenizer) -> nn.Module:
        module = ValueHead(hidden)
        module.summary.load_state_dict(read_prefixed(directory, "v_head.summary."))
        return module

    model, tokenizer = _loaded(directory, placement, head)
    return TorchPRM(model, tokenizer, PiecewiseRecipe(**options), placement)


def load_head_prm(directory: Path, placement: Placement, allow_hub: bool = False) -> TorchPRM:
    """A head trained by `train_head_prm`; its config names the backbone to put it on."""
    from safetensors.torch import load_file

    if not (directory / WEIGHTS_FILE).exists():
        raise ModelNotAvailable(f"{directory} has no {WEIGHTS_FILE}: not a trained head PRM")
    config = HeadConfig.load(directory)
    base = backbone_directory(config.backbone, allow_hub)
    head = StepHead(config)
    head.load_state_dict(load_file(str(directory / WEIGHTS_FILE), device="cpu"))
    tokenizer = load_tokenizer(base)
    model = ProcessRewardModel(load_backbone(base, placement), head, layer=config.layer)
    recipe = PiecewiseRecipe(separator=config.separator, bos=False)
    return TorchPRM(model.to(placement.device), tokenizer, recipe, placement)


Loader = Callable[..., TorchPRM]
LOADERS: dict[str, Loader] = {
    "qwen-prm": load_qwen_prm,
    "math-shepherd": load_math_shepherd,
    "skywork": load_skywork,
    "head": load_head_prm,
}


def load_prm(
    kind: str,
    source: str | Path,
    *,
    device: str | None = "auto",
    dtype: str | None = None,
    allow_hub: bool = False,
    max_batch_tokens: int = 16384,
    **options: Any,
) -> TorchPRM:
    """Load a PRM by `kind` (qwen-prm, math-shepherd, skywork, head) from `source`.

    `source` is a local directory; a Hub repo id is downloaded only with `allow_hub=True`.
    `options` go to the recipe (e.g. `system=` for qwen-prm, `number_steps=` for
    math-shepherd).
    """
    if kind not in LOADERS:
        raise UsageError(f"unknown PRM kind '{kind}' (choose from {', '.join(LOADERS)})")
    placement = place(device, dtype)
    directory = resolve_source(source, allow_hub)
    if kind == "head":
        prm = load_head_prm(directory, placement, allow_hub=allow_hub)
    else:
        prm = LOADERS[kind](directory, placement, **options)
    prm.max_batch_tokens = max_batch_tokens
    return prm
