"""Prompt templates of the memory package (package data) and quoting of stored text.

Memory text was written by models and environments; it reaches prompts only as quoted data,
so marker runs that could close a quote early are broken up and each note is one line.
"""

from __future__ import annotations

import re

from ponder.prompting import chat, load_templates, quoted, render

__all__ = ["chat", "load", "quote", "render"]


def load(name: str) -> dict[str, str]:
    """The memory package's own templates (`prompts/*.yaml` beside this module)."""
    return load_templates("ponder.memory", name)


def quote(text: str, limit: int = 600) -> str:
    """One line of data, safe inside `<<<NAME` / `NAME>>>` markers, at most `limit` chars."""
    flat = quoted(re.sub(r"\s+", " ", text))
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."
