"""Scrub secrets from text before it reaches a log, a trace, a memory record or the terminal.

Provider error messages sometimes echo part of the key that was sent; the trace and the
CLI's one-line errors both pass through `redact`.
"""

from __future__ import annotations

import os
import re

_SECRET_ENV_SUFFIXES = ("_API_KEY", "_KEY", "_TOKEN", "_SECRET", "_PASSWORD")
_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|hf_[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|Bearer\s+[A-Za-z0-9._\-]{8,})"
)
MASK = "[REDACTED]"


def _secret_values() -> list[str]:
    values = [
        value
        for name, value in os.environ.items()
        if name.upper().endswith(_SECRET_ENV_SUFFIXES) and len(value) >= 8
    ]
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """Replace known key values from the environment and key-shaped strings with a mask."""
    for value in _secret_values():
        text = text.replace(value, MASK)
    return _KEY_PATTERNS.sub(MASK, text)
