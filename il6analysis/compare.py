"""The tables behind every figure and table of the comparison reports.

Each ``*_view`` function joins and filters the curated tables for one report;
the other functions summarise a view. Filters take names as people type them
(``agents=["Actemra"]``) and resolve them, so the same calls work in a
notebook, a report and a script. An empty or ``None`` filter means "all".

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from il6analysis import datasets, vocab
from il6analysis.names import resolve_agent, resolve_cancer_type, resolve_choice, resolve_indication

MONOTHERAPY = "monotherapy"

REGIMEN_GROUPS: dict[str, str] = {
    "immune_checkpoint_inhibitor": "checkpoint inhibitor",
    "chemotherapy": "chemotherapy",
    "proteasome_inhibitor": "targeted",
    "her2_antibody": "targeted",
    "egfr_inhibitor": "targeted",
    "targeted_therapy": "targeted",
    "anti_cd38_antibody": "targeted",
    "anti_vegf": "targeted",
    "bispecific_antibody": "targeted",
    "car_t_cell_therapy": "cell therapy",
}
"""Partner class -> regimen group shown in the reports; other classes are "other"."""

REGIMEN_ORDER: tuple[str, ...] = (MONOTHERAPY, "checkpoint inhibitor", "chemotherapy", "targeted", "cell therapy", "other")
REGISTRY_URL = "https://clinicaltrials.gov/study/{}"


def _resolved(names: Iterable[str] | str | None, resolver) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    return list(dict.fromkeys(resolver(n) for n in names))


def resolve_agents(names: Iterable[str] | str | None) -> list[str]:
    """Return the ``agent_id`` of each name (duplicates dropped, order kept)."""
    return _resolved(names, resolve_agent)


def _keep(frame: pd.DataFrame, column: str, values: Sequence[str]) -> pd.DataFrame:
    return frame[frame[column].isin(values)] if values else frame


def partial_date_text(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """Return dates as text at the precision their source gave: ``2010-01-08``,
    ``2010-01`` or ``2010`` (empty where the date is missing)."""
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    return pd.Series(
        [d.strftime(formats[p]) if pd.notna(d) and isinstance(p, str) else "" for d, p in zip(dates, precision)],
        index=dates.index, dtype="str",
    )


def _date_bound(value: str | None, name: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None


# --- approvals -------------------------------------------------------------------------


def approvals_view(
    agents: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
    indication_categories: Iterable[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> pd.DataFrame:
    """Return regulatory actions joined with indication names and categories.

    Columns: those of ``load_approvals()`` plus ``indication`` (name),
    ``category`` and ``date`` (the action date as text at its source's
    precision). Rows with no date are kept unless a date bound is given.

    Raises:
        UnknownNameError: an unknown agent, agency or category.
        ValueError: a date bound that is not ``YYYY-MM-DD``.
    """
    wanted_agencies = _resolved(agencies, lambda a: resolve_choice("agency", a, vocab.AGENCIES))
    categories = _resolved(
        indication_categories, lambda c: resolve_choice("indication category", c, vocab.INDICATION_CATEGORIES)
    )
    start, end = _date_bound(date_from, "date_from"), _date_bound(date_to, "date_to")
    indications = datasets.load_indications()[["indication_id", "name", "category"]]
    view = datasets.load_approvals().merge(
        indications.rename(columns={"name": "indication"}), on="indication_id", how="left", validate="many_to_one"
    )
    view = _keep(view, "agent_id", resolve_agents(agents))
    view = _keep(view, "agency", wanted_agencies)
    view = _keep(view, "category", categories)
    if start is not None:
        view = view[view["approval_date"] >= start]
    if end is not None:
        view = view[view["approval_date"] <= end]
    view = view.assign(date=partial_date_text(view["approval_date"], view["approval_date_precision"]))
    return view.sort_values(["approval_date", "agent_id", "agency"], na_position="last").reset_index(drop=True)


def _marketed(view: pd.DataFrame) -> pd.DataFrame:
    return view[view["status"].isin(vocab.MARKETED_STATUSES) & view["approval_date"].notna()]


def first_approvals(view: pd.DataFrame) -> pd.DataFrame:
    """Return the earliest dated marketing authorisation per agent x indication x agency.

    Columns: ``agent_id, indication_id, indication, agency, approval_date``.
    Emergency authorisations count; complete responses and withdrawals do not.
    """
    marketed = _marketed(view)
    keys = ["agent_id", "indication_id", "indication", "agency"]
    return (
        marketed.groupby(keys, observed=True, as_index=False)["approval_date"].min()
        .sort_values(["agent_id", "indication_id", "approval_date"])
        .reset_index(drop=True)
    )


def agencies_present(view: pd.DataFrame) -> list[str]:
    """Return the agencies with at least one dated authorisation in ``view``, in vocabulary order."""
    present = set(_marketed(view)["agency"])
    return [a for a in vocab.AGENCIES if a in present]


def approval_matrix(view: pd.DataFrame, agency: str) -> pd.DataFrame:
    """Return indication x agent: the year of the agency's first authorisation (empty if none).

    Raises:
        UnknownNameError: ``agency`` is not a known agency.
    """
    agency = resolve_choice("agency", agency, vocab.AGENCIES)
    firsts = first_approvals(view)
    firsts = firsts[firsts["agency"] == agency]
    years = firsts.assign(year=firsts["approval_date"].dt.year.astype("Int64"))
    return years.pivot_table(index="indication", columns="agent_id", values="year", aggfunc="min").astype("Int64")


def approval_lags(view: pd.DataFrame) -> pd.DataFrame:
    """Return, per agent x indication, each agency's delay after the first agency.

    Columns: ``agent_id, indication, agency, approval_date, first_agency,
    first_date, lag_days``. The first agency itself has ``lag_days == 0``;
    agencies that act on the same day share it. Dates of month or year
    precision count from the first day of their period.
    """
    firsts = first_approvals(view)
    if firsts.empty:
        return firsts.assign(first_agency=pd.Series(dtype="str"), first_date=pd.Series(dtype="datetime64[ns]"),
                             lag_days=pd.Series(dtype="Int64"))
    earliest = firsts.sort_values("approval_date").groupby(["agent_id", "indication_id"], as_index=False).first()
    earliest = earliest.rename(columns={"agency": "first_agency", "approval_date": "first_date"})
    lags = firsts.merge(earliest[["agent_id", "indication_id", "first_agency", "first_date"]], on=["agent_id", "indication_id"])
    lags["lag_days"] = (lags["approval_date"] - lags["first_date"]).dt.days.astype("Int64")
    return lags.sort_values(["agent_id", "indication", "lag_days"]).reset_index(drop=True)


def regulatory_setbacks_and_emergency_use(view: pd.DataFrame) -> pd.DataFrame:
    """Return every action that is not a plain approval: complete responses,
    withdrawals, refusals and emergency-use authorisations, oldest first."""
    columns = ["date", "agent_id", "agency", "indication", "status", "brand", "notes", "source"]
    return view.loc[view["status"] != "approved", columns].reset_index(drop=True)


def approvals_per_year(view: pd.DataFrame) -> pd.DataFrame:
    """Return the number of dated marketing authorisations per year and agency.

    Columns: ``year, agency, approvals``; one row per year and agency with at
    least one authorisation.
    """
    marketed = _marketed(view)
    counts = marketed.groupby([marketed["approval_date"].dt.year.rename("year"), "agency"], observed=True).size()
    return counts.rename("approvals").reset_index().astype({"year": "int64"})


# --- trials ----------------------------------------------------------------------------


def trial_regimens() -> pd.DataFrame:
    """Return ``nct_id, regimen``: each trial's regimen groups (a trial with
    partners of two groups has two rows; one without partners is monotherapy)."""
    trials = datasets.load_trials()[["nct_id"]].drop_duplicates()
    partners = datasets.load_trial_partners()
    groups = partners.assign(regimen=partners["partner_class"].astype("str").map(REGIMEN_GROUPS).fillna("other"))
    regimens = groups[["nct_id", "regimen"]].drop_duplicates()
    mono = trials[~trials["nct_id"].isin(regimens["nct_id"])].assign(regimen=MONOTHERAPY)
    out = pd.concat([regimens, mono], ignore_index=True)
    out["regimen"] = pd.Categorical(out["regimen"], categories=list(REGIMEN_ORDER))
    return out.sort_values(["nct_id", "regimen"]).reset_index(drop=True)


def trials_view(
    agents: Iterable[str] | None = None,
    cancer_types: Iterable[str] | None = None,
    phases: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    regimens: Iterable[str] | None = None,
    oncology_only: bool = True,
) -> pd.DataFrame:
    """Return trials (one row per trial x agent x condition) with cancer type and regimen.

    Adds ``indication`` (name), ``category``, ``cancer_type``, ``start_year``
    and ``regimens`` (the trial's regimen groups joined with ``" + "``).
    ``regimens`` keeps trials having any of the given groups (see
    :data:`REGIMEN_ORDER`). ``oncology_only`` drops non-cancer conditions.

    Raises:
        UnknownNameError: an unknown agent, cancer type, phase, status or regimen.
    """
    wanted_cancers = _resolved(cancer_types, resolve_cancer_type)
    wanted_phases = _resolved(phases, lambda p: resolve_choice("phase", p, vocab.TRIAL_PHASES))
    wanted_statuses = _resolved(statuses, lambda s: resolve_choice("status", s, vocab.TRIAL_STATUSES))
    wanted_regimens = _resolved(regimens, lambda r: resolve_choice("regimen", r, REGIMEN_ORDER))
    indications = datasets.load_indications()[["indication_id", "name", "category", "cancer_type"]]
    view = datasets.load_trials().merge(
        indications.rename(columns={"name": "indication"}), on="indication_id", how="left", validate="many_to_one"
    )
    if oncology_only:
        view = view[view["category"] == "oncology"]
    view = _keep(view, "agent_id", resolve_agents(agents))
    view = _keep(view, "cancer_type", wanted_cancers)
    view = _keep(view, "phase", wanted_phases)
    view = _keep(view, "status", wanted_statuses)
    regimen_rows = trial_regimens()
    if wanted_regimens:
        view = view[view["nct_id"].isin(regimen_rows.loc[regimen_rows["regimen"].isin(wanted_regimens), "nct_id"])]
    joined = regimen_rows.groupby("nct_id", observed=True)["regimen"].agg(lambda r: " + ".join(map(str, r)))
    view = view.assign(start_year=view["start_date"].dt.year.astype("Int64"), regimens=view["nct_id"].map(joined))
    return view.sort_values(["cancer_type", "nct_id", "agent_id"]).reset_index(drop=True)


def trials_by_agent_and_cancer(view: pd.DataFrame) -> pd.DataFrame:
    """Return cancer type x agent: the number of distinct trials."""
    if view.empty:
        return pd.DataFrame()
    return pd.crosstab(view["cancer_type"], view["agent_id"], values=view["nct_id"], aggfunc="nunique").fillna(0).astype(int)


def _distinct_trials(view: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return view.drop_duplicates(["nct_id", *by]).groupby(by, observed=True).size().rename("trials").reset_index()


def phases_by_cancer(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``cancer_type, phase, trials``: distinct trials per cancer type and phase
    (trials without a recorded phase are counted under ``"not recorded"``)."""
    return _distinct_trials(_with_missing_label(view, "phase"), ["cancer_type", "phase"])


def statuses_by_cancer(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``cancer_type, status, trials``: distinct trials per cancer type and status."""
    return _distinct_trials(_with_missing_label(view, "status"), ["cancer_type", "status"])


def _with_missing_label(view: pd.DataFrame, column: str) -> pd.DataFrame:
    labels = view[column].astype("str").where(view[column].notna(), "not recorded")
    return view.assign(**{column: labels})


def regimens_by_cancer(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``cancer_type, regimen, trials``: distinct trials per cancer type and
    regimen group; a trial combining two groups counts once in each."""
    regimens = trial_regimens()
    long = view[["nct_id", "cancer_type"]].drop_duplicates().merge(regimens, on="nct_id")
    return _distinct_trials(long, ["cancer_type", "regimen"])


def trial_starts_by_year(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``start_year, agent_id, trials``: trials started per year and agent
    (trials with no recorded start are left out)."""
    dated = view.dropna(subset=["start_year"])
    return _distinct_trials(dated, ["start_year", "agent_id"])


def trial_listing(view: pd.DataFrame) -> pd.DataFrame:
    """Return one row per trial for a report table: registry link, title, agents,
    conditions, phase, status, start, enrolment and partners."""
    if view.empty:
        return pd.DataFrame(columns=["nct_id", "registry", "title", "agents", "conditions", "phase", "status",
                                     "start", "enrollment", "partners"])
    partners = datasets.load_trial_partners()
    named = partners.groupby("nct_id")["partner"].agg(", ".join)
    view = view.assign(start=partial_date_text(view["start_date"], view["start_date_precision"]))
    grouped = view.groupby("nct_id", sort=True)
    listing = grouped.agg(
        title=("title", "first"),
        agents=("agent_id", lambda s: ", ".join(dict.fromkeys(s))),
        conditions=("indication", lambda s: ", ".join(dict.fromkeys(s))),
        phase=("phase", "first"),
        status=("status", "first"),
        start=("start", "first"),
        enrollment=("enrollment", "first"),
    ).reset_index()
    listing.insert(1, "registry", listing["nct_id"].map(REGISTRY_URL.format))
    listing["partners"] = listing["nct_id"].map(named).fillna("")
    return listing


# --- side effects ----------------------------------------------------------------------


def adverse_events_view(
    agents: Iterable[str] | None = None,
    indications: Iterable[str] | None = None,
    socs: Iterable[str] | None = None,
    terms: Iterable[str] | None = None,
    min_pct: float = 0.0,
) -> pd.DataFrame:
    """Return label adverse-reaction rows with ``excess_pct`` = drug % minus comparator %.

    ``min_pct`` keeps rows whose drug-arm percentage is at least that value.

    Raises:
        UnknownNameError: an unknown agent, indication, system organ class or term.
        ValueError: ``min_pct`` outside 0-100.
    """
    if not 0 <= float(min_pct) <= 100:
        raise ValueError(f"min_pct must be between 0 and 100, got {min_pct!r}")
    events = datasets.load_adverse_events()
    wanted_socs = _resolved(socs, lambda s: resolve_choice("system organ class", s, events["soc"].dropna().unique()))
    wanted_terms = _resolved(terms, lambda t: resolve_choice("adverse event term", t, events["term"].unique()))
    view = _keep(events, "agent_id", resolve_agents(agents))
    view = _keep(view, "indication_id", _resolved(indications, resolve_indication))
    view = _keep(view, "soc", wanted_socs)
    view = _keep(view, "term", wanted_terms)
    view = view[view["drug_pct"].fillna(0) >= float(min_pct)]
    return view.assign(excess_pct=view["drug_pct"] - view["comparator_pct"]).reset_index(drop=True)


def frequency_matrix(view: pd.DataFrame) -> pd.DataFrame:
    """Return agent x term: the highest drug-arm % over the agent's label tables and doses."""
    if view.empty:
        return pd.DataFrame()
    return view.pivot_table(index="term", columns="agent_id", values="drug_pct", aggfunc="max")


def excess_over_comparator(view: pd.DataFrame) -> pd.DataFrame:
    """Return rows with both percentages, with ``arm`` (agent and dose) and
    ``excess_pct``, largest excess first."""
    paired = view.dropna(subset=["drug_pct", "comparator_pct"])
    doses = paired["dose"].where(paired["dose"].str.len() <= 60, paired["dose"].str.slice(0, 57) + "...")
    paired = paired.assign(arm=paired["agent_id"] + ": " + doses)
    columns = ["agent_id", "arm", "term", "soc", "drug_pct", "comparator_pct", "comparator", "excess_pct", "label_table"]
    return paired[columns].sort_values("excess_pct", ascending=False).reset_index(drop=True)


WARNING_LEVELS: tuple[str, ...] = ("not recorded", "warning", "boxed warning")


def warnings_matrix(agents: Iterable[str] | None = None) -> pd.DataFrame:
    """Return warning topic x agent: ``"boxed warning"``, ``"warning"`` or ``"not recorded"``
    (the curated label data holds no such warning for that agent, which is not
    proof that the label lacks it).

    Only agents with at least one labelled warning appear as columns.
    """
    warnings = _keep(datasets.load_warnings(), "agent_id", resolve_agents(agents))
    if warnings.empty:
        return pd.DataFrame()
    level = warnings["boxed"].map({True: "boxed warning", False: "warning"})
    topics = warnings["warning_id"].astype("str").map(vocab.WARNING_TOPICS)
    matrix = pd.crosstab(topics, warnings["agent_id"], values=level, aggfunc="first")
    return matrix.fillna("not recorded").rename_axis(index="warning", columns="agent_id")


# --- one agent -------------------------------------------------------------------------


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
