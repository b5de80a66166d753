"""Connectors to the public sources the curated tables come from (FAERS is in :mod:`il6analysis.faers`).

* :mod:`il6analysis.sources.http` - HTTP with timeouts, retries and an identifying User-Agent.
* :mod:`il6analysis.sources.cache` - raw responses cached on disk with their retrieval time.
* :mod:`il6analysis.sources.ctgov` - ClinicalTrials.gov API v2: search terms, paged fetching, one study read.
* :mod:`il6analysis.sources.ctgov_tables` - studies -> rows of the trials tables, and the differences.
* :mod:`il6analysis.sources.openfda` - openFDA drug labels -> the warnings table.
* :mod:`il6analysis.sources.refresh` - ``il6 refresh``: a refreshed data folder from the above.
"""
