"""Report notebooks run with papermill and published as self-contained HTML.

:mod:`~il6analysis.reporting.catalog` knows the notebooks, :mod:`~il6analysis.reporting.parameters`
checks their parameters, :mod:`~il6analysis.reporting.execute` runs one,
:mod:`~il6analysis.reporting.suite` reads a suite file and :mod:`~il6analysis.reporting.runner`
runs it in worker processes; :mod:`~il6analysis.reporting.manifest`,
:mod:`~il6analysis.reporting.index`, :mod:`~il6analysis.reporting.fingerprints` and
:mod:`~il6analysis.reporting.lock` keep the output folder; :mod:`~il6analysis.reporting.display`
is what notebooks call to show tables, figures and text.
"""
