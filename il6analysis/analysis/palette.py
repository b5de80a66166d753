"""One visual language: a fixed colour for every agency, agent, partner class, regimen,
intent, outcome and warning level, the same in every report and interactive helper.

Colours are assigned from fixed lists in vocabulary order (agents in curated
order), so adding a value at the end never changes the colour of another.
"""

from __future__ import annotations

import functools

from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.paths import data_folder

QUALITATIVE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#B8A000", "#000000",
    "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD", "#1F3A93", "#FF9DA7", "#2CA02C",
    "#AEC7E8", "#FFBB78", "#98DF8A", "#C5B0D5",
)
"""Okabe-Ito's colour-blind-safe eight first (its yellow darkened to read on white), then distinct
extras; cycled when exhausted."""

UNKNOWN_COLOR = "#BDBDBD"
"""Grey for "date unknown", "not recorded" and other unknown states."""


def _assign(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {value: QUALITATIVE[i % len(QUALITATIVE)] for i, value in enumerate(values)}


AGENCY_COLORS: dict[str, str] = _assign(vocab.AGENCIES)
"""Agency code -> colour."""

PARTNER_CLASS_COLORS: dict[str, str] = _assign(vocab.PARTNER_CLASSES)
"""Partner class -> colour."""

REGIMEN_COLORS: dict[str, str] = {
    "monotherapy": "#A6761D", "checkpoint inhibitor": PARTNER_CLASS_COLORS["immune_checkpoint_inhibitor"],
    "chemotherapy": PARTNER_CLASS_COLORS["chemotherapy"], "targeted": PARTNER_CLASS_COLORS["targeted_therapy"],
    "cell therapy": PARTNER_CLASS_COLORS["car_t_cell_therapy"],
    "corticosteroid": PARTNER_CLASS_COLORS["corticosteroid"],
    "radiotherapy": PARTNER_CLASS_COLORS["radiotherapy"], "other": PARTNER_CLASS_COLORS["other"],
}
"""Regimen group -> colour: a group shares the colour of its defining partner class."""

INTENT_COLORS: dict[str, str] = {**_assign(vocab.TRIAL_INTENT_IDS), "unknown": UNKNOWN_COLOR}
"""Trial intent -> colour."""

OUTCOME_COLORS: dict[str, str] = {
    "approved": "#009E73", "emergency_use": "#56B4E9", "complete_response": "#D55E00", "refused": "#B2182B",
    "application_withdrawn": "#E69F00", "authorisation_withdrawn": "#CC79A7", "emergency_use_revoked": "#8C564B",
    "authorisation_lapsed": "#7F7F7F",
}
"""Regulatory outcome -> colour."""

OUTCOME_MARKERS: dict[str, str] = {
    "approved": "o", "emergency_use": "D", "complete_response": "X", "refused": "X", "application_withdrawn": "v",
    "authorisation_withdrawn": "v", "emergency_use_revoked": "^", "authorisation_lapsed": "s",
}
"""Regulatory outcome -> marker."""

WARNING_LEVEL_COLORS: dict[str, str] = {"not recorded": "#F0F0F0", "warning": "#F4A261", "boxed warning": "#C0392B"}
"""Label warning level -> colour."""

PHASE_COLORS: dict[str, str] = {**dict(zip(vocab.TRIAL_PHASES, (
    "#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B", "#969696"))),
    "not recorded": UNKNOWN_COLOR}
"""Trial phase -> colour, light to dark in development order."""

TRIAL_STATUS_COLORS: dict[str, str] = {**_assign(vocab.TRIAL_STATUSES), "not recorded": UNKNOWN_COLOR}
"""Trial overall status -> colour."""




def agent_colors() -> dict[str, str]:
    """Return agent id -> colour, in the curated order of the agents table (of the data folder in use)."""
    return _agent_colors(str(data_folder()))


@functools.cache
def _agent_colors(folder: str) -> dict[str, str]:
    return _assign(list(datasets.load_agents(folder)["agent_id"]))


def color_of(kind: str, value: str) -> str:
    """Return the colour of ``value`` of ``kind`` (``"agency"``, ``"agent"``, ``"partner_class"``,
    ``"regimen"``, ``"intent"``, ``"outcome"``, ``"phase"``, ``"status"``); grey when unknown.

    Raises:
        KeyError: an unknown ``kind``.
    """
    table = {"agency": AGENCY_COLORS, "partner_class": PARTNER_CLASS_COLORS, "regimen": REGIMEN_COLORS,
             "intent": INTENT_COLORS, "outcome": OUTCOME_COLORS, "phase": PHASE_COLORS,
             "status": TRIAL_STATUS_COLORS}
    colors = agent_colors() if kind == "agent" else table[kind]
    return colors.get(value, UNKNOWN_COLOR)
