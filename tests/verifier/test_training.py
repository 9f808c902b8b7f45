"""The trainable head PRM: features, training, checkpoint round trip, and its recipe."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ponder.verifier import Solution, game24, load_prm, place
from ponder.verifier.processbench import ProcessBenchSample, evaluate
from ponder.verifier.train import TrainSettings, split, train_head_prm
from ponder.verifier.trainable import HeadConfig


def test_head_prm_learns_exact_game24_labels_and_reloads(llama_dir: Path, tmp_path: Path) -> None:
    data = game24.benchmark(48, seed=3)
    train, test = split(data, 0.75, seed=0)
    settings = TrainSettings(epochs=300, lr=1e-2, inner_size=128, dropout=0.0)
    report = train_head_prm(train, str(llama_dir), tmp_path / "prm", place("cpu"), settings)
    assert report.last_loss < 0.5 * report.first_loss
    assert HeadConfig.load(tmp_path / "prm").backbone == str(llama_dir.resolve())

    prm = load_prm("head", tmp_path / "prm", device="cpu")
    solutions = [Solution.of(s.question, s.steps) for s in train]
    scores = prm.score(solutions)
    predicted = [x >= 0.5 for row in scores for x in row]
    labels = [y >= 0.5 for s in train for y in s.labels]
    accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)
    assert accuracy > 0.8  # fits its training set through a random tiny backbone
    for one_pass, prefixes in zip(scores, prm.score_prefixes(solutions), strict=True):
        assert one_pass == pytest.approx(prefixes, abs=1e-5)

    samples = [ProcessBenchSample.from_labeled(i, s) for i, s in enumerate(test)]
    result = evaluate(prm, samples, dev_fraction=0.5, step_labels=[s.labels for s in test])
    assert result.auc is not None and 0.0 <= result.auc <= 1.0


def test_head_steps_are_tokenised_apart_and_read_at_the_separator(
    llama_dir: Path, tmp_path: Path
) -> None:
    data = game24.benchmark(4, seed=1)
    train_head_prm(data, str(llama_dir), tmp_path / "p", place("cpu"), TrainSettings(epochs=1))
    prm = load_prm("head", tmp_path / "p", device="cpu")
    encoded = prm.encode([Solution.of("q", ["a b", "c\n\nd"])])[0]
    newline = prm.tokenizer("\n", add_special_tokens=False)["input_ids"][-1]
    assert [encoded.input_ids[p] for p in encoded.positions] == [newline, newline]
    step_one = prm.tokenizer("a b", add_special_tokens=False)["input_ids"]
    start = encoded.positions[0] - len(step_one)
    assert encoded.input_ids[start : encoded.positions[0]] == step_one


def test_checkpoint_loads_to_the_device_it_is_asked_for(llama_dir: Path, tmp_path: Path) -> None:
    train_head_prm(
        game24.benchmark(4), str(llama_dir), tmp_path / "p", place("cpu"), TrainSettings(epochs=1)
    )
    prm = load_prm("head", tmp_path / "p", device="cpu", dtype="bfloat16")
    assert next(prm.model.backbone.parameters()).dtype == torch.bfloat16
    assert next(prm.model.head.parameters()).dtype == torch.float32
    assert len(prm.score([Solution.of("q", ["1 + 1 = 2"])])[0]) == 1
