"""Connectors to the public sources the curated tables come from.

* :mod:`il6analysis.sources.http` - HTTP with timeouts, retries and an identifying User-Agent.
* :mod:`il6analysis.sources.cache` - raw responses cached on disk with their retrieval time.
* :mod:`il6analysis.sources.ctgov` - ClinicalTrials.gov API v2 studies -> the trials table.
* :mod:`il6analysis.sources.openfda` - openFDA drug labels and adverse-event counts.
* :mod:`il6analysis.sources.faers` - FAERS quarterly ASCII extracts -> de-duplicated case tables.
"""
