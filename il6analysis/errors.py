"""Every exception il6analysis raises, under one root, each with its exit code.

``except il6analysis.Il6Error`` catches every failure the package knows about.
Errors that gather *all* problems at once (data validation, report parameters,
suite files) share :class:`ProblemsError`, so they print alike. Each class says
which exit code the ``il6`` command returns for it (:attr:`Il6Error.exit_code`);
:mod:`il6analysis.cli.handler` is the one place that turns them into exits.

Exit codes:
    0 success; 1 a report failed, the data is invalid or a source could not be
    read; 2 bad input (unknown name, bad parameter, bad suite file, bad path);
    3 ``il6 changes --fail-on-change`` found a change (not a failure: an alert);
    73 an output could not be written (read-only folder, full disk); 75 the
    output folder is in use by another run (try again later); 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CHANGED = 3
EXIT_CANNOT_WRITE = 73
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130


class Il6Error(Exception):
    """Root of every il6analysis error. ``exit_code`` is what ``il6`` exits with."""

    exit_code = EXIT_FAILED


class ProblemsError(Il6Error):
    """An input with one or more problems, all listed at once.

    Attributes:
        problems: every problem found, not only the first.
    """

    def __init__(self, headline: str, problems: Sequence[object]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join([headline, *(f"  - {p}" for p in self.problems)]))


class UnknownNameError(Il6Error, ValueError):
    """A name (agent, indication, cancer type, table, parameter, report) that is not known.

    Attributes:
        kind: what was being looked up, e.g. ``"agent"``.
        name: the name as given.
        suggestions: the closest known names, best first (may be empty).
    """

    exit_code = EXIT_USAGE

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


class UsageError(Il6Error, ValueError):
    """A value given by the user that cannot be used (a bad option, path or range);
    the message says what was wrong and what is valid."""

    exit_code = EXIT_USAGE


class DuplicateKeyError(UsageError):
    """Two or more rows of one table share its primary key, so the table cannot be
    compared row by row; the message names the table, the key columns and a
    duplicated key.

    Attributes:
        table: the table (or the file holding it).
        key: the key columns.
        duplicated: the first duplicated key's values.
    """

    def __init__(self, table: str, key: Sequence[str], duplicated: Sequence[object]) -> None:
        self.table, self.key, self.duplicated = table, list(key), list(duplicated)
        shown = ", ".join(f"{c}={v!r}" for c, v in zip(self.key, self.duplicated))
        super().__init__(f"{table}: duplicated key ({shown}); each row needs a unique "
                         f"({', '.join(self.key)}) to be compared")


class ChangesFound(Il6Error):
    """Not a failure: ``il6 changes --fail-on-change`` found at least one change (exit 3,
    so a scheduled job can mail the output)."""

    exit_code = EXIT_CHANGED


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


class DataValidationError(ProblemsError, ValueError):
    """One or more curated tables break their schema or reference each other wrongly."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} data problem(s):", problems)


class DataNotValid(ProblemsError):
    """Reports refused to run because the curated data fails validation; nothing
    ran and every published output is unchanged. The message lists the first
    problems and says how to see them all (``il6 data validate``).

    Attributes:
        folder: the data folder that was checked.
        problems: every problem found (the message shows at most :attr:`SHOWN`).
    """

    SHOWN = 20

    def __init__(self, folder: Path | str, problems: Sequence[object]) -> None:
        self.folder = folder
        shown = list(problems[: self.SHOWN])
        if len(problems) > self.SHOWN:
            shown.append(f"... and {len(problems) - self.SHOWN} more")
        super().__init__(f"the data in {folder} fails validation ({len(problems)} problem(s)), so no report was run; "
                         f"fix it and check it with `il6 data validate --data-dir {folder}`:", shown)
        self.problems = list(problems)


class ParameterError(ProblemsError, ValueError):
    """Report parameters that cannot be used; ``problems`` lists every one."""

    exit_code = EXIT_USAGE

    def __init__(self, report: str, problems: Sequence[str]) -> None:
        self.report = report
        super().__init__(f"invalid parameters for report {report!r}:", problems)


class SuiteError(ProblemsError, ValueError):
    """A suite file that cannot be run; ``problems`` lists every one."""

    exit_code = EXIT_USAGE

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = path
        super().__init__(f"suite {path} rejected, nothing was run:", problems)


class SourceError(Il6Error):
    """Reading a public source failed: an HTTP error, no network, an unexpected
    payload, or a malformed file. The message names the request or the file and
    line; previously cached or ingested data is left untouched."""


class HttpStatusError(SourceError):
    """The server answered with an HTTP error status (after any retries).

    Attributes:
        status: the HTTP status code.
        url: the request URL, with any ``api_key`` redacted.
        body: the response body parsed as JSON, or ``None`` when it is not JSON.
    """

    def __init__(self, message: str, status: int, url: str, body: object) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body


class StoreError(Il6Error):
    """A FAERS store that is missing, not a store, or of another format version;
    the message says which path and what to run. Exit code 2: the command was
    pointed at something it cannot use."""

    exit_code = EXIT_USAGE


class StoreDamaged(Il6Error):
    """A FAERS store whose files no longer match its catalog: a file changed,
    missing or unreadable, or a quarter's folder renamed. The message names the
    quarter and says how to repair it (re-add the quarter); nothing is changed.
    Exit code 1: the data is invalid."""


class OutputLocked(Il6Error):
    """Another run is writing to the same output folder."""

    exit_code = EXIT_LOCKED


class CannotWrite(Il6Error):
    """An output could not be written (read-only folder, full disk); what was
    there before is unchanged."""

    exit_code = EXIT_CANNOT_WRITE


class ReportFailed(Il6Error):
    """A report notebook failed while running or rendering.

    Attributes:
        report: the report name.
        slug: its parameter slug.
        cell: index of the failing cell in the executed notebook, if known.
        error: the error's type and message.
        notebook: where the failed executed notebook was kept, if it exists.
    """

    def __init__(self, report: str, slug: str, error: str, cell: int | None = None, notebook: Path | None = None) -> None:
        self.report, self.slug, self.error, self.cell, self.notebook = report, slug, error, cell, notebook
        where = f"cell {cell}" if cell is not None else "execution"
        kept = f"; failed notebook kept at {notebook}" if notebook else ""
        super().__init__(f"report {report!r} ({slug}) failed in {where}: {error}{kept}")


class SuiteFailed(Il6Error):
    """One or more reports of a suite failed; the others were published, and each
    failed one keeps its previous good HTML."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        super().__init__(f"{len(self.keys)} report(s) failed: {', '.join(self.keys)}")


class Interrupted(Il6Error):
    """The run was stopped by SIGINT or SIGTERM; published outputs are unchanged."""

    exit_code = EXIT_INTERRUPTED
