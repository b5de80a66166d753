"""The ``il6`` command line: one module per sub-command, one error handler.

* :mod:`il6analysis.cli.app` - the Typer application and the entry point;
* :mod:`il6analysis.cli.handler` - failures -> ``error:`` lines and exit codes;
* :mod:`il6analysis.cli.data`, :mod:`~il6analysis.cli.report`,
  :mod:`~il6analysis.cli.refresh`, :mod:`~il6analysis.cli.signals` - the commands.
"""
