"""How each PRM family lays a solution out as tokens and where it reads each step's reward.

Every recipe returns the token ids of the whole solution and one position per step. Because
the backbones are causal, the hidden state at a step's position depends only on the tokens
up to it, so one forward pass over the whole solution gives every step the score it would
get if the solution stopped there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ponder.errors import UsageError
from ponder.verifier.batching import Encoded

Tokenizer = Any  # a transformers fast tokenizer; typed loosely to keep transformers optional

QWEN_PRM_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
QWEN_PRM_MARKER = "<extra_0>"
SHEPHERD_TAG = "ки"


class Recipe(Protocol):
    """Lays out (question, steps) for one PRM family."""

    def encode(self, tokenizer: Tokenizer, question: str, steps: Sequence[str]) -> Encoded: ...


def _ids(tokenizer: Tokenizer, text: str, special: bool) -> list[int]:
    return list(tokenizer(text, add_special_tokens=special)["input_ids"])


def _positions_at_chars(tokenizer: Tokenizer, text: str, ends: list[int]) -> Encoded:
    """Tokenise `text` once and find, for each char index in `ends`, the last token covering it.

    Reading the token that covers a marker's last character is what matching the marker's
    last token id does, but it cannot be fooled by the same id appearing inside a step.
    """
    encoding = tokenizer(text, return_offsets_mapping=True)
    ids: list[int] = list(encoding["input_ids"])
    offsets: list[tuple[int, int]] = [(int(a), int(b)) for a, b in encoding["offset_mapping"]]
    positions, token = [], 0
    for char in ends:  # ends ascend, so one sweep over the tokens finds them all
        found = -1
        while token < len(ids) and offsets[token][0] <= char:
            if offsets[token][0] <= char < offsets[token][1]:
                found = token  # the last of several tokens that share one character's bytes
            token += 1
        if found < 0:
            raise UsageError("a step marker was not found in the tokenised solution")
        positions.append(found)
    return Encoded(ids, positions)


def _check_steps(steps: Sequence[str], forbidden: str) -> None:
    if not steps:
        raise UsageError("a solution to score needs at least one step")
    for step in steps:
        if forbidden and forbidden in step:
            raise UsageError(f"a step contains the PRM's step marker {forbidden!r}")


@dataclass(frozen=True)
class QwenPRMRecipe:
    """Qwen2.5-Math-PRM: steps joined and ended by `<extra_0>` inside the chat template."""

    system: str = QWEN_PRM_SYSTEM
    marker: str = QWEN_PRM_MARKER

    def encode(self, tokenizer: Tokenizer, question: str, steps: Sequence[str]) -> Encoded:
        _check_steps(steps, self.marker)
        messages = [
            {"role": "system", "content": self.system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": self.marker.join(steps) + self.marker},
        ]
        text: str = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=False
        )
        answer_at = text.rindex(messages[2]["content"])
        ends, cursor = [], answer_at
        for step in steps:
            cursor += len(step)
            ends.append(cursor + len(self.marker) - 1)
            cursor += len(self.marker)
        encoded = _positions_at_chars(tokenizer, text, ends)
        marker_id = tokenizer.convert_tokens_to_ids(self.marker)
        if any(encoded.input_ids[p] != marker_id for p in encoded.positions):
            raise UsageError(f"the tokenizer does not keep {self.marker} as one special token")
        return encoded


@dataclass(frozen=True)
class ShepherdRecipe:
    """Math-Shepherd: `question Step 1: ... ки` and further steps on new lines; read at each tag."""

    tag: str = SHEPHERD_TAG
    number_steps: bool = True

    def encode(self, tokenizer: Tokenizer, question: str, steps: Sequence[str]) -> Encoded:
        _check_steps(steps, self.tag)
        text, ends = f"{question} ", []
        for index, step in enumerate(steps, start=1):
            if index > 1:
                text += "\n"
            numbered = (
                step
                if not self.number_steps or step.startswith("Step ")
                else (f"Step {index}: {step}")
            )
            text += f"{numbered} {self.tag}"
            ends.append(len(text) - 1)
        return _positions_at_chars(tokenizer, text, ends)


@dataclass(frozen=True)
class PiecewiseRecipe:
    """Question and each step tokenised on their own, each step closed by a separator token.

    This is Skywork-PRM's layout (BOS + question + newline, then step ids + the newline id,
    reward at that last id). Tokenising pieces apart is also what a trainable PRM on a
    byte-level BPE needs: SmolLM2's tokenizer merges newlines with the text around them, so
    a marker found in the joined text would move with the neighbouring words.
    """

    separator: str = "\n"
    bos: bool = True

    def encode(self, tokenizer: Tokenizer, question: str, steps: Sequence[str]) -> Encoded:
        _check_steps(steps, "")
        start = (tokenizer.bos_token or "") if self.bos else ""
        ids = _ids(tokenizer, start + question + self.separator, special=False)
        separator_id = _ids(tokenizer, self.separator, special=False)[-1]
        positions = []
        for step in steps:
            ids.extend(_ids(tokenizer, step, special=False))
            ids.append(separator_id)
            positions.append(len(ids) - 1)
        return Encoded(ids, positions)


RECIPES: dict[str, Callable[..., Recipe]] = {
    "qwen-prm": QwenPRMRecipe,
    "math-shepherd": ShepherdRecipe,
    "skywork": PiecewiseRecipe,
    "head": lambda **options: PiecewiseRecipe(**{"bos": False, **options}),
}


def make_recipe(kind: str, **options: Any) -> Recipe:
    if kind not in RECIPES:
        raise UsageError(f"unknown PRM kind '{kind}' (choose from {', '.join(RECIPES)})")
    return RECIPES[kind](**options)
