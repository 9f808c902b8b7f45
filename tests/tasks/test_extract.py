from fractions import Fraction

import pytest

from ponder.tasks.extract import (
    extract_answer,
    extract_boxed,
    extract_expression,
    extract_number,
    parse_number,
)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Step 1: 3+4=7. Step 2: 7*2=14.\nAnswer: 14", Fraction(14)),
        ("so we get \\boxed{\\frac{3}{4}} in the end, not 5", Fraction(3, 4)),
        ("The answer is: $1,234.50 dollars", Fraction(246900, 200)),
        ("We compute 12 then 15 and finally 19", Fraction(19)),
        ("#### 288", Fraction(288)),
        (
            "The answer is 64.\nThe final line is added to ensure the final answer is always 64.",
            Fraction(64),
        ),
        ("**Final Answer:** -7", Fraction(-7)),
        ("Answer: 288.0", Fraction(288)),
        ("The result is −12 (negative)", Fraction(-12)),
    ],
)
def test_extract_number_from_messy_replies(reply: str, expected: Fraction) -> None:
    assert extract_number(reply) == expected


def test_boxed_wins_over_later_numbers() -> None:
    assert extract_number("\\boxed{42} although 17 appears after") == 42


def test_boxed_handles_nested_braces() -> None:
    assert extract_boxed("x \\boxed{\\frac{1}{2}} y") == "\\frac{1}{2}"


def test_no_answer_gives_none() -> None:
    assert extract_answer("I am not sure how to do this.") is None
    assert extract_number("no digits here") is None


def test_parse_number_rejects_words() -> None:
    assert parse_number("seven") is None
    assert parse_number("3/4") == Fraction(3, 4)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Let me try.\nAnswer: (8 - 4) * (7 - 1)", "(8 - 4) * (7 - 1)"),
        ("\\boxed{(10 - 4) \\times 4 \\div 1}", "(10 - 4) * 4 / 1"),
        ("I think 6 * 4 = 24", "6 * 4"),
        ("First 8-5=3.\n10*(8 - 5) - 6 = 24", "10*(8 - 5) - 6"),
        ("Answer: `3 × 8`.", "3 * 8"),
    ],
)
def test_extract_expression(reply: str, expected: str) -> None:
    assert extract_expression(reply) == expected


def test_expression_absent() -> None:
    assert extract_expression("I cannot find a way to make 24.") is None
