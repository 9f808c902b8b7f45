"""Typed errors. Each one carries a message a user can act on in one line.

The CLI prints `str(error)` for any `PonderError` and exits with `exit_code`, so a user
mistake never shows a traceback. Library callers catch the specific class they care about.
"""


class PonderError(Exception):
    """Base class for errors that are reported to the user as a single line."""

    exit_code = 1


class ScenarioError(PonderError):
    """A scenario or config file is wrong: names the file, the field path and the problem."""

    exit_code = 2

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")


class UsageError(PonderError):
    """A command-line argument or API argument is wrong."""

    exit_code = 2


class ModelNotAvailable(PonderError):
    """A local model file is missing, unreadable, or fails its checksum."""

    exit_code = 2


class LLMCallError(PonderError):
    """A model call failed for a reason retrying cannot fix (bad key, bad request, retries spent)."""

    def __init__(self, model: str, cause: str) -> None:
        self.model = model
        self.cause = cause
        super().__init__(f"model {model}: {cause}")


class RemoteCallBlocked(PonderError):
    """A remote model was called while remote calls are switched off (as in the test suite)."""


class BudgetExceeded(PonderError):
    """A run budget (calls, tokens or dollars) is spent; raised before the call that would pass it."""

    def __init__(self, budget: str, limit: float, used: float) -> None:
        self.budget = budget
        self.limit = limit
        self.used = used
        super().__init__(f"{budget} budget reached: {used:g} used of {limit:g}")
