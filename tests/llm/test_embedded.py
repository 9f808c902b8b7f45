"""The embedded model, for real: small token budgets keep these to a few seconds."""

import asyncio

import pytest

from ponder.llm import LLM, Budget, Ledger
from tests.conftest import requires_embedded

pytestmark = [pytest.mark.embedded, requires_embedded]
QUESTION = [{"role": "user", "content": "What is 2 + 3? Reply with the number."}]


async def test_embedded_model_answers_through_litellm() -> None:
    llm = LLM("local/smollm2-135m", temperature=0.0, max_tokens=12)
    completion = await llm.complete(QUESTION)
    assert completion.text.strip()
    assert 0 < completion.usage.completion_tokens <= 12
    assert completion.cost_usd == 0.0


async def test_samples_concurrent_calls_and_token_cap() -> None:
    ledger = Ledger(Budget(max_tokens=10_000))
    llm = LLM("local/smollm2-135m", temperature=1.0, max_tokens=8, ledger=ledger)
    two, one, other = await asyncio.gather(
        llm.complete(QUESTION, n=2, seed=1), llm.complete(QUESTION), llm.complete(QUESTION)
    )
    assert len(two.texts) == 2 and one.text and other.text  # the context lock serialised them
    assert ledger.totals.calls == 3
    assert all(c.usage.completion_tokens <= 16 for c in (two, one, other))


async def test_embedded_timeout_ends_generation() -> None:
    from ponder.errors import LLMCallError
    from ponder.llm import RetryPolicy

    llm = LLM("local/smollm2-135m", max_tokens=2000, timeout_s=0.05, retry=RetryPolicy(attempts=1))
    story = [{"role": "user", "content": "Write a very long story about a dragon."}]
    with pytest.raises(LLMCallError, match="timed out"):
        await llm.complete(story)
