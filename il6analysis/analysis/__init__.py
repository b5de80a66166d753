"""Analysis views over the curated tables and the FAERS database, and their figures.

One module per question: :mod:`~il6analysis.analysis.approvals`,
:mod:`~il6analysis.analysis.trials`, :mod:`~il6analysis.analysis.safety`,
:mod:`~il6analysis.analysis.agents`, :mod:`~il6analysis.analysis.signals`;
:mod:`~il6analysis.analysis.plots` draws them with seaborn. Reads data, never fetches it.
"""
