"""Environments by name, so a scenario picks one with a string and its options as a mapping.

Factories import their simulator lazily: naming ScienceWorld must not load TextWorld's
dependencies, and `import ponder.envs` stays cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from ponder.envs.base import Environment
from ponder.envs.errors import EnvironmentUnavailable

Factory = Callable[[Mapping[str, Any]], Environment]

_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Add an environment factory under `name` (a later registration replaces it)."""

    def add(factory: Factory) -> Factory:
        _FACTORIES[name] = factory
        return factory

    return add


def environment_names() -> list[str]:
    return sorted(_FACTORIES)


def make_env(name: str, options: Mapping[str, Any] | None = None) -> Environment:
    """Build the environment `name` with `options`; unknown names or options say what exists."""
    if name not in _FACTORIES:
        raise EnvironmentUnavailable(
            f"unknown environment '{name}' (choose from {', '.join(environment_names())})"
        )
    return _FACTORIES[name](dict(options or {}))


def _options(cls: type[Any], env: str, values: Mapping[str, Any]) -> Any:
    known = [field.name for field in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise EnvironmentUnavailable(
            f"{env}: unknown option(s) {', '.join(unknown)} (choose from {', '.join(known)})"
        )
    return cls(**values)


@register("scienceworld")
def _scienceworld(values: Mapping[str, Any]) -> Environment:
    from ponder.envs.scienceworld import ScienceWorld, ScienceWorldOptions

    return ScienceWorld(_options(ScienceWorldOptions, "scienceworld", values))


@register("textworld")
def _textworld(values: Mapping[str, Any]) -> Environment:
    from ponder.envs.textworld import TextWorld, TextWorldOptions, isolated_textworld

    options = _options(TextWorldOptions, "textworld", values)
    if min(options.rooms, options.objects, options.quest_length) < 1:
        raise EnvironmentUnavailable("textworld: rooms, objects and quest_length must be >= 1")
    return isolated_textworld(options) if options.isolate else TextWorld(options)
