"""Benefit beside harm: per agent, the efficacy trials and the label's excess adverse reactions.

Nothing here combines numbers across trials: the efficacy side names the trials
(each arm's difference against its own comparator is in
:mod:`il6analysis.analysis.efficacy`), and the harm side restates the label's
own excess of each adverse reaction over its comparator arm
(:mod:`il6analysis.analysis.safety`) and the labelled serious-infection warning.

Raises (every function):
    UnknownNameError: an unknown agent or indication; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis import safety
from il6analysis.curated import vocab

INFECTION_SOC = "Infections and infestations"
NO_PERCENTAGES = "no label percentages curated"


def _excess_text(rows: pd.DataFrame, top: int) -> str:
    """The ``top`` largest excesses as "term +N points (drug % vs comparator %)", one per term."""
    if rows.empty:
        return ""
    best = rows.sort_values("excess_pct", ascending=False).drop_duplicates("term").head(top)
    return "; ".join(f"{r.term} {r.excess_pct:+g} points ({r.drug_pct:g}% vs {r.comparator_pct:g}%)"
                     for r in best.itertuples())


def safety_beside(agents: Iterable[str], indication: str | None = None, top: int = 3) -> pd.DataFrame:
    """Return one row per agent: ``agent_id``, ``key_reactions`` (its ``top`` largest label
    excesses over the comparator arm, any system organ class), ``infections`` (the same for
    infections and infestations), ``serious_infections`` (boxed warning, warning or not
    recorded) and ``label_tables`` (the label tables the excesses come from).

    Excesses are read from the agent's label tables of ``indication`` (all when empty); an
    agent without label percentages reads :data:`NO_PERCENTAGES` (for this indication, when one is
    given), never a guess.
    """
    agents = list(agents)
    paired = safety.excess_over_comparator(safety.adverse_events_view(agents, [indication] if indication else None))
    warnings = safety.warnings_matrix(agents)
    topic = vocab.WARNING_TOPICS["serious_infections"]
    rows = []
    for agent in agents:
        own = paired[paired["agent_id"] == agent]
        level = warnings.at[topic, agent] if topic in warnings.index and agent in warnings.columns else "not recorded"
        if own.empty:
            reactions = infections = NO_PERCENTAGES + (" for this indication" if indication else "")
        else:
            reactions = _excess_text(own, top)
            infections = _excess_text(own[own["soc"] == INFECTION_SOC], top) or "no infection row with a comparator %"
        rows.append((agent, reactions, infections, level, "; ".join(dict.fromkeys(own["label_table"]))))
    return pd.DataFrame(rows, columns=["agent_id", "key_reactions", "infections", "serious_infections", "label_tables"])
