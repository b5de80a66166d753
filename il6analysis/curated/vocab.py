"""Controlled vocabularies shared by the schemas, the loaders and the reports.

Every categorical column of every curated table takes its allowed values from
here, so a value can be added in one place and the schema, the parsers and the
plots' orderings all follow.
"""

from __future__ import annotations

AGENCY_NAMES: dict[str, str] = {
    "FDA": "US Food and Drug Administration",
    "EC": "European Commission (on EMA opinion)",
    "MHLW": "Japan Ministry of Health, Labour and Welfare (PMDA review)",
    "HC": "Health Canada",
    "MOH-RU": "Ministry of Health of the Russian Federation",
    "NMPA": "China National Medical Products Administration",
    "MFDS": "Korea Ministry of Food and Drug Safety",
    "TFDA": "Taiwan Food and Drug Administration",
    "TGA": "Australia Therapeutic Goods Administration",
    "MEDSAFE": "New Zealand Medicines and Medical Devices Safety Authority (Medsafe)",
    "MHRA": "UK Medicines and Healthcare products Regulatory Agency",
    "SWISSMEDIC": "Swissmedic, Swiss Agency for Therapeutic Products",
    "CDSCO": "India Central Drugs Standard Control Organisation",
    "ANVISA": "Brazil National Health Surveillance Agency (ANVISA)",
    "SFDA": "Saudi Food and Drug Authority",
}
"""Regulators: code -> full name. EC is the European Commission decision that
follows an EMA/CHMP opinion; MHLW is Japan's ministry acting on a PMDA review;
MOH-RU is Russia's Ministry of Health."""

AGENCIES: tuple[str, ...] = tuple(AGENCY_NAMES)

AGENCY_ALIASES: dict[str, str] = {
    "EMA": "EC", "CHMP": "EC", "EU": "EC", "European Medicines Agency": "EC", "European Commission": "EC",
    "PMDA": "MHLW", "Japan": "MHLW", "US FDA": "FDA", "USA": "FDA", "United States": "FDA",
    "Health Canada": "HC", "Canada": "HC", "China": "NMPA", "CFDA": "NMPA", "Korea": "MFDS", "KFDA": "MFDS",
    "Taiwan": "TFDA", "Australia": "TGA", "New Zealand": "MEDSAFE", "UK": "MHRA", "United Kingdom": "MHRA",
    "Switzerland": "SWISSMEDIC", "India": "CDSCO", "DCGI": "CDSCO", "Brazil": "ANVISA", "Russia": "MOH-RU",
    "Roszdravnadzor": "MOH-RU", "Saudi Arabia": "SFDA", "Food and Drug Administration": "FDA",
    "Therapeutic Goods Administration": "TGA", "National Medical Products Administration": "NMPA",
    "Ministry of Food and Drug Safety": "MFDS", "Taiwan FDA": "TFDA", "Pharmaceuticals and Medical Devices Agency": "MHLW",
    "Drugs Controller General of India": "CDSCO", "Ministry of Health of Russia": "MOH-RU",
}
"""Common names of regulators and their markets -> agency code (resolved case-insensitively)."""

APPROVAL_STATUSES: tuple[str, ...] = (
    "approved",
    "emergency_use",
    "complete_response",
    "application_withdrawn",
    "refused",
    "authorisation_withdrawn",
    "emergency_use_revoked",
    "authorisation_lapsed",
)
"""Outcome of a regulatory action. Only ``approved`` and ``emergency_use``
put a product on the market; ``authorisation_withdrawn``,
``emergency_use_revoked`` and ``authorisation_lapsed`` end an authorisation
on the day they are dated."""

ENDING_STATUSES: tuple[str, ...] = ("authorisation_withdrawn", "emergency_use_revoked", "authorisation_lapsed")
"""Actions that end an earlier authorisation."""

STATUS_LABELS: dict[str, str] = {
    "approved": "Approved",
    "emergency_use": "Emergency use authorisation",
    "complete_response": "Complete response letter",
    "application_withdrawn": "Application withdrawn",
    "refused": "Refused",
    "authorisation_withdrawn": "Authorisation withdrawn",
    "emergency_use_revoked": "Emergency use revoked",
    "authorisation_lapsed": "Authorisation lapsed",
}

MARKETED_STATUSES: tuple[str, ...] = ("approved", "emergency_use")

ROUTES: tuple[str, ...] = ("IV", "SC")
AGENT_ROUTES: tuple[str, ...] = ("IV", "SC", "IV and SC")

DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")

MODALITIES: tuple[str, ...] = (
    "humanized IgG1 mAb",
    "humanized IgG2 mAb",
    "humanized IgG4 mAb",
    "human IgG1 mAb",
    "human IgG2 mAb",
    "human IgG4 mAb",
    "chimeric IgG1 mAb",
    "murine mAb",
    "nanobody",
    "Fc-fusion protein",
)

MECHANISMS: tuple[str, ...] = (
    "binds IL-6 ligand",
    "binds IL-6 receptor",
    "blocks IL-6:sIL-6R trans-signalling",
)

DEVELOPMENT_STATUSES: tuple[str, ...] = (
    "approved",
    "emergency_use",
    "complete_response",
    "filed",
    "phase3",
    "phase2",
    "phase1",
    "discontinued",
)

TARGET_ROLES: tuple[str, ...] = ("classic_signalling", "trans_signalling", "downstream")

NAME_TYPES: tuple[str, ...] = ("inn", "brand", "code", "synonym")

INDICATION_CATEGORIES: tuple[str, ...] = (
    "autoimmune_inflammatory",
    "oncology",
    "haematology",
    "neurology",
    "infection",
    "iatrogenic",
    "transplantation",
    "cardiovascular_renal",
)

TRIAL_PHASES: tuple[str, ...] = (
    "EARLY_PHASE1",
    "PHASE1",
    "PHASE1/PHASE2",
    "PHASE2",
    "PHASE2/PHASE3",
    "PHASE3",
    "PHASE4",
    "NA",
)
"""ClinicalTrials.gov API v2 phase values, in development order (``NA`` last:
not applicable, e.g. observational or device studies)."""

TRIAL_STATUSES: tuple[str, ...] = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "UNKNOWN",
)
"""ClinicalTrials.gov API v2 overall-status values."""

TRIAL_INTENTS: dict[str, str] = {
    "antitumour": "Antitumour (treats the cancer)",
    "supportive_crs_icans": "Supportive: CRS/ICANS around CAR-T or bispecific therapy",
    "supportive_irae": "Supportive: immune-related adverse events of checkpoint inhibitors",
    "supportive_gvhd": "Supportive: graft-versus-host disease after transplantation",
    "supportive_infection": "Supportive: infection (e.g. COVID-19) in patients with cancer",
    "supportive_cachexia": "Supportive: cancer cachexia",
    "supportive_other": "Supportive: other (symptoms, premedication, anaemia)",
    "unknown": "Purpose not stated in the sources seen",
}
"""Why a trial run in patients with cancer gives the IL-6 agent: identifier -> display name.
Non-cancer trials have no intent; ``unknown`` marks a cancer trial whose purpose no source states."""

TRIAL_INTENT_IDS: tuple[str, ...] = tuple(TRIAL_INTENTS)
SUPPORTIVE_INTENTS: tuple[str, ...] = tuple(i for i in TRIAL_INTENTS if i.startswith("supportive_"))

FREQUENCY_CATEGORIES: dict[str, str] = {
    "very_common": "Very common (>= 1/10)",
    "common": "Common (>= 1/100 to < 1/10)",
    "uncommon": "Uncommon (>= 1/1,000 to < 1/100)",
    "rare": "Rare (>= 1/10,000 to < 1/1,000)",
    "very_rare": "Very rare (< 1/10,000)",
    "not_known": "Not known (cannot be estimated from the available data)",
}
"""EU SmPC (MedDRA convention) frequency categories of adverse reactions, most frequent first."""

FREQUENCY_IDS: tuple[str, ...] = tuple(FREQUENCY_CATEGORIES)

PARTNER_CLASSES: tuple[str, ...] = (
    "immune_checkpoint_inhibitor",
    "chemotherapy",
    "proteasome_inhibitor",
    "immunomodulatory_drug",
    "corticosteroid",
    "her2_antibody",
    "egfr_inhibitor",
    "targeted_therapy",
    "hormone_therapy",
    "car_t_cell_therapy",
    "bispecific_antibody",
    "anti_cd38_antibody",
    "anti_vegf",
    "radiotherapy",
    "dmard",
    "other",
)

WARNING_TOPICS: dict[str, str] = {
    "serious_infections": "Serious infections",
    "tuberculosis": "Tuberculosis",
    "viral_reactivation": "Viral reactivation (e.g. hepatitis B, herpes zoster)",
    "gi_perforation": "Gastrointestinal perforation",
    "hepatotoxicity": "Hepatotoxicity / liver enzyme elevations",
    "hepatic_impairment": "Active hepatic disease and hepatic impairment",
    "neutropenia": "Neutropenia",
    "thrombocytopenia": "Thrombocytopenia",
    "lipid_elevations": "Lipid elevations",
    "hypersensitivity_anaphylaxis": "Hypersensitivity reactions including anaphylaxis",
    "live_vaccines": "Live vaccines",
    "demyelinating_disorders": "Demyelinating disorders",
    "malignancies": "Malignancies",
    "infusion_reactions": "Infusion-related reactions",
    "immunosuppression": "Immunosuppression",
    "embryo_fetal": "Embryo-fetal toxicity",
}
"""Labelled warning topics: identifier -> display name."""

WARNING_IDS: tuple[str, ...] = tuple(WARNING_TOPICS)

SOURCE_KINDS: dict[str, str] = {
    "regulator": "the regulator's own record (letter, register, assessment report, label)",
    "registry": "a trial registry record (ClinicalTrials.gov)",
    "literature": "a publication (PMID or DOI)",
    "company": "the manufacturer's own page or press release",
    "secondary": "press, news, blogs, law firms and databases that restate others",
}
"""How strong a row's source is, strongest first."""

REGULATOR_HOSTS: tuple[str, ...] = (
    "fda.gov", "ec.europa.eu", "ema.europa.eu", "hpfb-dgpsa.ca", "hres.ca", "canada.ca", "hc-sc.gc.ca", "pmda.go.jp",
    "mhlw.go.jp", "nmpa.gov.cn", "mfds.go.kr", "fda.gov.tw", "tga.gov.au", "medsafe.govt.nz", "govt.nz",
    "gov.uk", "swissmedic.ch", "cdsco.gov.in", "anvisa.gov.br", "sfda.gov.sa", "federalregister.gov",
    "grls.rosminzdrav.ru",
)
"""Web hosts (and their subdomains) of regulators: a row with ``source_kind`` ``regulator``
must cite one of them."""

SOURCE_PATTERN = r"^(https?://\S+|PMID:\d{1,9}|doi:10\.\d{4,9}/\S+|NCT\d{8})$"
"""A row's provenance: a URL, ``PMID:<digits>``, ``doi:10.<registrant>/<suffix>``
or an NCT ID."""

EFFICACY_ENDPOINTS: dict[str, tuple[str, str, bool]] = {
    "acr20": ("ACR20 response", "percent", True),
    "acr50": ("ACR50 response", "percent", True),
    "acr70": ("ACR70 response", "percent", True),
    "das28_crp_remission": ("DAS28-CRP below 2.6", "percent", True),
    "das28_remission": ("DAS28 below 2.6 (ESR or CRP as the source defines)", "percent", True),
    "das28_crp_low_activity": ("DAS28-CRP low disease activity (3.2 or below)", "percent", True),
    "das28_esr_change": ("Change in DAS28-ESR from baseline", "points", False),
    "haq_di_change": ("Change in HAQ-DI from baseline", "points", False),
    "sustained_remission": ("Sustained remission", "percent", True),
    "relapse_free": ("Relapse-free", "percent", True),
    "relapse_hazard_ratio": ("Hazard ratio of a first relapse", "hazard_ratio", False),
    "durable_response": ("Durable tumour and symptomatic response", "percent", True),
    "mortality": ("Death", "percent", False),
    "ventilation_or_death": ("Mechanical ventilation or death", "percent", False),
}
"""Efficacy endpoints: identifier -> (display name, unit, True when a higher value is better)."""

EFFICACY_ENDPOINT_IDS: tuple[str, ...] = tuple(EFFICACY_ENDPOINTS)

EFFICACY_UNITS: dict[str, str] = {
    "percent": "% of patients in the arm",
    "points": "points on the endpoint's own scale (a change from baseline)",
    "hazard_ratio": "hazard ratio of the arm against its comparator",
}
"""Units of efficacy values: identifier -> meaning."""

EFFICACY_UNIT_IDS: tuple[str, ...] = tuple(EFFICACY_UNITS)

EFFICACY_POPULATIONS: dict[str, str] = {
    "ra_mtx_naive": "RA, methotrexate-naive",
    "ra_mtx_ir": "RA, inadequate response to methotrexate",
    "ra_dmard_ir": "RA, inadequate response to conventional DMARDs",
    "ra_tnfi_ir": "RA, inadequate response or intolerance to TNF inhibitors",
    "gca": "Giant cell arteritis, new-onset or relapsing",
    "pmr_relapsing": "Polymyalgia rheumatica relapsing during glucocorticoid taper",
    "nmosd_all": "NMOSD, all randomised (AQP4-IgG positive and negative)",
    "nmosd_aqp4_positive": "NMOSD, AQP4-IgG seropositive",
    "mcd_hiv_hhv8_negative": "Multicentric Castleman disease, HIV- and HHV-8-negative",
    "covid19_hypoxia_inflammation": "COVID-19 in hospital with hypoxia and raised CRP",
    "covid19_not_ventilated": "COVID-19 pneumonia in hospital, not mechanically ventilated",
    "covid19_severe_pneumonia": "COVID-19 severe pneumonia in hospital (hypoxaemic, any respiratory support)",
    "covid19_critical_organ_support": "COVID-19 critically ill, within 24 h of starting organ support in intensive care",
}
"""Trial populations of the efficacy table: identifier -> display name. Trials are compared only
within one population."""

EFFICACY_POPULATION_IDS: tuple[str, ...] = tuple(EFFICACY_POPULATIONS)

COMPARATOR_TYPES: dict[str, str] = {
    "placebo": "Placebo on the same background therapy",
    "active": "Another active treatment (another drug, or the same drug by another route)",
    "reference_product": "The reference product (a biosimilar's equivalence trial)",
    "usual_care": "Usual care alone (open label)",
}
"""What an efficacy row's arm is compared with: identifier -> meaning."""

COMPARATOR_TYPE_IDS: tuple[str, ...] = tuple(COMPARATOR_TYPES)

LABEL_COVERAGE: dict[str, str] = {
    "complete": "every entry of the label section is curated",
    "partial": "some entries of the label section are curated; the rest are listed as missing",
    "not_curated": "nothing of the label section is curated (the label or the section was not seen)",
}
"""How much of one label section the curated rows hold: identifier -> meaning."""

LABEL_COVERAGE_IDS: tuple[str, ...] = tuple(LABEL_COVERAGE)

COVERAGE_TABLES: dict[str, str] = {
    "warnings": "boxed warning and warnings and precautions",
    "adverse_events": "adverse-reaction tables with percentages",
    "label_frequencies": "tabulated adverse reactions by frequency category",
}
"""Curated tables that hold label content, with the label part each one covers."""
