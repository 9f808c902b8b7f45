"""Prompt templates live in `prompts/*.yaml` (package data), one file per role."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from ponder.llm import Message


@cache
def load(role: str) -> dict[str, str]:
    """Templates of one role, keyed by part name (`system`, `user`, ...)."""
    text = resources.files("ponder.agents").joinpath("prompts", f"{role}.yaml").read_text("utf-8")
    data: dict[str, str] = yaml.safe_load(text)
    return data


def render(template: str, **values: Any) -> str:
    """Fill a template; substituted values are inserted verbatim, never re-interpreted."""
    return template.format(**values).strip()


def chat(system: str, user: str) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def quoted(text: str) -> str:
    """Make data safe to place between `<<<NAME` / `NAME>>>` markers.

    Text from a model, a memory store or an environment could contain a closing marker and
    then pose as instructions; breaking up marker runs keeps it inside its quotes.
    """
    return text.replace("<<<", "< < <").replace(">>>", "> > >").strip()
