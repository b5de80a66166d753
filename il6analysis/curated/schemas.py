"""pandera schemas of the curated tables, and with them the data dictionary.

One :class:`pandera.pandas.DataFrameModel` per table declares each column's
dtype, allowed values, identifier format, range and key uniqueness. Each
field's ``description`` is the column's entry in the data dictionary
(``il6 data describe TABLE``), so documentation and validation cannot drift
apart. Cross-table rules (every referenced agent, target and indication
exists) live in :mod:`il6analysis.curated.validation`, because a single-table schema
cannot see the other tables.

Each table's ``Config.metadata["primary_key"]`` names the columns that identify
one of its rows across releases (:mod:`il6analysis.curated.changes` compares
two versions of a table by it); where the table declares multi-column
uniqueness, the key is that same list.
"""

from __future__ import annotations

import warnings
from urllib.parse import urlparse

import pandas as pd

# pandera imports PySpark's pandas API whenever PySpark is installed (it is, for the optional
# Spark engine of the FAERS counts); PySpark then warns that pyspark.pandas does not support
# pandas 3. Nothing here uses pyspark.pandas, so that one warning is silenced, process-wide
# because pandera imports it lazily during validation.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

import pandera.pandas as pa  # noqa: E402
from pandera.typing import Series  # noqa: E402

from il6analysis.curated import vocab

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
NCT_ID = r"^NCT\d{8}$"
ISO_DAY = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
DECISION_COLUMNS = ["agent_id", "agency", "approval_date", "status"]
"""What every row of one regulatory decision has in common."""
UNIPROT_ACCESSION = r"^([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9]([A-Z][A-Z0-9]{2}[0-9]){1,2})$"


def _categories(values: tuple[str, ...], *, ordered: bool = False) -> dict:
    return {"categories": list(values), "ordered": ordered}


def source_kind_fits(source: object, kind: object) -> bool:
    """True when a row's ``source_kind`` is possible for its ``source`` (unknown values pass:
    their own column checks report them)."""
    if not isinstance(source, str) or not isinstance(kind, str):
        return True
    is_trial, is_paper = source.startswith("NCT"), source.startswith(("PMID:", "doi:"))
    if kind == "registry":
        return is_trial
    if kind == "literature":
        return is_paper
    if kind == "regulator":
        host = urlparse(source).hostname or ""
        return any(host == h or host.endswith("." + h) for h in vocab.REGULATOR_HOSTS)
    return not (is_trial or is_paper)


class Sourced(pa.DataFrameModel):
    """Columns every curated table carries: where each row comes from."""

    source: Series[str] = pa.Field(
        str_matches=vocab.SOURCE_PATTERN,
        description="Provenance of the row: label or agency URL, PMID:<n>, doi:<doi> or NCT ID.",
    )
    source_kind: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.SOURCE_KINDS),
        description="How strong the source is: " + "; ".join(f"{k} = {v}" for k, v in vocab.SOURCE_KINDS.items()) + ".",
    )
    notes: Series[str] = pa.Field(
        nullable=True,
        description="Curator's remarks: disagreements between sources, caveats, precision.",
    )

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(error="source_kind must match the source: registry = an NCT ID, literature = PMID or DOI, "
                              "regulator = a URL on a regulator's site (vocab.REGULATOR_HOSTS)")
    def source_kind_matches_source(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series([source_kind_fits(s, k) for s, k in zip(df["source"], df["source_kind"])], index=df.index)


class Agents(Sourced):
    """One row per IL-6 pathway agent; a biosimilar is its own agent."""

    agent_id: Series[str] = pa.Field(
        str_matches=SLUG, unique=True,
        description="Lower-case INN slug; a biosimilar adds its FDA suffix (tocilizumab-bavi); a copy product "
                    "without a US suffix takes its code name (lzm008) or, with none, INN and maker (tocilizumab-hetero).",
    )
    inn: Series[str] = pa.Field(description="International Nonproprietary Name (with suffix for US biosimilars; "
                                             "the plain INN for copy products without one).")
    reference_agent_id: Series[str] = pa.Field(
        nullable=True, description="For a biosimilar, the agent_id of its reference product; empty otherwise."
    )
    modality: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.MODALITIES), nullable=True,
        description="Molecular format: antibody origin and IgG subclass, nanobody, Fc-fusion protein.",
    )
    target_id: Series[str] = pa.Field(description="What the agent binds (targets.target_id).")
    mechanism: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.MECHANISMS), description="How the agent blocks IL-6 signalling."
    )
    originator: Series[str] = pa.Field(nullable=True, description="Company that discovered or first developed the agent.")
    highest_status: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.DEVELOPMENT_STATUSES),
        description="Highest development or regulatory status reached anywhere.",
    )
    routes: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.AGENT_ROUTES), nullable=True,
        description="Routes of administration: IV, SC, or IV and SC.",
    )
    chembl_id: Series[str] = pa.Field(str_matches=r"^CHEMBL\d+$", nullable=True, description="ChEMBL molecule ID.")
    drugbank_id: Series[str] = pa.Field(str_matches=r"^DB\d{5}$", nullable=True, description="DrugBank accession.")
    cas_number: Series[str] = pa.Field(
        str_matches=r"^\d{2,7}-\d{2}-\d$", nullable=True, description="CAS Registry Number."
    )

    class Config:
        metadata = {"primary_key": ["agent_id"]}


class AgentNames(Sourced):
    """Every name an agent goes by: INN, brands, code names and synonyms."""

    agent_id: Series[str] = pa.Field(description="The agent (agents.agent_id).")
    name: Series[str] = pa.Field(description="The name as written by its source.")
    name_type: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.NAME_TYPES), description="inn, brand, code or synonym."
    )

    class Config:
        unique = ["agent_id", "name"]
        metadata = {"primary_key": unique}


class Targets(Sourced):
    """Nodes of the IL-6 pathway that agents bind or that carry the signal."""

    target_id: Series[str] = pa.Field(str_matches=SLUG, unique=True, description="Slug of the pathway node.")
    gene_symbol: Series[str] = pa.Field(
        str_matches=r"^[A-Z0-9]+$", nullable=True, description="HGNC gene symbol; empty for a complex."
    )
    protein_name: Series[str] = pa.Field(description="Protein or complex name.")
    uniprot_id: Series[str] = pa.Field(
        str_matches=UNIPROT_ACCESSION, nullable=True, description="UniProtKB accession (human)."
    )
    role: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.TARGET_ROLES),
        description="Place in the pathway: classic signalling, trans-signalling or downstream.",
    )

    class Config:
        metadata = {"primary_key": ["target_id"]}


class Indications(Sourced):
    """Every approved indication and every disease studied in the trials table."""

    indication_id: Series[str] = pa.Field(str_matches=SLUG, unique=True, description="Slug of the disease.")
    name: Series[str] = pa.Field(unique=True, description="Disease name.")
    abbreviation: Series[str] = pa.Field(nullable=True, description="Common abbreviation (RA, GCA, MCD ...).")
    category: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.INDICATION_CATEGORIES), description="Therapeutic area."
    )
    cancer_type: Series[str] = pa.Field(
        nullable=True, description="Cancer grouping for oncology indications (e.g. Lymphoma); empty otherwise."
    )
    mesh_id: Series[str] = pa.Field(str_matches=r"^D\d{6}$", nullable=True, description="MeSH descriptor ID.")

    class Config:
        metadata = {"primary_key": ["indication_id"]}

    @pa.dataframe_check(error="cancer_type is required for oncology indications and only for them")
    def cancer_type_iff_oncology(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["category"] == "oncology") == df["cancer_type"].notna()


class Approvals(Sourced):
    """Regulatory actions: one row per agent x agency x indication x route x outcome.

    An indication can have several actions at one agency (the first approval,
    a later extension of the same indication, a complete response before the
    approval); each is its own row with its own date.
    """

    agent_id: Series[str] = pa.Field(description="The agent (agents.agent_id).")
    agency: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.AGENCIES), description="Regulator (see il6analysis.curated.vocab.AGENCY_NAMES)."
    )
    indication_id: Series[str] = pa.Field(description="The indication (indications.indication_id).")
    indication_label: Series[str] = pa.Field(nullable=True, description="The indication as the regulator words it.")
    status: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.APPROVAL_STATUSES),
        description="Outcome of the action: " + ", ".join(vocab.APPROVAL_STATUSES) + "; "
                    + ", ".join(vocab.ENDING_STATUSES) + " end an earlier authorisation on their date.",
    )
    approval_date: Series[pa.typing.DateTime] = pa.Field(
        nullable=True, description="Date of the regulator's action (first day of the period if less precise)."
    )
    approval_date_precision: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.DATE_PRECISIONS), nullable=True,
        description="Precision the source gives for approval_date: day, month or year.",
    )
    route: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.ROUTES), nullable=True, description="IV or SC."
    )
    population: Series[str] = pa.Field(nullable=True, description="Approved population (adult, paediatric age range).")
    brand: Series[str] = pa.Field(nullable=True, description="Brand name under which it was approved.")
    application_number: Series[str] = pa.Field(nullable=True, description="Application or procedure number (BLA 125276, EMEA/H/C/...).")
    decision_id: Series[str] = pa.Field(
        str_matches=SLUG,
        description="One regulatory decision (same agent, agency, date, application and outcome), shared by the "
                    "indication x route rows it covers, e.g. fda-bla125276-2010-01-08; count decisions with nunique.",
    )

    class Config:
        unique = ["agent_id", "agency", "indication_id", "route", "status", "population", "approval_date"]
        metadata = {"primary_key": unique}

    @pa.dataframe_check(error="rows sharing a decision_id must agree on agent_id, agency, approval_date and status")
    def decision_rows_agree(cls, df: pd.DataFrame) -> Series[bool]:
        keys = df[DECISION_COLUMNS].astype("object").where(df[DECISION_COLUMNS].notna(), None).astype("str")
        variants = keys.groupby(df["decision_id"], dropna=False).transform("nunique")
        return (variants <= 1).all(axis=1)


class Trials(Sourced):
    """Clinical trials: one row per trial x IL-6 agent x condition."""

    nct_id: Series[str] = pa.Field(str_matches=NCT_ID, description="ClinicalTrials.gov identifier.")
    agent_id: Series[str] = pa.Field(description="IL-6 pathway agent studied (agents.agent_id).")
    indication_id: Series[str] = pa.Field(description="Condition studied (indications.indication_id).")
    title: Series[str] = pa.Field(nullable=True, description="Brief title of the study.")
    phase: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.TRIAL_PHASES, ordered=True), nullable=True,
        description="ClinicalTrials.gov phase (ordered).",
    )
    status: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.TRIAL_STATUSES), nullable=True,
        description="ClinicalTrials.gov overall status as last seen by the curator.",
    )
    start_date: Series[pa.typing.DateTime] = pa.Field(nullable=True, description="Study start (first day of the period if less precise).")
    start_date_precision: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.DATE_PRECISIONS), nullable=True, description="Precision of start_date."
    )
    enrollment: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True, description="Enrolment (actual or anticipated, see notes).")
    intent: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.TRIAL_INTENT_IDS), nullable=True,
        description="Why a trial in patients with cancer gives the agent: " + ", ".join(vocab.TRIAL_INTENT_IDS)
                    + "; empty for non-cancer trials (evidence in notes).",
    )
    registry_checked: Series[str] = pa.Field(
        str_matches=ISO_DAY,
        description="Day phase, status, start date and enrolment were last compared with the trial's registry "
                    "record (YYYY-MM-DD): the day a curator read the newest stored record (named in notes), or the "
                    "registry's data version when `il6 refresh trials` wrote the row.",
    )
    lead_sponsor: Series[str] = pa.Field(
        nullable=True,
        description="The trial's lead sponsor as ClinicalTrials.gov names it "
                    "(sponsorCollaboratorsModule.leadSponsor.name), copied from a registry record that was seen "
                    "(named in notes) or written by `il6 refresh trials`; empty where no record showed it, never "
                    "inferred from the agent's developer.",
    )

    class Config:
        unique = ["nct_id", "agent_id", "indication_id"]
        metadata = {"primary_key": unique}


class TrialPartners(Sourced):
    """Drugs combined with the IL-6 agent in a trial; a trial absent here is monotherapy."""

    nct_id: Series[str] = pa.Field(str_matches=NCT_ID, description="The trial (trials.nct_id).")
    partner: Series[str] = pa.Field(description="Combination partner (drug or therapy).")
    partner_class: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.PARTNER_CLASSES), description="Class of the partner."
    )

    class Config:
        unique = ["nct_id", "partner"]
        metadata = {"primary_key": unique}


class AdverseEvents(Sourced):
    """Label adverse-reaction tables: one row per agent x table x dose arm x term."""

    agent_id: Series[str] = pa.Field(description="The agent (agents.agent_id).")
    label_table: Series[str] = pa.Field(description="Which label table the row comes from.")
    population: Series[str] = pa.Field(description="Trial population of the table.")
    indication_id: Series[str] = pa.Field(nullable=True, description="Indication studied (indications.indication_id).")
    term: Series[str] = pa.Field(description="Adverse reaction (MedDRA preferred term where possible).")
    soc: Series[str] = pa.Field(nullable=True, description="MedDRA system organ class.")
    drug_pct: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="% of patients in the drug arm.")
    comparator_pct: Series[float] = pa.Field(ge=0, le=100, nullable=True, description="% of patients in the comparator arm.")
    comparator: Series[str] = pa.Field(nullable=True, description="Comparator arm (placebo, methotrexate ...).")
    dose: Series[str] = pa.Field(description="Dose and schedule of the drug arm.")
    drug_n: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True, description="Patients in the drug arm.")
    comparator_n: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True, description="Patients in the comparator arm.")

    class Config:
        unique = ["agent_id", "label_table", "dose", "term"]
        metadata = {"primary_key": unique}


class LabelFrequencies(Sourced):
    """Tabulated adverse reactions of a label with their frequency category (EU SmPC section 4.8)."""

    agent_id: Series[str] = pa.Field(description="The agent (agents.agent_id).")
    label: Series[str] = pa.Field(description="Which label the row comes from (e.g. EU SmPC).")
    term: Series[str] = pa.Field(description="Adverse reaction, in English (original wording in notes).")
    soc: Series[str] = pa.Field(nullable=True, description="MedDRA system organ class.")
    frequency_category: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.FREQUENCY_IDS, ordered=True),
        description="Frequency category (ordered): " + "; ".join(f"{k} = {v}" for k, v in vocab.FREQUENCY_CATEGORIES.items()) + ".",
    )
    population: Series[str] = pa.Field(nullable=True, description="Safety population the label's table describes.")

    class Config:
        unique = ["agent_id", "label", "population", "term"]
        metadata = {"primary_key": unique}


class Warnings(Sourced):
    """Labelled warnings and precautions per agent."""

    agent_id: Series[str] = pa.Field(description="The agent (agents.agent_id).")
    warning_id: Series[pd.CategoricalDtype] = pa.Field(
        dtype_kwargs=_categories(vocab.WARNING_IDS), description="Warning topic (see il6analysis.curated.vocab.WARNING_TOPICS)."
    )
    label_section: Series[str] = pa.Field(nullable=True, description="Label section (e.g. 5.1, or Boxed Warning).")
    boxed: Series[pd.BooleanDtype] = pa.Field(description="True when the topic is in the boxed warning.")

    class Config:
        unique = ["agent_id", "warning_id"]
        metadata = {"primary_key": unique}
