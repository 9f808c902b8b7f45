"""Usage accounting for a run: every call's tokens, cost and latency, and the budget gate.

One `Ledger` is shared by every agent of a run, so a budget covers them all. Calls are
reserved before they start: a call in flight counts against `max_calls`, which keeps
concurrent agents from overshooting it together.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ponder.llm.budget import Budget
from ponder.llm.redact import redact
from ponder.llm.types import Usage


@dataclass(frozen=True)
class CallRecord:
    """One finished (or failed) model call as written to the trace. Holds no key or header."""

    model: str
    role: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_s: float
    samples: int
    status: str = "ok"
    error: str = ""
    attempts: int = 1
    time: float = field(default_factory=time.time)
    task: str = ""


@dataclass
class Totals:
    """Running sums, per run or per role."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, record: CallRecord) -> None:
        self.calls += 1
        self.prompt_tokens += record.prompt_tokens
        self.completion_tokens += record.completion_tokens
        self.cost_usd += record.cost_usd
        self.latency_s += record.latency_s


class Ledger:
    """Counts usage, enforces a `Budget` before each call, and appends calls to a JSONL trace.

    A child ledger (`for_task`) counts one task's calls and forwards each to its parent, so
    per-task numbers and the run-wide budget come from the same records.
    """

    def __init__(
        self,
        budget: Budget | None = None,
        trace_path: Path | None = None,
        run_id: str = "",
        start: Totals | None = None,
        parent: Ledger | None = None,
        task: str = "",
    ) -> None:
        self.budget = budget or Budget()
        self.trace_path = trace_path
        self.run_id = run_id
        self.parent = parent
        self.task = task
        self.totals = start or Totals()
        self.by_role: dict[str, Totals] = {}
        self._in_flight = 0
        self._lock = threading.Lock()

    def for_task(self, task: str, start: Totals | None = None) -> Ledger:
        """A child ledger for one task, under this ledger's budget."""
        return Ledger(start=start, parent=self, task=task, run_id=self.run_id)

    def reserve(self) -> int | None:
        """Claim one call against the budget; returns the token allowance left (None: unlimited).

        Raises `BudgetExceeded` when the call must not start.
        """
        parent_left = self.parent.reserve() if self.parent is not None else None
        with self._lock:
            try:
                self.budget.check(
                    self.totals.calls + self._in_flight, self.totals.tokens, self.totals.cost_usd
                )
            except Exception:
                if self.parent is not None:
                    self.parent.release(None)
                raise
            self._in_flight += 1
            own_left = self.budget.tokens_left(self.totals.tokens)
        allowances = [left for left in (parent_left, own_left) if left is not None]
        return min(allowances) if allowances else None

    def release(self, record: CallRecord | None) -> None:
        """End a reservation; a record (success or final failure) is counted and traced."""
        if record is not None and self.task and not record.task:
            record = replace(record, task=self.task)
        with self._lock:
            self._in_flight -= 1
            if record is not None:
                self._count(record)
        if self.parent is not None:
            self.parent.release(record)

    def _count(self, record: CallRecord) -> None:
        self.totals.add(record)
        self.by_role.setdefault(record.role, Totals()).add(record)
        if self.trace_path is not None:
            line = asdict(record) | {"run_id": self.run_id}
            line["error"] = redact(line["error"])
            with self.trace_path.open("a", encoding="utf-8") as trace:
                trace.write(json.dumps(line) + "\n")

    def usage(self) -> Usage:
        return Usage(self.totals.prompt_tokens, self.totals.completion_tokens)

    @staticmethod
    def read_trace(path: Path) -> tuple[Totals, dict[str, Totals]]:
        """Run and per-task totals of an existing trace, so a resumed run keeps its counts."""
        totals, by_task = Totals(), dict[str, Totals]()
        if not path.exists():
            return totals, {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a kill mid-write
            data.pop("run_id", None)
            record = CallRecord(**data)
            totals.add(record)
            by_task.setdefault(record.task, Totals()).add(record)
        return totals, by_task
