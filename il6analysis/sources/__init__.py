"""Connectors to the public sources the curated tables come from, and the FAERS store.

* :mod:`il6analysis.sources.http` - HTTP with timeouts, retries and an identifying User-Agent.
* :mod:`il6analysis.sources.cache` - raw responses cached on disk with their retrieval time.
* :mod:`il6analysis.sources.ctgov` - ClinicalTrials.gov API v2 studies -> the trials table.
* :mod:`il6analysis.sources.openfda` - openFDA drug labels -> the warnings table.
* :mod:`il6analysis.sources.faers` - FAERS quarterly ASCII extracts -> de-duplicated case tables.
* :mod:`il6analysis.sources.faers_store` - those tables written into the FAERS database.
* :mod:`il6analysis.sources.refresh` - ``il6 refresh``: a refreshed data folder from the above.
"""
