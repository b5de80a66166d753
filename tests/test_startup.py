"""The `il6` command and the report workers do not build grammars for checks they never make."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENTRY_POINTS = {
    "il6 command": "from il6analysis.cli.app import main\nsys.argv = ['il6', 'report', '--list']\n"
                   "try:\n    main()\nexcept SystemExit:\n    pass\n",
    "report worker": "from il6analysis.reporting.worker import main\nmain([])  # standard input is empty\n",
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_processes_that_read_notebooks_skip_the_iri_grammars(entry):
    code = ("import sys\n" + ENTRY_POINTS[entry] +
            "import nbformat  # what reading or writing a notebook imports\n"
            "print(type(sys.modules.get('rfc3987_syntax')).__name__, file=sys.__stdout__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "NoneType", "never loaded"


def test_notebooks_still_validate_without_the_grammars():
    code = ("from il6analysis.startup import skip_unused_grammars; skip_unused_grammars()\n"
            "import sys, nbformat\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'nonsense'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('refused')\n"
            "assert sys.modules['rfc3987_syntax'] is None\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


def test_the_library_alone_changes_nothing():
    code = "import sys, il6analysis, il6analysis.curated.loaders\nprint('rfc3987_syntax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
