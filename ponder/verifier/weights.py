"""Reading a few named tensors (a head, two LM-head rows) out of a checkpoint directory.

Public PRMs ship their head inside the backbone's weight files under their own names
(`score.*`, `v_head.*`). Reading those tensors directly, instead of running the authors'
remote modelling code, keeps loading offline and free of `trust_remote_code`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from safetensors import safe_open

from ponder.errors import ModelNotAvailable


def _weight_files(directory: Path) -> list[Path]:
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = directory / index_name
        if index.exists():
            shards = json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()
            return [directory / name for name in sorted(set(shards))]
    for single in ("model.safetensors", "pytorch_model.bin"):
        if (directory / single).exists():
            return [directory / single]
    raise ModelNotAvailable(f"no model weights (safetensors or .bin) in {directory}")


def _bin_tensors(path: Path) -> dict[str, torch.Tensor]:
    loaded: dict[str, torch.Tensor] = torch.load(
        path, map_location="cpu", weights_only=True, mmap=True
    )
    return loaded


def _names(directory: Path) -> Iterator[tuple[Path, str]]:
    for path in _weight_files(directory):
        if path.suffix == ".safetensors":
            with safe_open(str(path), framework="pt") as handle:
                for name in handle.keys():  # noqa: SIM118  (safe_open is not a mapping)
                    yield path, name
        else:
            for name in _bin_tensors(path):
                yield path, name


def read_prefixed(directory: Path, prefix: str) -> dict[str, torch.Tensor]:
    """All tensors whose name starts with `prefix`, with the prefix stripped."""
    found: dict[str, torch.Tensor] = {}
    for path, name in _names(directory):
        if not name.startswith(prefix):
            continue
        if path.suffix == ".safetensors":
            with safe_open(str(path), framework="pt") as handle:
                found[name[len(prefix) :]] = handle.get_tensor(name)
        else:
            found[name[len(prefix) :]] = _bin_tensors(path)[name]
    if not found:
        raise ModelNotAvailable(f"no tensors named '{prefix}*' in the weights of {directory}")
    return found


def read_rows(directory: Path, names: Sequence[str], rows: Sequence[int]) -> torch.Tensor:
    """Rows of the first of `names` that exists, reading only those rows: `[R, H]`."""
    where = {name: path for path, name in _names(directory)}
    for name in names:
        if name not in where:
            continue
        path = where[name]
        if path.suffix == ".safetensors":
            with safe_open(str(path), framework="pt") as handle:
                matrix = handle.get_slice(name)
                return torch.cat([matrix[row : row + 1] for row in rows])
        return _bin_tensors(path)[name][list(rows)].clone()
    raise ModelNotAvailable(f"none of {', '.join(names)} is in the weights of {directory}")
