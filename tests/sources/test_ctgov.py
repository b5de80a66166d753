"""ClinicalTrials.gov API v2 connector: parsing real v2 records, paging, agent
matching, the trials/partners tables and the comparison with the curated table.

Real API output lives in tests/data/ctgov/ (see its PROVENANCE.md). None of it
is an IL-6 study, so studies that name IL-6 agents are synthetic dicts built by
``make_study`` in the real v2 shape. Nothing here reaches the network.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from il6analysis.curated import schemas, vocab
from il6analysis.curated.loaders import load_trials
from il6analysis.curated.matching import normalise
from il6analysis.errors import SourceError
from il6analysis.sources import ctgov, ctgov_tables

DATA = Path(__file__).parent.parent / "fixtures" / "ctgov"
PHELAN_1 = "search_phelan_limit5_20260811.json"
PHELAN_2 = "search_phelan_next_20260811.json"
RESTRICTED = [
    PHELAN_1,
    PHELAN_2,
    "search_keytruda_limit3_20260811.json",
    "get_nct06604689_20260811.json",
    "get_nct02576665_20260811.json",
]


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def studies_of(name: str) -> list[dict]:
    """The studies of a saved response: a search page's list, or the single study."""
    payload = load(name)
    return payload["studies"] if "studies" in payload else [payload]


def make_study(
    nct_id: str,
    interventions: list[dict],
    conditions: list[str],
    *,
    phases: list[str] | None = None,
    status: str = "RECRUITING",
    start: str = "2021-03",
    enrollment: dict | None = None,
    study_type: str = "INTERVENTIONAL",
) -> dict:
    """SYNTHETIC study in the v2 shape (module and leaf names as in NCT02210780.json)."""
    design: dict = {"studyType": study_type, "enrollmentInfo": enrollment or {"count": 40, "type": "ESTIMATED"}}
    if phases is not None:
        design["phases"] = phases
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": f"Synthetic study {nct_id}"},
            "statusModule": {"overallStatus": status, "startDateStruct": {"date": start, "type": "ACTUAL"}},
            "conditionsModule": {"conditions": conditions},
            "designModule": design,
            "armsInterventionsModule": {"interventions": interventions},
        },
        "derivedSection": {"miscInfoModule": {"versionHolder": "2026-11-30"}},
        "hasResults": False,
    }


def drug(name: str, *other_names: str, kind: str = "DRUG") -> dict:
    return {"type": kind, "name": name, "otherNames": list(other_names)}


# --- parse_study on real records ---------------------------------------------------


def test_parse_full_record_with_results():
    record = ctgov.parse_study(load("NCT02210780.json"))
    assert record["nct_id"] == "NCT02210780"
    assert record["title"] == "Study of Dupilumab and Immune Responses in Adults With Atopic Dermatitis (AD)"
    assert record["phase"] == "PHASE2"
    assert record["status"] == "COMPLETED"
    assert record["start_date"] == pd.Timestamp(2014, 8, 5)
    assert record["start_date_precision"] == "day"
    assert record["enrollment"] == 194
    assert record["notes"] == ["enrollment type ACTUAL"]
    assert record["conditions"] == ["Atopic Dermatitis"]
    assert record["interventions"] == [
        {"name": "Dupilumab", "type": "DRUG", "otherNames": ["REGN668", "SAR231893", "Dupixent"]},
        {"name": "Placebo", "type": "DRUG", "otherNames": []},
    ]


def test_parse_withdrawn_record_keeps_zero_enrollment_and_month_precision():
    record = ctgov.parse_study(load("NCT00973089.json"))
    assert record["status"] == "WITHDRAWN"
    assert record["phase"] == "NA"
    assert record["enrollment"] == 0 and record["enrollment"] is not None
    assert record["start_date"] == pd.Timestamp(2010, 5, 1)
    assert record["start_date_precision"] == "month"
    assert record["interventions"][0]["type"] == "OTHER"
    assert record["registry_version"] == "2024-01-22"


def test_the_lead_sponsor_is_carried_from_a_real_record_and_missing_when_absent():
    assert ctgov.parse_study(load("NCT00973089.json"))["lead_sponsor"] == "Hadassah Medical Organization"
    study = copy.deepcopy(load("NCT02210780.json"))
    # in memory only: give the real record an IL-6 agent so it is kept
    study["protocolSection"]["armsInterventionsModule"]["interventions"] = [drug("Kevzara")]
    study["protocolSection"]["conditionsModule"]["conditions"] = ["Rheumatoid Arthritis"]
    trials, _, _ = ctgov_tables.studies_to_tables([study])
    assert not trials.empty and set(trials["lead_sponsor"]) == {"Regeneron Pharmaceuticals"}
    synthetic, _, _ = ctgov_tables.studies_to_tables([make_study("NCT90000011", [drug("Actemra")], ["RA"])])
    assert synthetic["lead_sponsor"].isna().all(), "a record without a lead sponsor leaves it missing"


@pytest.mark.parametrize("name", RESTRICTED)
def test_fields_restricted_captures_parse_without_absent_leaves(name):
    for study in studies_of(name):
        record = ctgov.parse_study(study)
        assert record["nct_id"].startswith("NCT")
        assert record["status"] in vocab.TRIAL_STATUSES
        assert record["start_date_precision"] in vocab.DATE_PRECISIONS
        assert isinstance(record["enrollment"], int)
        # these captures carry neither enrollmentInfo.type nor intervention types
        assert record["notes"] == []
        assert all(i["type"] is None and i["name"] for i in record["interventions"])


def test_restricted_capture_keeps_other_names():
    record = ctgov.parse_study(load("get_nct02576665_20260811.json"))
    assert record["interventions"][1] == {
        "name": "Toca FC", "type": None, "otherNames": ["Flucytosine", "5-FC", "5-Fluorocytosine"],
    }
    assert len(record["conditions"]) == 12


MODULE_FIELDS = {
    "identificationModule": None,  # holds the NCT ID: tested separately
    "statusModule": ["status", "start_date", "start_date_precision"],
    "designModule": ["phase", "enrollment"],
    "conditionsModule": ["conditions"],
    "armsInterventionsModule": ["interventions"],
}


@pytest.mark.parametrize("module", [m for m, fields in MODULE_FIELDS.items() if fields])
def test_absent_module_gives_missing_values(module):
    study = copy.deepcopy(load("NCT02210780.json"))
    del study["protocolSection"][module]
    record = ctgov.parse_study(study)
    for field in MODULE_FIELDS[module]:
        assert record[field] in (None, []), field
    assert record["nct_id"] == "NCT02210780"


@pytest.mark.parametrize(
    ("module", "leaf", "field"),
    [
        ("identificationModule", "briefTitle", "title"),
        ("statusModule", "overallStatus", "status"),
        ("statusModule", "startDateStruct", "start_date"),
        ("designModule", "phases", "phase"),
        ("designModule", "enrollmentInfo", "enrollment"),
        ("conditionsModule", "conditions", "conditions"),
        ("armsInterventionsModule", "interventions", "interventions"),
    ],
)
def test_absent_leaf_gives_missing_value(module, leaf, field):
    study = copy.deepcopy(load("NCT02210780.json"))
    del study["protocolSection"][module][leaf]
    assert ctgov.parse_study(study)[field] in (None, [])


def test_interventions_without_other_names_or_name():
    study = make_study("NCT90000001", [{"type": "DRUG"}, {"name": "Tocilizumab"}], ["RA"])
    assert ctgov.parse_study(study)["interventions"] == [
        {"name": None, "type": "DRUG", "otherNames": []},
        {"name": "Tocilizumab", "type": None, "otherNames": []},
    ]


@pytest.mark.parametrize("count", ["194", -1, True, 19.5])
def test_enrollment_count_that_is_not_a_whole_number_is_missing_with_note(count):
    record = ctgov.parse_study(make_study("NCT90000008", [], [], enrollment={"count": count, "type": "ACTUAL"}))
    assert record["enrollment"] is None
    assert any("not a whole number" in note for note in record["notes"])


def test_intervention_entries_that_are_not_objects_are_skipped():
    study = make_study("NCT90000009", ["Tocilizumab", None, drug("Sarilumab")], ["RA"])
    assert [i["name"] for i in ctgov.parse_study(study)["interventions"]] == ["Sarilumab"]


def test_study_without_nct_id_is_skipped_with_a_warning_naming_its_position(caplog):
    good = make_study("NCT90000001", [drug("tocilizumab")], ["RA"])
    bad = copy.deepcopy(good)
    del bad["protocolSection"]["identificationModule"]["nctId"]
    with caplog.at_level(logging.WARNING, logger="il6analysis.sources.ctgov"):
        trials, _, _ = ctgov_tables.studies_to_tables([good, bad])
    assert set(trials["nct_id"]) == {"NCT90000001"}
    assert [r.getMessage() for r in caplog.records] == [
        "ClinicalTrials.gov record skipped, the others are kept: study 1 has no protocolSection.identificationModule.nctId"]
    with pytest.raises(SourceError, match="study 3 "):
        ctgov.parse_study({"hasResults": False}, 3)


@pytest.mark.parametrize("count", [10**20, 2**63, ctgov.MAX_ENROLLMENT + 1])
def test_an_impossible_enrolment_skips_that_study_only_with_a_warning_naming_it(caplog, count):
    good = make_study("NCT90000001", [drug("tocilizumab")], ["RA"])
    bad = make_study("NCT90000002", [drug("sarilumab")], ["RA"], enrollment={"count": count, "type": "ACTUAL"})
    also_good = make_study("NCT90000003", [drug("siltuximab")], ["RA"], enrollment={"count": ctgov.MAX_ENROLLMENT})
    with caplog.at_level(logging.WARNING, logger="il6analysis.sources.ctgov"):
        trials, _, _ = ctgov_tables.studies_to_tables([good, bad, also_good])
    assert sorted(trials["nct_id"]) == ["NCT90000001", "NCT90000003"]
    assert trials.set_index("nct_id").loc["NCT90000003", "enrollment"] == ctgov.MAX_ENROLLMENT
    assert [r.getMessage() for r in caplog.records] == [
        f"ClinicalTrials.gov record skipped, the others are kept: study NCT90000002: enrollment count {count} is more "
        "than any trial can enrol (at most 1e+10); the record is corrupt"]


# --- phases, status, dates ---------------------------------------------------------


def test_observational_real_capture_has_no_phase():
    study = load("get_nct06604689_20260811.json")
    assert study["protocolSection"]["designModule"]["studyType"] == "OBSERVATIONAL"
    record = ctgov.parse_study(study)
    assert record["phase"] is None
    assert record["notes"] == []


def test_observational_synthetic_study_has_no_phase():
    study = make_study("NCT90000002", [drug("tocilizumab")], ["COVID-19"], study_type="OBSERVATIONAL")
    assert "phases" not in study["protocolSection"]["designModule"]
    trials, _, _ = ctgov_tables.studies_to_tables([study])
    assert trials["phase"].isna().all() and len(trials) == 1


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["PHASE1", "PHASE2"], "PHASE1/PHASE2"),
        (["PHASE2", "PHASE3"], "PHASE2/PHASE3"),
        (["NA"], "NA"),
        (["EARLY_PHASE1"], "EARLY_PHASE1"),
        (["PHASE4"], "PHASE4"),
        ([], None),
    ],
)
def test_phase_list_mapping(phases, expected):
    record = ctgov.parse_study(make_study("NCT90000003", [], [], phases=phases))
    assert record["phase"] == expected
    assert not any("phases" in note for note in record["notes"])


def test_real_two_phase_list():
    assert ctgov.parse_study(studies_of("search_keytruda_limit3_20260811.json")[0])["phase"] == "PHASE1/PHASE2"


@pytest.mark.parametrize("phases", [["PHASE1", "PHASE3"], ["PHASE5"], "PHASE2"])
def test_phase_outside_vocabulary_is_missing_with_note(phases):
    record = ctgov.parse_study(make_study("NCT90000004", [], [], phases=phases))
    assert record["phase"] is None
    assert any("phase vocabulary" in note for note in record["notes"])


def test_status_outside_vocabulary_is_missing_with_note():
    record = ctgov.parse_study(make_study("NCT90000005", [], [], status="AVAILABLE"))
    assert record["status"] is None
    assert any("'AVAILABLE'" in note for note in record["notes"])


@pytest.mark.parametrize(
    ("date", "expected", "precision"),
    [
        ("2010-05-17", pd.Timestamp(2010, 5, 17), "day"),
        ("2010-05", pd.Timestamp(2010, 5, 1), "month"),
        ("2010", pd.Timestamp(2010, 1, 1), "year"),
        ("2010-13", None, None),
        ("May 2010", None, None),
    ],
)
def test_partial_start_dates(date, expected, precision):
    record = ctgov.parse_study(make_study("NCT90000006", [], [], start=date))
    assert record["start_date"] == expected
    assert record["start_date_precision"] == precision
    assert any("start date" in note for note in record["notes"]) is (expected is None)


def test_estimated_enrollment_is_noted():
    record = ctgov.parse_study(make_study("NCT90000007", [], [], enrollment={"count": 120, "type": "ESTIMATED"}))
    assert record["enrollment"] == 120
    assert record["notes"] == ["enrollment type ESTIMATED"]


# --- search terms and fetching -------------------------------------------------------


def test_search_terms_cover_names_but_skip_short_aliases():
    terms = ctgov.search_terms()
    for name in ("tocilizumab", "Actemra", "RO-4877533", "CNTO 328", "Tofidence", "tocilizumab-bavi", "Kevzara"):
        assert name in terms
    for short in ("MRA", "bavi", "aazg", "anoh"):
        assert short not in terms
    keys = [normalise(term) for term in terms]
    assert len(keys) == len(set(keys))


class FakeApi:
    """Serves saved pages by pageToken and records every request (no network)."""

    def __init__(self, pages: dict[str | None, object]):
        self.pages = pages
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, url: str, params: dict) -> object:
        self.calls.append((url, dict(params)))
        return self.pages[params.get("pageToken")]


def phelan_api(last_page: dict | None = None) -> FakeApi:
    """The real two-page capture; page 2's token leads to ``last_page`` if given."""
    first, second = load(PHELAN_1), load(PHELAN_2)
    pages: dict[str | None, object] = {None: first, first["nextPageToken"]: second}
    if last_page is not None:
        pages[second["nextPageToken"]] = last_page
    return FakeApi(pages)


def nct_ids(studies: list[dict]) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]


def test_fetch_follows_next_page_token_until_absent():
    api = phelan_api(last_page={"studies": []})  # SYNTHETIC final page: no nextPageToken
    result = ctgov.fetch_studies(api, ["Phelan"], page_size=5)
    first, second = load(PHELAN_1), load(PHELAN_2)
    assert [url for url, _ in api.calls] == [ctgov.API] * 3
    assert api.calls[0][1] == {"query.intr": "Phelan", "pageSize": 5}
    assert api.calls[1][1] == {"query.intr": "Phelan", "pageSize": 5, "pageToken": first["nextPageToken"]}
    assert api.calls[2][1]["pageToken"] == second["nextPageToken"]
    assert nct_ids(result.studies) == nct_ids(first["studies"]) + nct_ids(second["studies"])
    assert result.truncated_terms == []


def test_fetch_stops_at_max_pages_and_reports_truncation(caplog):
    api = phelan_api()
    with caplog.at_level(logging.WARNING, logger=ctgov.__name__):
        result = ctgov.fetch_studies(api, ["Phelan"], page_size=5, max_pages=2)
    assert len(api.calls) == 2
    assert len(result.studies) == 10
    assert result.truncated_terms == ["Phelan"]
    assert "'Phelan'" in caplog.text and "2 pages" in caplog.text


def test_fetch_rejects_max_pages_below_one():
    api = phelan_api()
    with pytest.raises(ValueError, match="max_pages"):
        ctgov.fetch_studies(api, ["Phelan"], max_pages=0)
    assert api.calls == []


def test_fetch_deduplicates_studies_across_terms():
    page = load(PHELAN_1)
    del page["nextPageToken"]  # in memory only: a one-page answer
    api = FakeApi({None: page})
    result = ctgov.fetch_studies(api, ["tocilizumab", "Actemra"])
    assert [params["query.intr"] for _, params in api.calls] == ["tocilizumab", "Actemra"]
    assert nct_ids(result.studies) == nct_ids(page["studies"])


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"totalCount": 3}, "'totalCount'"),
        ([], "JSON array"),
        ({"studies": {"NCT00973089": {}}}, "'studies'"),
        ({"studies": [], "nextPageToken": 5}, "nextPageToken"),
        ({"studies": [{"protocolSection": {}}]}, "study 0 has no"),
    ],
)
def test_fetch_raises_source_error_naming_the_request(payload, detail):
    with pytest.raises(SourceError) as raised:
        ctgov.fetch_studies(FakeApi({None: payload}), ["CNTO 328"], page_size=7)
    message = str(raised.value)
    assert "https://clinicaltrials.gov/api/v2/studies?query.intr=CNTO+328&pageSize=7" in message
    assert detail in message


# --- agent matching --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interventions", "expected"),
    [
        ([drug("RO4877533")], ["tocilizumab"]),
        ([drug("MRA", "Tocilizumab")], ["tocilizumab"]),
        ([drug("MRA")], ["tocilizumab"]),
        ([drug("bavi")], ["tocilizumab-bavi"]),
        ([drug("Study drug", "RoActemra")], ["tocilizumab"]),
        ([drug("Tocilizumab 8 mg/kg")], ["tocilizumab"]),
        ([drug("CNTO-328 plus bortezomib")], ["siltuximab"]),
        ([drug("Tofidence (tocilizumab-bavi)")], ["tocilizumab-bavi"]),
        ([drug("Kevzara"), drug("Tocilizumab")], ["sarilumab", "tocilizumab"]),
        ([drug("Tocilizumab or placebo")], ["tocilizumab"]),
        ([drug("Placebo to tocilizumab")], []),
        ([drug("MRA imaging of the brain")], []),
        ([drug("Dupilumab", "REGN668", "SAR231893", "Dupixent")], []),
        ([drug("Tocilizumabs")], []),
    ],
)
def test_match_agents(interventions, expected):
    assert ctgov_tables.match_agents(interventions) == expected


# --- tables ---------------------------------------------------------------------------------


def test_trials_table_has_curated_columns_and_dtypes():
    study = make_study(
        "NCT90000010", [drug("RO4877533"), drug("Kevzara")], ["Rheumatoid Arthritis", "RA", "Giant Cell Arteritis"],
        phases=["PHASE2", "PHASE3"], start="2019-07-02",
    )
    trials, _, _ = ctgov_tables.studies_to_tables([study])
    curated = load_trials()
    assert list(trials.columns) == list(curated.columns)
    assert trials.dtypes.to_dict() == curated.dtypes.to_dict()
    assert trials["phase"].cat.categories.tolist() == list(vocab.TRIAL_PHASES)
    schemas.Trials.validate(trials)
    assert sorted(zip(trials["agent_id"], trials["indication_id"])) == [
        ("sarilumab", "giant-cell-arteritis"), ("sarilumab", "rheumatoid-arthritis"),
        ("tocilizumab", "giant-cell-arteritis"), ("tocilizumab", "rheumatoid-arthritis"),
    ]
    row = trials.iloc[0]
    assert (row["phase"], row["source"], row["enrollment"]) == ("PHASE2/PHASE3", "NCT90000010", 40)
    assert row["notes"] == "enrollment type ESTIMATED"
    assert row["registry_checked"] == "2026-11-30", "the registry's data version of the study"


def test_unmapped_conditions_of_a_real_record():
    study = copy.deepcopy(load("get_nct02576665_20260811.json"))
    # in memory only: give the real record an IL-6 agent so it is kept
    study["protocolSection"]["armsInterventionsModule"]["interventions"] = [drug("Siltuximab")]
    trials, _, unmapped = ctgov_tables.studies_to_tables([study])
    assert set(trials["indication_id"]) == {
        "colorectal-cancer", "triple-negative-breast-cancer", "pancreatic-cancer", "non-small-cell-lung-cancer",
        "head-and-neck-cancer", "ovarian-cancer", "melanoma",
    }
    assert set(unmapped["condition"]) == {
        "Lymphoma", "Sarcoma", "Bladder Cancer", "IDH1 Mutated Solid Tumors",
        "IDH1 Mutated or MGMT Methylated Recurrent HGG (Not Recruiting)",
    }
    assert set(unmapped["nct_id"]) == {"NCT02576665"}
    assert not set(unmapped["condition"]) & set(trials["indication_id"])


def test_repeated_study_and_intervention_give_rows_once():
    study = make_study(
        "NCT90000015", [drug("sarilumab"), drug("Bortezomib"), drug("bortezomib", kind="BIOLOGICAL"), drug("Bortezomib")],
        ["RA", "Rheumatoid arthritis", "Lymphoma"],
    )
    trials, partners, unmapped = ctgov_tables.studies_to_tables([study, study])
    schemas.Trials.validate(trials)
    schemas.TrialPartners.validate(partners)
    assert trials[["agent_id", "indication_id"]].values.tolist() == [["sarilumab", "rheumatoid-arthritis"]]
    assert partners["partner"].tolist() == ["Bortezomib", "bortezomib"]
    assert unmapped["condition"].tolist() == ["Lymphoma"]


def test_study_without_conditions_is_listed_as_unmapped():
    trials, _, unmapped = ctgov_tables.studies_to_tables([make_study("NCT90000011", [drug("sarilumab")], [])])
    assert trials.empty
    assert unmapped["nct_id"].tolist() == ["NCT90000011"] and unmapped["condition"].isna().all()


def test_studies_matching_no_agent_are_dropped():
    studies = [load("NCT02210780.json"), load("NCT00973089.json"), *studies_of(PHELAN_1)]
    trials, partners, unmapped = ctgov_tables.studies_to_tables(studies)
    assert trials.empty and partners.empty and unmapped.empty
    assert trials.dtypes.to_dict() == load_trials().dtypes.to_dict()


def test_partners_classified_from_curated_table():
    study = make_study(
        "NCT90000012",
        [
            drug("CNTO 328"),
            drug("Bortezomib", "Velcade"),
            drug("DEXAMETHASONE"),
            drug("Novel agent X", kind="BIOLOGICAL"),
            drug("Placebo"),
            drug("Matching placebo for siltuximab"),
            drug("Stereotactic body radiotherapy", kind="RADIATION"),
            {"name": "Melphalan"},  # no type, as in fields=-restricted responses
        ],
        ["Multiple Myeloma"],
    )
    _, partners, _ = ctgov_tables.studies_to_tables([study])
    schemas.TrialPartners.validate(partners)
    assert dict(zip(partners["partner"], partners["partner_class"])) == {
        "Bortezomib": "proteasome_inhibitor",
        "DEXAMETHASONE": "corticosteroid",
        "Novel agent X": "other",
    }
    notes = dict(zip(partners["partner"], partners["notes"]))
    assert pd.isna(notes["Bortezomib"]) and "not classified" in notes["Novel agent X"]
    assert set(partners["source"]) == {"NCT90000012"}


def test_partners_only_for_studies_with_trials_rows():
    study = make_study("NCT90000013", [drug("tocilizumab"), drug("bortezomib")], ["Phelan-McDermid Syndrome"])
    trials, partners, unmapped = ctgov_tables.studies_to_tables([study])
    assert trials.empty and partners.empty
    assert unmapped["condition"].tolist() == ["Phelan-McDermid Syndrome"]
