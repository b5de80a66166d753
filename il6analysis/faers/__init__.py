"""FAERS: the FDA Adverse Event Reporting System, from its quarterly files to reporting signals and figures.

Writing a store:

* :mod:`~il6analysis.faers.extract` - one quarterly extract (zip or folder): its files found, checked, unpacked.
* :mod:`~il6analysis.faers.normalise` - an extract's tables -> typed, normalised Parquet, by DuckDB.
* :mod:`~il6analysis.faers.ingest` - adding quarters to a store, one at a time, atomically, under a lock.
* :mod:`~il6analysis.faers.store` - the store format and its catalog, for the writer and every reader.

Reading it:

* :mod:`~il6analysis.faers.tables` - a store opened on DuckDB or Spark as clean, de-duplicated Ibis tables.
* :mod:`~il6analysis.faers.counts` - ingredient x preferred-term report counts, written once in Ibis.
* :mod:`~il6analysis.faers.contingency`, :mod:`~il6analysis.faers.statistics` and :mod:`~il6analysis.faers.mgps`
  - the statistics on aggregated counts (ROR, PRR, chi-square, IC, EBGM).
* :mod:`~il6analysis.faers.signals` - the public queries: disproportionality, signals year by year, reports per year.
* :mod:`~il6analysis.faers.filters` - case-set filters (indication, reporter, country, sex, age, years, co-suspects).
* :mod:`~il6analysis.faers.depth` and :mod:`~il6analysis.faers.indications` - outcomes and time to onset per
  signal, and the agent's own indications flagged; :mod:`~il6analysis.faers.cases` - the reports behind a signal.
* :mod:`~il6analysis.faers.display` - the signal table as a reader sees it (rules named, nothing hidden).
* :mod:`~il6analysis.faers.quarter_changes` - the signals the newest quarter started and stopped, as changes.
* :mod:`~il6analysis.faers.all_pairs` - every ingredient x term, written in partitions of bounded memory.
* :mod:`~il6analysis.faers.plots` - the FAERS figures.

Sits above :mod:`il6analysis.analysis` (agent selection, label terms, colours and labels) and below
:mod:`il6analysis.reporting`.
"""
