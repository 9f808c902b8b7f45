"""Prompt templates of the memory package (package data) and quoting of stored text.

Memory text was written by models and environments; it reaches prompts only as quoted data,
so marker runs that could close a quote early are broken up and each note is one line.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from ponder.llm import Message


@cache
def load(name: str) -> dict[str, str]:
    text = resources.files("ponder.memory").joinpath("prompts", f"{name}.yaml").read_text("utf-8")
    data: dict[str, str] = yaml.safe_load(text)
    return data


def render(template: str, **values: object) -> str:
    """Fill a template; substituted values are inserted verbatim, never re-interpreted."""
    return template.format(**values).strip()


def chat(system: str, user: str) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def quote(text: str, limit: int = 600) -> str:
    """One line of data, safe inside `<<<NAME` / `NAME>>>` markers, at most `limit` chars."""
    flat = re.sub(r"\s+", " ", text).strip()
    flat = flat.replace("<<<", "< < <").replace(">>>", "> > >")
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."
