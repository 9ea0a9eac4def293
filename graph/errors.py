"""The exception tree: every domain error derives from :class:`ChokepointError`.

Only ``ui/`` turns these into text for people; library code raises them with enough
detail (file, row, column, node id) for that text to say what, where and how to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ChokepointError",
    "ConfigError",
    "InputError",
    "Problem",
    "StoreError",
    "NotFoundError",
    "ConcurrentRunError",
]


class ChokepointError(Exception):
    """Root of all chokepoint errors."""


class ConfigError(ChokepointError):
    """A setting, URL or command-line option is wrong."""


class StoreError(ChokepointError):
    """The store could not be opened, read or written."""


class NotFoundError(ChokepointError):
    """A node, target or file that was asked for does not exist."""


class ConcurrentRunError(ChokepointError):
    """Another run holds the lock."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, with where it was found."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.row, self.column) if p is not None)
        return f"{where}: {self.message}" if where else self.message


class InputError(ChokepointError):
    """Input was refused; nothing was written.  Carries every :class:`Problem` found."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = len(self.problems) - 1
        return first if more <= 0 else f"{first} (and {more} more problem{'s' * (more > 1)})"
