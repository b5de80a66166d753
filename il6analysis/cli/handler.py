"""The one place where failures become an ``error:`` line and an exit code.

Every ``il6`` command runs inside :func:`run`: a known failure
(:class:`il6analysis.errors.Il6Error`) prints its message and exits with the
code its class declares; Ctrl-C or SIGTERM exits 130; a write that the
filesystem refuses (read-only, full disk) exits 73; anything unexpected prints
one line with a hint to re-run with ``--debug`` (or ``IL6_DEBUG=1``) for the
traceback, and exits 1. Commands never choose exit codes themselves.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from il6analysis.errors import EXIT_CANNOT_WRITE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, Il6Error, Interrupted

DEBUG_VARIABLE = "IL6_DEBUG"
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}


def error_line(message: str) -> None:
    """Print ``message`` to standard error as ``error: ...`` (continuation lines indented as given)."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)


def exit_code_of(exc: BaseException) -> int:
    """Return the exit code for ``exc``: its class's for an :class:`Il6Error`, 130 for an
    interruption, 73 for a refused write, 2 for a command-line usage error, else 1."""
    if isinstance(exc, Il6Error):
        return exc.exit_code
    if isinstance(exc, (KeyboardInterrupt, typer.Abort)):
        return EXIT_INTERRUPTED
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return EXIT_CANNOT_WRITE
    if isinstance(exc, TyperException):
        return getattr(exc, "exit_code", EXIT_USAGE)
    return EXIT_FAILED


def message_of(exc: BaseException) -> str:
    """Return the ``error:`` text for ``exc``."""
    if isinstance(exc, Il6Error):
        return str(exc)
    if isinstance(exc, (KeyboardInterrupt, typer.Abort)):
        return "interrupted: work in progress was stopped; published files are unchanged"
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot write{where}: {exc.strerror}; what was there before is unchanged"
    return (f"unexpected {type(exc).__name__}: {exc}\n"
            f"  re-run with --debug (or {DEBUG_VARIABLE}=1) to see the traceback, and report it if it persists")


def run(main: Callable[..., object], argv: list[str] | None = None) -> int:
    """Run the Typer command ``main`` on ``argv`` and return its exit code.

    ``--debug`` anywhere in ``argv`` (or ``$IL6_DEBUG``) lets unexpected errors
    raise with their traceback instead.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get(DEBUG_VARIABLE))
    args = [a for a in args if a != "--debug"]
    try:
        code = main(args=args, prog_name="il6", standalone_mode=False)
    except TyperException as exc:  # bad options or arguments, reported by Typer itself
        exc.show()
        return getattr(exc, "exit_code", EXIT_USAGE)
    except typer.Exit as exc:
        return exc.exit_code
    except (Il6Error, KeyboardInterrupt, typer.Abort) as exc:
        error_line(message_of(exc))
        return exit_code_of(exc)
    except Exception as exc:
        if debug and not (isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS):
            raise
        error_line(message_of(exc))
        return exit_code_of(exc)
    return code if isinstance(code, int) else 0


class HandledGroup(TyperGroup):
    """The ``il6`` command group: every invocation, from the console script or a test
    runner, goes through :func:`run`, so errors look and exit the same everywhere."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        code = run(lambda **kw: super(HandledGroup, self).main(complete_var=complete_var, **kw, **extra), args)
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx):  # noqa: D102
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:  # Typer would turn it into a silent exit 130
            raise Interrupted(message_of(exc)) from None
