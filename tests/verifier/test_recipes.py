"""The public PRM recipes against hand-written references of the authors' inference code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from transformers import AutoTokenizer, MistralForCausalLM, Qwen2ForCausalLM, Qwen2Model

from ponder.errors import ModelNotAvailable, UsageError
from ponder.verifier import Solution, load_prm
from ponder.verifier.model import TokenPairHead
from ponder.verifier.recipes import QWEN_PRM_SYSTEM

QUESTION = "Use the numbers 1 4 6 8 and + - * / to make 24."
STEPS = ["4 * 6 = 24 (left: 1 8 24)", "8 - 1 = 7 (left: 7 24)", "Answer: 24 * 7"]
SOLUTIONS = [
    Solution.of(QUESTION, STEPS),
    Solution.of("What is 1 + 1?", ["1 + 1 = 2", "Answer: 2"]),
    Solution.of(QUESTION, ["4 * 6 = 24"]),
    Solution.of(QUESTION, [*STEPS, "Step 4: 24 + 1 = 25", "left over numbers: none"]),
]


def _weights(directory: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(directory / "model.safetensors"), framework="pt") as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118


def qwen_reference(directory: Path, question: str, steps: list[str]) -> list[float]:
    """Qwen2.5-Math-PRM's published usage: chat template, `<extra_0>` mask, softmax [:, 1]."""
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    weights = _weights(directory)
    model = Qwen2Model.from_pretrained(str(directory)).eval()
    score = torch.nn.Sequential(torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    score.load_state_dict({k[6:]: v for k, v in weights.items() if k.startswith("score.")})
    messages = [
        {"role": "system", "content": QWEN_PRM_SYSTEM},
        {"role": "user", "content": question},
        {"role": "assistant", "content": "<extra_0>".join(steps) + "<extra_0>"},
    ]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    ids = torch.tensor([tokenizer.encode(text)])
    with torch.no_grad():
        probs = score(model(ids).last_hidden_state).softmax(-1)[..., 1]
    mask = ids == tokenizer.convert_tokens_to_ids("<extra_0>")
    return probs[mask].tolist()


def shepherd_reference(directory: Path, question: str, steps: list[str]) -> list[float]:
    """Math-Shepherd's published usage: logits of `+`/`-` at each tag, softmax, P(+)."""
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = MistralForCausalLM.from_pretrained(str(directory)).eval()
    candidates = tokenizer.encode("+ -")[1:]
    tag_id = tokenizer.encode(" ки")[-1]
    output = "\n".join(f"Step {i}: {step} ки" for i, step in enumerate(steps, start=1))
    ids = torch.tensor([tokenizer.encode(f"{question} {output}")])
    assert ids[0, 0] == tokenizer.bos_token_id
    with torch.no_grad():
        logits = model(ids).logits[:, :, candidates]
    return logits.softmax(-1)[:, :, 0][ids == tag_id].tolist()


def skywork_reference(directory: Path, question: str, steps: list[str]) -> list[float]:
    """Skywork-PRM's prepare_input + value head on hidden_states[-1], sigmoid at flags."""
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = Qwen2ForCausalLM.from_pretrained(str(directory)).eval()
    weights = _weights(directory)
    head = torch.nn.Linear(32, 1)
    head.load_state_dict(
        {"weight": weights["v_head.summary.weight"], "bias": weights["v_head.summary.bias"]}
    )
    ids = tokenizer.encode(tokenizer.bos_token + question + "\n")
    flags = [0] * len(ids)
    newline = tokenizer.encode("\n")[-1]
    for step in steps:
        step_ids = [*tokenizer.encode(step), newline]
        ids += step_ids
        flags += [0] * (len(step_ids) - 1) + [1]
    with torch.no_grad():
        hidden = model(torch.tensor([ids]), output_hidden_states=True).hidden_states[-1]
        values = torch.sigmoid(head(hidden).squeeze(-1))[0]
    return values[torch.tensor(flags) == 1].tolist()


CASES = [
    ("qwen-prm", "qwen_dir", qwen_reference),
    ("math-shepherd", "shepherd_dir", shepherd_reference),
    ("skywork", "skywork_dir", skywork_reference),
]


@pytest.mark.parametrize(("kind", "fixture", "reference"), CASES)
def test_one_pass_matches_the_published_recipe(kind, fixture, reference, request) -> None:  # type: ignore[no-untyped-def]
    directory = request.getfixturevalue(fixture)
    prm = load_prm(kind, directory, device="cpu")
    got = prm.score(SOLUTIONS[:1])[0]
    expected = reference(directory, QUESTION, STEPS)
    assert len(expected) == len(STEPS)
    assert got == pytest.approx(expected, abs=1e-5)
    # the head weights are spread, so reading one token off would change the score
    assert len({round(score, 7) for score in expected}) == len(expected)


@pytest.mark.parametrize(("kind", "fixture", "reference"), CASES)
def test_one_pass_equals_prefix_by_prefix_and_batching_changes_nothing(
    kind, fixture, reference, request
) -> None:  # type: ignore[no-untyped-def]
    prm = load_prm(kind, request.getfixturevalue(fixture), device="cpu")
    prm.max_batch_tokens = 160  # several buckets, each padded
    batched = prm.score(SOLUTIONS)
    single = prm.score_encoded(prm.encode(SOLUTIONS), bucketed=False)
    prefixes = prm.score_prefixes(SOLUTIONS)
    assert [len(row) for row in batched] == [len(s.steps) for s in SOLUTIONS]
    for one, alone, slow in zip(batched, single, prefixes, strict=True):
        assert one == pytest.approx(alone, abs=1e-5)
        assert one == pytest.approx(slow, abs=1e-5)


def test_qwen_positions_are_the_markers(qwen_dir: Path) -> None:
    prm = load_prm("qwen-prm", qwen_dir, device="cpu")
    encoded = prm.encode(SOLUTIONS[:1])[0]
    tokens = prm.tokenizer.convert_ids_to_tokens(encoded.input_ids)
    assert [tokens[p] for p in encoded.positions] == ["<extra_0>"] * 3
    assert tokens[encoded.positions[-1] + 1] == "<|im_end|>"


def test_shepherd_reads_only_two_lm_head_rows(shepherd_dir: Path) -> None:
    prm = load_prm("math-shepherd", shepherd_dir, device="cpu")
    head = prm.model.head
    assert isinstance(head, TokenPairHead) and tuple(head.rows.shape) == (2, 32)
    assert not hasattr(prm.model.backbone, "lm_head")
    encoded = prm.encode(SOLUTIONS[:1])[0]
    text = prm.tokenizer.decode(encoded.input_ids[: encoded.positions[0] + 1])
    assert text.endswith("Step 1: 4 * 6 = 24 (left: 1 8 24) ки")


def test_a_step_that_contains_the_marker_is_refused(qwen_dir: Path) -> None:
    prm = load_prm("qwen-prm", qwen_dir, device="cpu")
    with pytest.raises(UsageError, match="marker"):
        prm.score([Solution.of("q", ["a <extra_0> b"])])


def test_missing_weights_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="allow_hub"):
        load_prm("qwen-prm", "Qwen/Qwen2.5-Math-PRM-7B", device="cpu")
    with pytest.raises(UsageError, match="unknown PRM kind"):
        load_prm("nope", tmp_path, device="cpu")
