"""il6analysis: curated, sourced data and reports on IL-6 pathway therapeutics.

Quick start::

    import il6analysis as il6
    agents = il6.load_agents()
    il6.resolve_agent("Actemra")        # -> "tocilizumab"
    il6.validate().ok                   # every table and cross-reference checked

Every loader returns a typed, tidy pandas DataFrame (a fresh copy each call).
"""

from importlib.metadata import version as _version

from il6analysis.datasets import (
    dataset_info,
    describe,
    list_datasets,
    load_adverse_events,
    load_agent_names,
    load_agents,
    load_approvals,
    load_indications,
    load_table,
    load_targets,
    load_trial_partners,
    load_trials,
    load_warnings,
)
from il6analysis.errors import DataValidationError, UnknownNameError
from il6analysis.names import resolve_agent, resolve_cancer_type, resolve_indication
from il6analysis.validation import ValidationReport, validate

__version__ = _version("il6analysis")

__all__ = [
    "DataValidationError",
    "UnknownNameError",
    "ValidationReport",
    "__version__",
    "dataset_info",
    "describe",
    "list_datasets",
    "load_adverse_events",
    "load_agent_names",
    "load_agents",
    "load_approvals",
    "load_indications",
    "load_table",
    "load_targets",
    "load_trial_partners",
    "load_trials",
    "load_warnings",
    "resolve_agent",
    "resolve_cancer_type",
    "resolve_indication",
    "validate",
]
