"""Tiny randomly initialised checkpoints in the public PRM layouts, built in a temp directory.

Each builder writes what the real checkpoint directory holds: `config.json` with the real
`architectures`/`auto_map` entries, safetensors with the real tensor names, and a fast
tokenizer. Nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from torch import nn
from transformers import (
    LlamaConfig,
    LlamaModel,
    MistralConfig,
    MistralForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen2Model,
)

QWEN_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<extra_0>", "<s>"]
CORPUS = [
    "Step 1: 4 * 6 = 24 (left: 1 1 24) ки",
    "Step 2: 24 * 1 = 24 (left: 1 24) ки\nStep 3: 24 + 1 = 25 ки",
    "Use the numbers 1 4 6 8 and + - * / to make 24.",
    "The answer is + or - Answer: (4*6)*1/1 = 24 left over numbers",
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "system user assistant question steps",
]


def tokenizer(
    directory: Path, bos: str | None = None, add_bos: bool = False
) -> PreTrainedTokenizerFast:
    """A byte-level BPE of ~400 tokens trained here, with Qwen's chat special tokens.

    `add_bos` makes encoding prepend BOS, as Mistral's (Math-Shepherd's) tokenizer does.
    """
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(CORPUS * 20, trainer)
    if add_bos and bos:
        bos_id = core.token_to_id(bos)
        core.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A $B", special_tokens=[(bos, bos_id)]
        )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=bos,
        additional_special_tokens=["<extra_0>"],
    )
    fast.chat_template = QWEN_TEMPLATE
    fast.save_pretrained(str(directory))
    return fast


def _spread(module: nn.Module) -> None:
    """Large random head weights, so scores differ clearly from one position to the next."""
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_(0.0, 0.5)


def _save(directory: Path, config: dict[str, object], tensors: dict[str, torch.Tensor]) -> None:
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(directory / "model.safetensors"))


def _qwen2_config(vocab: int) -> Qwen2Config:
    return Qwen2Config(
        vocab_size=vocab,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=False,
    )


def qwen_prm(directory: Path) -> tuple[Qwen2Model, nn.Sequential]:
    """Qwen2.5-Math-PRM layout: `model.*` + `score.0/score.2`, auto_map to remote code."""
    directory.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(directory)
    torch.manual_seed(0)
    config = _qwen2_config(len(tok))
    backbone = Qwen2Model(config).eval()
    score = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    _spread(score)
    tensors = {f"model.{k}": v for k, v in backbone.state_dict().items()}
    tensors |= {f"score.{k}": v for k, v in score.state_dict().items()}
    data = config.to_dict() | {
        "architectures": ["Qwen2ForProcessRewardModel"],
        "auto_map": {"AutoModel": "modeling_qwen2_rm.Qwen2ForProcessRewardModel"},
    }
    _save(directory, data, tensors)
    return backbone, score


def math_shepherd(directory: Path) -> MistralForCausalLM:
    """Math-Shepherd layout: a plain Mistral causal LM with its LM head."""
    directory.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(directory, bos="<s>", add_bos=True)
    torch.manual_seed(1)
    config = MistralConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=False,
    )
    model = MistralForCausalLM(config).eval()
    _spread(model.lm_head)
    _save(
        directory, config.to_dict() | {"architectures": ["MistralForCausalLM"]}, model.state_dict()
    )
    return model


def skywork(directory: Path) -> tuple[Qwen2ForCausalLM, nn.Linear]:
    """Skywork-PRM layout: Qwen2 causal LM weights + trl's `v_head.summary`."""
    directory.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(directory, bos="<|endoftext|>")
    torch.manual_seed(2)
    config = _qwen2_config(len(tok))
    model = Qwen2ForCausalLM(config).eval()
    summary = nn.Linear(32, 1)
    _spread(summary)
    tensors = dict(model.state_dict()) | {
        f"v_head.summary.{k}": v for k, v in summary.state_dict().items()
    }
    _save(directory, config.to_dict() | {"architectures": ["Qwen2ForCausalLM"]}, tensors)
    return model, summary


def llama_backbone(directory: Path) -> LlamaModel:
    """A SmolLM2-shaped (Llama) backbone for the trainable head PRM."""
    directory.mkdir(parents=True, exist_ok=True)
    tok = tokenizer(directory)
    torch.manual_seed(3)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
    )
    model = LlamaModel(config).eval()
    _save(directory, config.to_dict() | {"architectures": ["LlamaModel"]}, model.state_dict())
    return model
