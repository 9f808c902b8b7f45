"""The one async model interface every agent uses, over `litellm.acompletion`.

An `LLM` is a model string plus default sampling settings and the run's `Ledger`. Agents
receive one (dependency injection), so swapping a hosted model for the embedded one, or for
the scripted test double, changes nothing else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import Sequence
from typing import Any

import litellm

from ponder.errors import BudgetExceeded, LLMCallError, PonderError, RemoteCallBlocked
from ponder.llm import embedded, local_models
from ponder.llm.ledger import CallRecord, Ledger
from ponder.llm.redact import redact
from ponder.llm.retry import RetryPolicy, describe
from ponder.llm.types import Completion, Message, Usage

BLOCK_REMOTE_ENV = "PONDER_BLOCK_REMOTE"

litellm.suppress_debug_info = True
litellm.telemetry = False


def remote_calls_blocked() -> bool:
    """Tests set `PONDER_BLOCK_REMOTE=1` so no code path can reach a hosted model by accident."""
    return os.environ.get(BLOCK_REMOTE_ENV, "") not in ("", "0", "false", "False")


def is_local(model: str) -> bool:
    return model.startswith(f"{local_models.PROVIDER}/")


@dataclasses.dataclass
class LLM:
    """A model and its default settings; `complete` is the whole interface.

    `role` labels the ledger entries (actor, reflector, ...); `bind` derives a copy for
    another role or temperature that shares the same ledger and therefore the same budget.
    """

    model: str = local_models.DEFAULT_MODEL
    temperature: float = 0.7
    max_tokens: int = 256
    timeout_s: float = 120.0
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    ledger: Ledger = dataclasses.field(default_factory=Ledger)
    role: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def bind(self, **changes: Any) -> LLM:
        return dataclasses.replace(self, **changes)

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        n: int = 1,
        stop: Sequence[str] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
    ) -> Completion:
        """Sample `n` replies. Raises `BudgetExceeded` before starting past a budget."""
        allowance = self.ledger.reserve()
        record: CallRecord | None = None
        try:
            limit = max_tokens if max_tokens is not None else self.max_tokens
            if allowance is not None:
                if allowance <= 0:
                    raise BudgetExceeded(
                        "token", self.ledger.budget.max_tokens or 0, self.ledger.totals.tokens
                    )
                limit = min(limit, allowance)
            request: dict[str, Any] = {
                "model": self.model,
                "messages": [dict(message) for message in messages],
                "temperature": self.temperature if temperature is None else temperature,
                "max_tokens": limit,
                "timeout": self.timeout_s,
                "num_retries": 0,
                "drop_params": True,
                **self.params,
            }
            if stop:
                request["stop"] = list(stop)
            if seed is not None:
                request["seed"] = seed
            completion, attempts = await self._sample(request, n)
            record = CallRecord(
                model=self.model,
                role=self.role,
                prompt_tokens=completion.usage.prompt_tokens,
                completion_tokens=completion.usage.completion_tokens,
                cost_usd=completion.cost_usd,
                latency_s=completion.latency_s,
                samples=len(completion.texts),
                attempts=attempts,
            )
            return completion
        except LLMCallError as error:
            record = CallRecord(self.model, self.role, 0, 0, 0.0, 0.0, 0, "error", error.cause)
            raise
        finally:
            self.ledger.release(record)

    async def _sample(self, request: dict[str, Any], n: int) -> tuple[Completion, int]:
        """Ask for `n` samples; providers that ignore `n` are topped up with more calls."""
        texts: list[str] = []
        usage, cost, attempts = Usage(), 0.0, 0
        started = time.perf_counter()
        while len(texts) < n:
            response, tries = await self._call_with_retries(request | {"n": n - len(texts)})
            attempts += tries
            new_texts = [choice.message.content or "" for choice in response.choices]
            if not new_texts:
                raise LLMCallError(self.model, "the provider returned no choices")
            texts.extend(new_texts)
            usage += _usage_of(response)
            cost += _cost_of(response, self.model)
        latency = time.perf_counter() - started
        return Completion(self.model, texts[:n], usage, cost, latency), attempts

    async def _call_with_retries(self, request: dict[str, Any]) -> tuple[Any, int]:
        tries = 0
        try:
            async for attempt in self.retry.retrying():
                with attempt:
                    tries += 1
                    return await self._call(request), tries
        except PonderError:
            raise
        except Exception as error:  # litellm maps every provider failure to its own classes
            cause = redact(describe(error))
            if tries > 1:
                cause = f"{cause} (gave up after {tries} attempts)"
            raise LLMCallError(self.model, cause) from error
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _call(self, request: dict[str, Any]) -> Any:
        """One provider call, bounded by the per-call timeout whatever the provider does."""
        if is_local(self.model):
            embedded.register()
        elif remote_calls_blocked() and "mock_response" not in request:
            raise RemoteCallBlocked(
                f"model {self.model}: remote calls are blocked ({BLOCK_REMOTE_ENV} is set)"
            )
        return await asyncio.wait_for(litellm.acompletion(**request), timeout=self.timeout_s + 5)


def _usage_of(response: Any) -> Usage:
    usage = getattr(response, "usage", None)
    if usage is None:
        return Usage()
    return Usage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))


def _cost_of(response: Any, model: str) -> float:
    """Litellm prices each response from its cost map as it builds it; reuse that figure."""
    if is_local(model):
        return 0.0
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if cost is not None:
        return float(cost)
    try:
        return float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # models missing from litellm's cost map cost what we cannot know
        return 0.0
