"""Analysis views over the curated tables, and their figures.

One module per question: :mod:`~il6analysis.analysis.approvals` (with
:mod:`~il6analysis.analysis.approval_summary`), :mod:`~il6analysis.analysis.trials`,
:mod:`~il6analysis.analysis.pipeline`, :mod:`~il6analysis.analysis.safety` (label tables for
display in :mod:`~il6analysis.analysis.label_display`), :mod:`~il6analysis.analysis.agents`;
label matching in :mod:`~il6analysis.analysis.label_terms`.
:mod:`~il6analysis.analysis.plots` draws them with seaborn and matplotlib, in the colours of
:mod:`~il6analysis.analysis.palette` and the labels of :mod:`~il6analysis.analysis.labels`
(FAERS, which uses them too, is in :mod:`il6analysis.faers`).
Reads data, never fetches it.
"""
