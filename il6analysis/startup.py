"""Process start-up settings shared by the ``il6`` command and the report workers.

Only the entry points of processes this package starts call :func:`skip_unused_grammars`;
importing the library (in a notebook, in a user's program) changes nothing.
"""

from __future__ import annotations

import sys

UNUSED_GRAMMAR_MODULES = ("rfc3987_syntax",)
"""Modules that build parsers at import time for checks this package never makes.

``rfc3987_syntax`` (installed with JupyterLab, through jupyter-events) compiles 38 Lark
grammars when ``jsonschema`` is imported, which ``nbformat`` and papermill do: 1 to 2.5 s in
every ``il6 report`` and every report worker. It only adds jsonschema's ``iri`` and
``iri-reference`` format checks, which the notebook schema does not use; jsonschema treats
the module as absent, as it does on a machine without it."""


def skip_unused_grammars() -> None:
    """Make the modules of :data:`UNUSED_GRAMMAR_MODULES` unimportable in this process (an
    ``import`` raises ``ImportError``, which their importers expect) unless one is loaded already."""
    for name in UNUSED_GRAMMAR_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None in sys.modules: "not importable"
