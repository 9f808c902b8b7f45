import asyncio
import json
import random
from pathlib import Path

import litellm
import pytest

from ponder.errors import BudgetExceeded, LLMCallError, RemoteCallBlocked
from ponder.llm import LLM, Budget, Ledger, RetryPolicy, ScriptedLLM, ScriptExhausted

FAST_RETRY = RetryPolicy(attempts=8, wait_initial_s=0.001, wait_max_s=0.01)
HELLO = [{"role": "user", "content": "hello"}]


def rate_limit() -> Exception:
    return litellm.RateLimitError("slow down", llm_provider="openai", model="gpt-x")


def auth_error(detail: str = "invalid api key") -> Exception:
    return litellm.AuthenticationError(detail, llm_provider="openai", model="gpt-x")


async def test_scripted_replies_go_through_litellm_and_are_logged() -> None:
    llm = ScriptedLLM.from_replies(["first", "second"])
    assert (await llm.complete(HELLO)).text == "first"
    completion = await llm.complete([{"role": "user", "content": "again"}])
    assert completion.text == "second"
    assert completion.usage.total_tokens > 0
    assert llm.prompts[1][0]["content"] == "again"
    with pytest.raises(LLMCallError, match="no reply left"):
        await llm.complete(HELLO)


async def test_function_script_sees_the_prompt() -> None:
    llm = ScriptedLLM.from_replies(lambda messages: messages[-1]["content"].upper())
    assert (await llm.complete([{"role": "user", "content": "shout"}])).text == "SHOUT"


async def test_n_samples_are_topped_up_when_a_provider_returns_fewer() -> None:
    llm = ScriptedLLM.from_replies(["a", "b", "c"])
    completion = await llm.complete(HELLO, n=3)
    assert completion.texts == ["a", "b", "c"]
    assert llm.ledger.totals.calls == 1  # one logical call, however many provider requests


async def test_transient_errors_are_retried() -> None:
    llm = ScriptedLLM.from_replies(
        [rate_limit(), litellm.Timeout("t", model="m", llm_provider="openai"), "ok"],
        retry=FAST_RETRY,
    )
    completion = await llm.complete(HELLO)
    assert completion.text == "ok"
    assert len(llm.prompts) == 3


async def test_authentication_error_is_not_retried_and_names_the_model() -> None:
    llm = ScriptedLLM.from_replies(
        [auth_error(), "never used"], retry=FAST_RETRY, model="openai/gpt-x"
    )
    with pytest.raises(LLMCallError) as error:
        await llm.complete(HELLO)
    assert len(llm.prompts) == 1
    assert str(error.value).startswith("model openai/gpt-x: authentication failed")
    assert "\n" not in str(error.value)


async def test_bad_request_is_not_retried() -> None:
    bad = litellm.BadRequestError("context too long", model="m", llm_provider="openai")
    llm = ScriptedLLM.from_replies([bad, "x"], retry=FAST_RETRY)
    with pytest.raises(LLMCallError, match="BadRequestError"):
        await llm.complete(HELLO)
    assert len(llm.prompts) == 1


async def test_retries_give_up_with_a_count() -> None:
    llm = ScriptedLLM.from_replies(
        [rate_limit()] * 3, retry=RetryPolicy(attempts=3, wait_initial_s=0.001, wait_max_s=0.002)
    )
    with pytest.raises(LLMCallError, match="gave up after 3 attempts"):
        await llm.complete(HELLO)


async def test_call_budget_is_checked_before_the_call() -> None:
    llm = ScriptedLLM.from_replies(["a", "b", "c"], ledger=Ledger(Budget(max_calls=2)))
    await llm.complete(HELLO)
    await llm.complete(HELLO)
    with pytest.raises(BudgetExceeded, match="call budget reached: 2 used of 2"):
        await llm.complete(HELLO)
    assert len(llm.prompts) == 2  # the third call never reached the model


async def test_token_budget_caps_max_tokens_then_stops() -> None:
    seen: list[int] = []
    llm = ScriptedLLM.from_replies(
        ["a", "b", "c"], ledger=Ledger(Budget(max_tokens=45)), max_tokens=500
    )
    original = llm._call

    async def spy(request: dict) -> object:
        seen.append(request["max_tokens"])
        return await original(request)

    llm._call = spy  # type: ignore[method-assign]
    await llm.complete(HELLO)  # 30 tokens (litellm's mock usage: 10 prompt + 20 completion)
    await llm.complete(HELLO)
    assert seen == [45, 15]
    with pytest.raises(BudgetExceeded, match="token budget"):
        await llm.complete(HELLO)


async def test_concurrent_calls_cannot_overshoot_the_call_budget() -> None:
    llm = ScriptedLLM.from_replies(lambda _: "x", ledger=Ledger(Budget(max_calls=5)), delay_s=0.01)
    outcomes = await asyncio.gather(
        *(llm.complete(HELLO) for _ in range(12)), return_exceptions=True
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 5
    assert all(isinstance(o, BudgetExceeded) for o in outcomes if isinstance(o, Exception))


async def test_child_ledgers_count_per_task_and_charge_the_run(tmp_path: Path) -> None:
    run = Ledger(Budget(max_calls=3), trace_path=tmp_path / "trace.jsonl", run_id="r1")
    first = ScriptedLLM.from_replies(["a", "b"], ledger=run.for_task("t1"), role="actor")
    second = ScriptedLLM.from_replies(["c", "d"], ledger=run.for_task("t2"), role="actor")
    await first.complete(HELLO)
    await first.complete(HELLO)
    await second.complete(HELLO)
    with pytest.raises(BudgetExceeded):
        await second.complete(HELLO)
    assert first.ledger.totals.calls == 2 and second.ledger.totals.calls == 1
    assert run.totals.calls == 3
    totals, by_task = Ledger.read_trace(tmp_path / "trace.jsonl")
    assert totals.calls == 3 and by_task["t1"].calls == 2 and by_task["t2"].calls == 1


async def test_trace_never_contains_the_api_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-" + "abc123XYZ" * 3
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    ledger = Ledger(trace_path=tmp_path / "trace.jsonl")
    llm = ScriptedLLM.from_replies(
        ["fine", auth_error(f"Incorrect API key provided: {secret}")], ledger=ledger
    )
    await llm.complete(HELLO)
    with pytest.raises(LLMCallError) as error:
        await llm.complete(HELLO)
    assert secret not in str(error.value)
    trace = (tmp_path / "trace.jsonl").read_text()
    assert secret not in trace and "REDACTED" in trace
    lines = [json.loads(line) for line in trace.splitlines()]
    assert [line["status"] for line in lines] == ["ok", "error"]
    assert set(lines[0]) >= {"model", "prompt_tokens", "completion_tokens", "cost_usd", "latency_s"}


async def test_thirty_percent_transient_failures_still_complete() -> None:
    chooser = random.Random(0)

    def flaky(_: object) -> object:
        return rate_limit() if chooser.random() < 0.3 else "ok"

    llm = ScriptedLLM.from_replies(flaky, retry=FAST_RETRY)
    results = [await llm.complete(HELLO) for _ in range(30)]
    assert all(result.text == "ok" for result in results)
    assert len(llm.prompts) > 30  # some calls needed more than one try


async def test_remote_models_are_blocked_in_tests() -> None:
    with pytest.raises(RemoteCallBlocked, match="openai/gpt-4o-mini"):
        await LLM("openai/gpt-4o-mini").complete(HELLO)


def test_script_exhausted_is_an_assertion() -> None:
    assert issubclass(ScriptExhausted, AssertionError)


def test_a_deadline_of_our_own_reads_as_a_timeout() -> None:
    """The client's outer deadline raises a bare TimeoutError, which has no message."""
    from ponder.llm.retry import describe

    assert describe(TimeoutError()) == "timed out"
    assert describe(litellm.Timeout("slow", model="m", llm_provider="p")).startswith("timed out")
