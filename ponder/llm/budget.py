"""Run budgets, checked before every call so a run never spends past its limit."""

from __future__ import annotations

from dataclasses import dataclass

from ponder.errors import BudgetExceeded


@dataclass(frozen=True)
class Budget:
    """Limits for one run; `None` means unlimited.

    Tokens count prompt and completion tokens of every call. Dollars come from litellm's
    cost map (local models cost 0).
    """

    max_calls: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None

    def check(self, calls: int, tokens: int, cost_usd: float) -> None:
        """Raise `BudgetExceeded` if one more call would start past a limit."""
        if self.max_calls is not None and calls >= self.max_calls:
            raise BudgetExceeded("call", self.max_calls, calls)
        if self.max_tokens is not None and tokens >= self.max_tokens:
            raise BudgetExceeded("token", self.max_tokens, tokens)
        if self.max_cost_usd is not None and cost_usd >= self.max_cost_usd:
            raise BudgetExceeded("dollar", self.max_cost_usd, round(cost_usd, 6))

    def tokens_left(self, tokens: int) -> int | None:
        """Tokens still allowed, used to cap a call's `max_tokens`; `None` when unlimited."""
        return None if self.max_tokens is None else max(self.max_tokens - tokens, 0)
