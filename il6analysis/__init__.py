"""il6analysis: curated, sourced data and reports on IL-6 pathway therapeutics.

Quick start::

    import il6analysis as il6
    agents = il6.load_agents()
    il6.resolve_agent("Actemra")        # -> "tocilizumab"
    il6.validate().ok                   # every table and cross-reference checked

Every loader returns a typed, tidy pandas DataFrame (a fresh copy each call).
The public names below are imported on first use, so ``import il6analysis``
stays fast for the command line and for scheduled runs that have nothing to do.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

__version__ = _version("il6analysis")

_EXPORTS: dict[str, str] = {
    "DataValidationError": "il6analysis.errors",
    "Il6Error": "il6analysis.errors",
    "UnknownNameError": "il6analysis.errors",
    "UsageError": "il6analysis.errors",
    "ValidationReport": "il6analysis.curated.validation",
    "validate": "il6analysis.curated.validation",
    "dataset_info": "il6analysis.curated.identity",
    "diff_datasets": "il6analysis.curated.changes",
    "describe": "il6analysis.curated.loaders",
    "list_datasets": "il6analysis.curated.loaders",
    "load_adverse_events": "il6analysis.curated.loaders",
    "load_agent_names": "il6analysis.curated.loaders",
    "load_agents": "il6analysis.curated.loaders",
    "load_approvals": "il6analysis.curated.loaders",
    "load_efficacy": "il6analysis.curated.efficacy",
    "load_indications": "il6analysis.curated.loaders",
    "load_label_coverage": "il6analysis.curated.coverage",
    "load_label_frequencies": "il6analysis.curated.loaders",
    "load_table": "il6analysis.curated.loaders",
    "load_targets": "il6analysis.curated.loaders",
    "load_trial_partners": "il6analysis.curated.loaders",
    "load_trials": "il6analysis.curated.loaders",
    "load_warnings": "il6analysis.curated.loaders",
    "resolve_agent": "il6analysis.curated.names",
    "resolve_cancer_type": "il6analysis.curated.names",
    "resolve_indication": "il6analysis.curated.names",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'il6analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from il6analysis.curated.changes import diff_datasets
    from il6analysis.curated.coverage import load_label_coverage
    from il6analysis.curated.efficacy import load_efficacy
    from il6analysis.curated.identity import dataset_info
    from il6analysis.curated.loaders import (
        describe,
        list_datasets,
        load_adverse_events,
        load_agent_names,
        load_agents,
        load_approvals,
        load_indications,
        load_label_frequencies,
        load_table,
        load_targets,
        load_trial_partners,
        load_trials,
        load_warnings,
    )
    from il6analysis.curated.names import resolve_agent, resolve_cancer_type, resolve_indication
    from il6analysis.curated.validation import ValidationReport, validate
    from il6analysis.errors import DataValidationError, Il6Error, UnknownNameError, UsageError
