"""Clinical trials: by cancer type, phase, status, regimen and start year.

Raises (every filter):
    UnknownNameError: a name matches nothing; the message lists close matches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from il6analysis.analysis.selection import keep_values, resolve_agents, resolve_names
from il6analysis.curated import loaders as datasets
from il6analysis.curated import vocab
from il6analysis.curated.dates import partial_date_text
from il6analysis.curated.names import resolve_cancer_type, resolve_choice

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
    "corticosteroid": "corticosteroid",
    "radiotherapy": "radiotherapy",
}
"""Partner class -> regimen group shown in the reports; other classes are "other"."""

REGIMEN_ORDER: tuple[str, ...] = (MONOTHERAPY, "checkpoint inhibitor", "chemotherapy", "targeted", "cell therapy",
                                  "corticosteroid", "radiotherapy", "other")
COUNTED_INTENTS: tuple[str, ...] = ("antitumour",)
"""The trial purposes counted by default, by every helper and report: trials that treat the cancer."""
NEVER_ENROLLED_STATUSES: tuple[str, ...] = ("WITHDRAWN",)
"""Statuses of trials stopped before their first participant (ClinicalTrials.gov: "withdrawn")."""
REGISTRY_URL = "https://clinicaltrials.gov/study/{}"


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


CANCER_TYPE_NOT_RECORDED = "cancer type not recorded"


def trials_view(
    agents: Iterable[str] | None = None,
    cancer_types: Iterable[str] | None = None,
    phases: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    regimens: Iterable[str] | None = None,
    intents: Iterable[str] | None = COUNTED_INTENTS,
    oncology_only: bool = True,
) -> pd.DataFrame:
    """Return trials (one row per trial x agent x condition) with cancer type, intent and regimen.

    Adds ``indication`` (name), ``category``, ``cancer_type``, ``start_year``
    and ``regimens`` (the trial's regimen groups joined with ``" + "``).
    ``intent`` is the trial's purpose in patients with cancer (antitumour or a
    kind of supportive care, see :data:`il6analysis.curated.vocab.TRIAL_INTENTS`);
    ``intents`` keeps the cancer trials with any of those intents: by default
    :data:`COUNTED_INTENTS` (antitumour trials, as the reports count them); ``None`` or
    ``[]`` keeps every purpose. Trials outside cancer have no intent and are not
    filtered by it (they are kept when ``oncology_only`` is false). ``oncology_only`` keeps
    the trials run in patients with cancer (those with an intent), with every one
    of their rows; a row of such a trial whose condition is not itself a cancer
    (e.g. graft-versus-host disease) has ``cancer_type`` ``"cancer type not
    recorded"`` unless another row of the trial names the cancer.
    ``regimens`` keeps trials having any of the given groups (see :data:`REGIMEN_ORDER`).

    Raises:
        UnknownNameError: an unknown agent, cancer type, phase, status, regimen or intent.
    """
    wanted_cancers = resolve_names(cancer_types, resolve_cancer_type)
    wanted_phases = resolve_names(phases, lambda p: resolve_choice("phase", p, vocab.TRIAL_PHASES))
    wanted_statuses = resolve_names(statuses, lambda s: resolve_choice("status", s, vocab.TRIAL_STATUSES))
    wanted_regimens = resolve_names(regimens, lambda r: resolve_choice("regimen", r, REGIMEN_ORDER))
    wanted_intents = resolve_names(intents, lambda i: resolve_choice("trial intent", i, vocab.TRIAL_INTENT_IDS))
    indications = datasets.load_indications()[["indication_id", "name", "category", "cancer_type"]]
    view = datasets.load_trials().merge(
        indications.rename(columns={"name": "indication"}), on="indication_id", how="left", validate="many_to_one"
    )
    if oncology_only:
        view = _cancer_rows(view[view["intent"].notna()])
    view = keep_values(view, "agent_id", resolve_agents(agents))
    view = keep_values(view, "cancer_type", wanted_cancers)
    view = keep_values(view, "phase", wanted_phases)
    view = keep_values(view, "status", wanted_statuses)
    if wanted_intents:
        view = view[view["intent"].isin(wanted_intents) | view["intent"].isna()]
    regimen_rows = trial_regimens()
    if wanted_regimens:
        view = view[view["nct_id"].isin(regimen_rows.loc[regimen_rows["regimen"].isin(wanted_regimens), "nct_id"])]
    joined = regimen_rows.groupby("nct_id", observed=True)["regimen"].agg(lambda r: " + ".join(map(str, r)))
    view = view.assign(start_year=view["start_date"].dt.year.astype("Int64"), regimens=view["nct_id"].map(joined))
    return view.sort_values(["cancer_type", "nct_id", "agent_id"]).reset_index(drop=True)


def _cancer_rows(view: pd.DataFrame) -> pd.DataFrame:
    """Keep each cancer trial's rows that name a cancer; a trial naming none keeps one row
    per agent with ``cancer_type`` marked as not recorded."""
    named = view[view["cancer_type"].notna()]
    unnamed = view[~view["nct_id"].isin(named["nct_id"])].drop_duplicates(["nct_id", "agent_id"])
    unnamed = unnamed.assign(cancer_type=CANCER_TYPE_NOT_RECORDED)
    return pd.concat([named, unnamed], ignore_index=True)


def by_purpose(
    agents: Iterable[str] | None = None,
    cancer_types: Iterable[str] | None = None,
    phases: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    regimens: Iterable[str] | None = None,
    intents: Iterable[str] | None = COUNTED_INTENTS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(counted, other)``: the cancer trials whose purpose is among ``intents`` (by default
    antitumour), and those of the same selection with another purpose (supportive care, or not
    stated), as :func:`trials_view` rows. The one rule the cancer report and the agent profile share.

    Raises:
        UnknownNameError: an unknown agent, cancer type, phase, status, regimen or intent.
    """
    counted = trials_view(agents, cancer_types, phases, statuses, regimens, intents)
    everything = trials_view(agents, cancer_types, phases, statuses, regimens, intents=None)
    return counted, everything[~everything["nct_id"].isin(counted["nct_id"])]


def scope_sentence(counted: pd.DataFrame, other: pd.DataFrame) -> str:
    """Return the Markdown sentences that say what a cancer-trial report covers: how many curated
    trials it counts, out of how many curated cancer trials, that these are a curated selection
    and not every registered trial, and how many have no start date. An empty selection says so first."""
    trials, others = counted["nct_id"].nunique(), other["nct_id"].nunique()
    total = datasets.load_trials().dropna(subset=["intent"])["nct_id"].nunique()
    undated = int(counted.drop_duplicates("nct_id")["start_date"].isna().sum())
    coverage = (f"The curated data holds {total} trials in patients with cancer: a selection, each checked against "
                "its registry record, not every registered trial of these agents (`il6 refresh trials` lists every "
                "ClinicalTrials.gov study that names one).")
    if trials == 0:
        return (f"**No trial with the counted purpose matches these parameters**; {others} cancer trial(s) of this "
                f"selection with another purpose are listed below. {coverage}")
    return (f"**{trials} trial(s)** of **{counted['agent_id'].nunique()} agent(s)** in "
            f"**{counted['cancer_type'].nunique()} cancer type(s)** match these parameters and are counted "
            f"({undated} of them without a start date); {others} more cancer trial(s) with another purpose are "
            f"listed at the end. {coverage}")


def unknown_counts(view: pd.DataFrame) -> pd.DataFrame:
    """Return, for the distinct trials of ``view``, how many have no recorded start date,
    phase, status or enrolment: columns ``field, trials_unknown, trials``."""
    trials = view.drop_duplicates("nct_id")
    fields = {"start date": "start_date", "phase": "phase", "status": "status", "enrolment": "enrollment"}
    return pd.DataFrame(
        [(label, int(trials[column].isna().sum()), len(trials)) for label, column in fields.items()],
        columns=["field", "trials_unknown", "trials"],
    )


def intents_summary(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``intent, trials``: distinct trials per intent, in vocabulary order."""
    counts = view.drop_duplicates("nct_id")["intent"].astype("str").value_counts()
    return pd.DataFrame([(i, int(counts[i])) for i in vocab.TRIAL_INTENT_IDS if i in counts],
                        columns=["intent", "trials"])


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
    """Return ``cancer_type, regimen, trials, cancer_trials``: distinct trials per cancer type and
    regimen group, and the cancer type's distinct trials in all. A trial combining two groups
    counts once in each, so a cancer type's ``trials`` can add up to more than ``cancer_trials``."""
    regimens = trial_regimens()
    long = view[["nct_id", "cancer_type"]].drop_duplicates().merge(regimens, on="nct_id")
    counts = _distinct_trials(long, ["cancer_type", "regimen"])
    totals = view.groupby("cancer_type")["nct_id"].nunique()
    return counts.assign(cancer_trials=counts["cancer_type"].map(totals).astype("int64"))


def trial_starts_by_year(view: pd.DataFrame) -> pd.DataFrame:
    """Return ``start_year, agent_id, trials``: trials started per year and agent
    (trials with no recorded start have no year: :func:`unknown_counts` counts them)."""
    dated = view.dropna(subset=["start_year"])
    return _distinct_trials(dated, ["start_year", "agent_id"])


def trial_listing(view: pd.DataFrame) -> pd.DataFrame:
    """Return one row per trial for a report table: registry link, title, agents,
    conditions, intent, phase, status, start, enrolment and partners."""
    if view.empty:
        return pd.DataFrame(columns=["nct_id", "registry", "title", "agents", "conditions", "intent", "phase",
                                     "status", "start", "enrollment", "partners"])
    partners = datasets.load_trial_partners()
    named = partners.groupby("nct_id")["partner"].agg(", ".join)
    view = view.assign(start=partial_date_text(view["start_date"], view["start_date_precision"]))
    grouped = view.groupby("nct_id", sort=True)
    listing = grouped.agg(
        title=("title", "first"),
        agents=("agent_id", lambda s: ", ".join(dict.fromkeys(s))),
        conditions=("indication", lambda s: ", ".join(dict.fromkeys(s.dropna()))),
        intent=("intent", "first"),
        phase=("phase", "first"),
        status=("status", "first"),
        start=("start", "first"),
        enrollment=("enrollment", "first"),
    ).reset_index()
    listing.insert(1, "registry", listing["nct_id"].map(REGISTRY_URL.format))
    listing["partners"] = listing["nct_id"].map(named).fillna("")
    return listing


