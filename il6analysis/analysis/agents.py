"""Agents: one agent's identity card, and the named sets a report suite can iterate over."""

from __future__ import annotations

import pandas as pd

from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.names import resolve_agent


def agent_overview(agent: str) -> pd.Series:
    """Return one agent's identity card: names, modality, target, mechanism, status, routes.

    Raises:
        UnknownNameError: unknown agent name.
    """
    agent_id = resolve_agent(agent)
    agents = datasets.load_agents().set_index("agent_id")
    targets = datasets.load_targets().set_index("target_id")
    row = agents.loc[agent_id]
    target = targets.loc[row["target_id"]]
    return pd.Series(
        {
            "agent_id": agent_id,
            "INN": row["inn"],
            "brand names": row["brand_names"],
            "code names": row["code_names"],
            "biosimilar of": row["reference_agent_id"],
            "modality": row["modality"],
            "target": f"{target['protein_name']}" + (f" ({target['gene_symbol']})" if pd.notna(target["gene_symbol"]) else ""),
            "mechanism": row["mechanism"],
            "originator": row["originator"],
            "highest status": row["highest_status"],
            "routes": row["routes"],
            "source": row["source"],
        },
        name=agent_id,
    )


def approved_agents() -> list[str]:
    """Return the agents authorised for marketing by at least one agency, alphabetically."""
    approvals = datasets.load_approvals()
    return sorted(approvals.loc[approvals["status"].isin(vocab.MARKETED_STATUSES), "agent_id"].unique())


def all_agents() -> list[str]:
    """Return every curated agent, alphabetically."""
    return sorted(datasets.load_agents()["agent_id"])


def labelled_agents() -> list[str]:
    """Return the agents with label safety data (adverse-reaction rows or warnings), alphabetically."""
    return sorted(set(datasets.load_adverse_events()["agent_id"]) | set(datasets.load_warnings()["agent_id"]))


def cancer_types() -> list[str]:
    """Return every cancer type that has at least one curated trial, alphabetically."""
    trials = datasets.load_trials().merge(datasets.load_indications(), on="indication_id")
    return sorted(trials["cancer_type"].dropna().unique())
