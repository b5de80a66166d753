"""Connectors to the public sources the curated tables come from, and the FAERS store.

* :mod:`il6analysis.sources.http` - HTTP with timeouts, retries and an identifying User-Agent.
* :mod:`il6analysis.sources.cache` - raw responses cached on disk with their retrieval time.
* :mod:`il6analysis.sources.ctgov` - ClinicalTrials.gov API v2: search terms, paged fetching, one study read.
* :mod:`il6analysis.sources.ctgov_tables` - studies -> rows of the trials tables, and the differences.
* :mod:`il6analysis.sources.openfda` - openFDA drug labels -> the warnings table.
* :mod:`il6analysis.sources.faers` - FAERS and legacy AERS quarterly ASCII extracts: files, headers, checks.
* :mod:`il6analysis.sources.faers_store` - the FAERS store: one quarter at a time into Parquet, atomically.
* :mod:`il6analysis.sources.refresh` - ``il6 refresh``: a refreshed data folder from the above.
"""
