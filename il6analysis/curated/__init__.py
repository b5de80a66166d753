"""The curated data: shipped tables, their vocabularies and schemas, and how they are read.

Nothing here knows about public sources, analysis or reports; it imports only
:mod:`il6analysis.errors`, :mod:`il6analysis.paths` and :mod:`il6analysis.atomic`.
"""
