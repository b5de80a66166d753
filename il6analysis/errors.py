"""Exceptions raised by il6analysis, each carrying what a caller needs to react."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class UnknownNameError(ValueError):
    """A name (agent, indication, cancer type, table, parameter) that is not known.

    Attributes:
        kind: what was being looked up, e.g. ``"agent"``.
        name: the name as given.
        suggestions: the closest known names, best first (may be empty).
    """

    def __init__(self, kind: str, name: str, suggestions: Sequence[str], valid_hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions)
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(repr(s) for s in self.suggestions) + "?"
        elif valid_hint:
            message += f"; {valid_hint}"
        super().__init__(message)


@dataclass(frozen=True)
class Problem:
    """One failed rule in one place of one table.

    ``line`` is the 1-based line of the CSV file (the header is line 1), or
    ``None`` when the rule concerns a whole column or table.
    """

    table: str
    line: int | None
    column: str | None
    rule: str
    value: str | None = None

    def __str__(self) -> str:
        where = f"{self.table}.csv"
        if self.line is not None:
            where += f" line {self.line}"
        if self.column:
            where += f", column {self.column!r}"
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.rule}{shown}"


class DataValidationError(ValueError):
    """One or more curated tables break their schema or reference each other wrongly.

    Attributes:
        problems: every problem found, not only the first.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [f"{len(self.problems)} data problem(s):"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class SourceError(RuntimeError):
    """Reading a public source failed: an HTTP error, no network, an unexpected
    payload, or a malformed file. The message names the request or the file and
    line; previously cached or ingested data is left untouched."""
