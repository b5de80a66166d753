"""Human labels for the curated codes, from one mapping: what readers see instead of ids.

The curated tables keep their codes (``PHASE1/PHASE2``, ``ACTIVE_NOT_RECRUITING``,
``complete_response``, ``tocilizumab-aazg``); reports and interactive helpers
show these labels. :func:`humanize` relabels a whole frame for display.
"""

from __future__ import annotations

import functools

import pandas as pd

from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.paths import data_folder

PHASE_LABELS: dict[str, str] = {
    "EARLY_PHASE1": "Early phase 1", "PHASE1": "Phase 1", "PHASE1/PHASE2": "Phase 1/2", "PHASE2": "Phase 2",
    "PHASE2/PHASE3": "Phase 2/3", "PHASE3": "Phase 3", "PHASE4": "Phase 4", "NA": "Not applicable",
}
TRIAL_STATUS_LABELS: dict[str, str] = {
    "NOT_YET_RECRUITING": "Not yet recruiting", "RECRUITING": "Recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation", "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed", "SUSPENDED": "Suspended", "TERMINATED": "Terminated", "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
}
INTENT_LABELS: dict[str, str] = {
    "antitumour": "Antitumour", "supportive_crs_icans": "Supportive: CRS/ICANS",
    "supportive_irae": "Supportive: immune-related AEs", "supportive_gvhd": "Supportive: GVHD",
    "supportive_infection": "Supportive: infection", "supportive_cachexia": "Supportive: cachexia",
    "supportive_other": "Supportive: other", "unknown": "Purpose not stated",
}
PARTNER_CLASS_LABELS: dict[str, str] = {
    "immune_checkpoint_inhibitor": "Immune checkpoint inhibitor", "chemotherapy": "Chemotherapy",
    "proteasome_inhibitor": "Proteasome inhibitor", "immunomodulatory_drug": "Immunomodulatory drug",
    "corticosteroid": "Corticosteroid", "her2_antibody": "HER2 antibody", "egfr_inhibitor": "EGFR inhibitor",
    "targeted_therapy": "Targeted therapy", "hormone_therapy": "Hormone therapy",
    "car_t_cell_therapy": "CAR-T cell therapy", "bispecific_antibody": "Bispecific antibody",
    "anti_cd38_antibody": "Anti-CD38 antibody", "anti_vegf": "Anti-VEGF", "radiotherapy": "Radiotherapy",
    "dmard": "DMARD", "other": "Other",
}

COLUMN_LABELS: dict[str, str] = {
    "agent_id": "Agent", "agent": "Agent", "agents": "Agents", "agency": "Agency", "indication": "Indication",
    "indication_id": "Indication", "status": "Status", "date": "Date", "route": "Route", "population": "Population",
    "brand": "Brand", "source": "Source", "source_kind": "Source kind", "notes": "Notes", "nct_id": "Trial",
    "title": "Title", "conditions": "Conditions", "intent": "Intent", "phase": "Phase", "start": "Start",
    "enrollment": "Enrolment", "partners": "Partners", "label_table": "Label table", "term": "Adverse reaction",
    "soc": "System organ class", "dose": "Dose", "drug_pct": "Drug %", "comparator": "Comparator",
    "comparator_pct": "Comparator %", "excess_pct": "Excess (points)", "drug_n": "n (drug arm)",
    "comparator_n": "n (comparator arm)", "first_date": "First authorisation", "reference_agency": "Compared with",
    "reference_date": "Its first authorisation", "lag": "Timing", "application_number": "Application",
    "cancer_type": "Cancer type", "warning": "Warning", "field": "Field", "trials_unknown": "Trials with it unknown",
    "trials": "Trials", "decisions": "Decisions", "year": "Year", "pt": "Preferred term", "frequency_category":
    "Frequency", "label": "Label", "reference_product": "Reference product", "from_reference": "Data from",
    "highest_phase": "Highest phase", "never_enrolled": "Never enrolled", "nct_ids": "Trials",
    "sponsors": "Lead sponsors (trials)",
    "authorised_by": "Authorised by", "developer": "Developer", "development_status": "Development status",
}


def agent_names() -> dict[str, str]:
    """Return agent id -> display name: the first brand beside the INN, e.g. ``"tocilizumab-aazg (Tyenne)"``
    (for the data folder in use)."""
    return _agent_names(str(data_folder()))


@functools.cache
def _agent_names(folder: str) -> dict[str, str]:
    agents = datasets.load_agents(folder)
    names = {}
    for row in agents.itertuples():
        brands = row.brand_names if isinstance(row.brand_names, str) and row.brand_names else ""
        brand = brands.replace(";", ",").split(",")[0].strip()
        names[row.agent_id] = f"{row.agent_id} ({brand})" if brand else row.agent_id
    return names


def agent_label(agent_id: str) -> str:
    """Return the display name of one agent (the id itself when it is not curated)."""
    return agent_names().get(agent_id, agent_id)


VALUE_LABELS: dict[str, dict[str, str]] = {
    "phase": PHASE_LABELS,
    "highest_phase": PHASE_LABELS,
    "status": {**TRIAL_STATUS_LABELS, **vocab.STATUS_LABELS},
    "intent": INTENT_LABELS,
    "partner_class": PARTNER_CLASS_LABELS,
}
"""Column -> code -> label, for the coded columns of every table."""


def relabel_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with coded values replaced by labels (agents by INN and brand,
    phases, statuses, intents, partner classes); column names are kept."""
    out = frame.copy()
    for column in out.columns:
        if column in VALUE_LABELS:
            out[column] = out[column].astype("object").map(lambda v, m=VALUE_LABELS[column]: m.get(v, v))
        elif column == "agent_id":
            out[column] = out[column].astype("object").map(lambda v: agent_label(v) if isinstance(v, str) else v)
    return out


def relabel_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with human column headers (:data:`COLUMN_LABELS`, else the name capitalised)."""
    return frame.rename(columns=lambda c: COLUMN_LABELS.get(c, c.replace("_", " ").capitalize())
                        if isinstance(c, str) else c)


def humanize(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` for display: coded values and column headers as human labels."""
    return relabel_columns(relabel_values(frame))
