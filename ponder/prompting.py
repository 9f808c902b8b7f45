"""Prompt templates as package data, filled verbatim, with model- and world-written text quoted.

Agents and memory each keep their templates in their own `prompts/*.yaml`; the loading,
filling and quoting rules live here once, so both quote data the same way.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from ponder.llm import Message


@cache
def load_templates(package: str, name: str) -> dict[str, str]:
    """Templates of one role from `package`'s `prompts/` folder, keyed by part name."""
    text = resources.files(package).joinpath("prompts", f"{name}.yaml").read_text("utf-8")
    data: dict[str, str] = yaml.safe_load(text)
    return data


def render(template: str, **values: object) -> str:
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
