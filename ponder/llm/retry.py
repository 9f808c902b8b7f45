"""Which model-call failures are worth retrying, and how long to wait between tries.

Rate limits, timeouts, dropped connections and 5xx answers pass; retrying them with
exponential backoff and full jitter is what providers ask for. A bad key or a malformed
request will fail the same way every time, so those end the run at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from litellm import exceptions as provider
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

_FATAL: tuple[type[BaseException], ...] = (
    provider.AuthenticationError,
    provider.PermissionDeniedError,
    provider.BadRequestError,
    provider.NotFoundError,
    provider.UnsupportedParamsError,
)
_TRANSIENT: tuple[type[BaseException], ...] = (
    provider.RateLimitError,
    provider.Timeout,
    provider.APIConnectionError,
    provider.InternalServerError,
    provider.ServiceUnavailableError,
    provider.BadGatewayError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    """True when the same call may well succeed if tried again later."""
    if isinstance(error, _FATAL):
        return False
    if isinstance(error, _TRANSIENT):
        return True
    status = getattr(error, "status_code", None)
    return isinstance(status, int) and status >= 500


def describe(error: BaseException) -> str:
    """A one-line cause for the user: the kind of failure and the provider's first line."""
    kind = {
        provider.AuthenticationError: "authentication failed (check the API key variable)",
        provider.PermissionDeniedError: "permission denied",
        provider.NotFoundError: "model not found",
        provider.RateLimitError: "rate limited",
        provider.Timeout: "timed out",
        TimeoutError: "timed out",  # the client's own deadline around a provider that hangs
        provider.APIConnectionError: "connection failed",
    }
    label = next((text for cls, text in kind.items() if isinstance(error, cls)), None)
    label = label or type(error).__name__
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    return f"{label}: {first_line}" if first_line else label


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a call gets and the backoff between them (seconds)."""

    attempts: int = 6
    wait_initial_s: float = 0.5
    wait_max_s: float = 30.0

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_random_exponential(multiplier=self.wait_initial_s, max=self.wait_max_s),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
