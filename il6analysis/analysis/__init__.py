"""Analysis views over the curated tables and the FAERS store, and their figures.

One module per question: :mod:`~il6analysis.analysis.approvals`,
:mod:`~il6analysis.analysis.trials`, :mod:`~il6analysis.analysis.safety`,
:mod:`~il6analysis.analysis.agents`, :mod:`~il6analysis.analysis.signals` (FAERS disproportionality,
reading the store through :mod:`~il6analysis.analysis.faers_tables` and counting with
:mod:`~il6analysis.analysis.faers_counts`; statistics in :mod:`~il6analysis.analysis.contingency`,
:mod:`~il6analysis.analysis.disproportionality` and :mod:`~il6analysis.analysis.mgps`; label matching in
:mod:`~il6analysis.analysis.label_terms`). :mod:`~il6analysis.analysis.plots` and
:mod:`~il6analysis.analysis.signal_plots` draw them with seaborn and matplotlib, in the colours of
:mod:`~il6analysis.analysis.palette` and the labels of :mod:`~il6analysis.analysis.labels`.
Reads data, never fetches it.
"""
