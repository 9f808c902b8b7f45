r"""Reading a final answer out of messy model output.

Small models wrap answers in LaTeX, restate the question, add units, or trail off; each
extractor tries the most explicit signal first (`\\boxed{}`, then an "Answer:" line, then
the last number) so a clear answer anywhere wins over a stray number.
"""

from __future__ import annotations

import re
from fractions import Fraction

_MARKERS = re.compile(
    r"(?:(?:final\s+answer|answer|result)\s*(?:is\b\s*:?|:)|####|=>)\s*",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?|-?\.\d+")
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
_EXPRESSION_CHARS = re.compile(r"^[\d\s+\-*/×÷().xX]+$")
_EXPRESSION_SPAN = re.compile(r"[\d(][\d\s+\-*/().]*[\d)]")


def extract_boxed(text: str) -> str | None:
    r"""Content of the last `\boxed{...}`, with nested braces balanced."""
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for index in range(brace, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : index].strip()
    return None


def extract_marked(text: str) -> str | None:
    """Text after the last "Answer:"-style marker, up to the end of its line."""
    matches = list(_MARKERS.finditer(text))
    for match in reversed(matches):
        rest = text[match.end() :].strip().splitlines()
        candidate = rest[0].strip().strip("*").strip() if rest else ""
        if candidate:
            return candidate.rstrip(".")
    return None


def parse_number(text: str) -> Fraction | None:
    """A number written as an integer, decimal, fraction or LaTeX fraction; `None` otherwise."""
    cleaned = _FRAC.sub(r"(\1)/(\2)", text)
    cleaned = cleaned.replace("$", "").replace("\\!", "").replace("−", "-")
    match = _NUMBER.search(cleaned.replace("(", "").replace(")", ""))
    if match is None:
        return None
    token = match.group(0).replace(",", "").replace(" ", "")
    try:
        return Fraction(token)
    except (ValueError, ZeroDivisionError):
        return None


def extract_last_number(text: str) -> str | None:
    matches = _NUMBER.findall(text.replace("−", "-"))
    return str(matches[-1]).replace(",", "").replace(" ", "") if matches else None


def extract_answer(text: str) -> str | None:
    """A short final answer: boxed, else marked, else the last number in the text."""
    for extractor in (extract_boxed, extract_marked, extract_last_number):
        found = extractor(text)
        if found:
            return found
    return None


def extract_number(text: str) -> Fraction | None:
    """The final numeric answer, read with the same precedence as `extract_answer`."""
    for extractor in (extract_boxed, extract_marked):
        found = extractor(text)
        if found:
            value = parse_number(found)
            if value is not None:
                return value
    last = extract_last_number(text)
    return parse_number(last) if last else None


def _clean_expression(candidate: str) -> str:
    candidate = candidate.replace("\\times", "*").replace("\\cdot", "*").replace("\\div", "/")
    candidate = candidate.replace("×", "*").replace("÷", "/").replace("`", "").strip()
    candidate = candidate.strip("$").strip()
    if "=" in candidate:
        left, right = candidate.split("=", 1)
        candidate = left if re.search(r"[+\-*/]", left) else right
    return candidate.strip().rstrip(".")


def extract_expression(text: str) -> str | None:
    """An arithmetic expression such as `(8 - 4) * (7 - 1)` for Game of 24 or Countdown."""
    for extractor in (extract_boxed, extract_marked):
        found = extractor(text)
        if found:
            cleaned = _clean_expression(found)
            if _EXPRESSION_CHARS.match(cleaned) and re.search(r"[+\-*/]", cleaned):
                return cleaned
    for line in reversed(text.strip().splitlines()):
        left_of_equals = _clean_expression(line).split("=")[0]
        spans = [str(span).strip() for span in _EXPRESSION_SPAN.findall(left_of_equals)]
        with_operator = [span for span in spans if re.search(r"\d\s*[+\-*/]", span)]
        if with_operator:
            return with_operator[-1]
    return None
