"""Prompt templates live in `prompts/*.yaml` (package data), one file per role."""

from __future__ import annotations

from ponder.prompting import chat, load_templates, quoted, render

__all__ = ["chat", "load", "quoted", "render"]


def load(role: str) -> dict[str, str]:
    """Templates of one role, keyed by part name (`system`, `user`, ...)."""
    return load_templates("ponder.agents", role)
