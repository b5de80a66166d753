"""Refreshing from the registry and the labels: merged tables, change lists, offline fallback."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated.loaders import DATASETS
from il6analysis.errors import SourceError
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.refresh import refresh_labels, refresh_trials, write_table


def study(nct_id: str, status: str, condition: str, start: str, enrollment: int) -> dict:
    """A study in the ClinicalTrials.gov API v2 shape."""
    return {"protocolSection": {
        "identificationModule": {"nctId": nct_id, "briefTitle": f"Tocilizumab study {nct_id}"},
        "statusModule": {"overallStatus": status, "startDateStruct": {"date": start}},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                         "enrollmentInfo": {"count": enrollment, "type": "ACTUAL"}},
        "conditionsModule": {"conditions": [condition]},
        "armsInterventionsModule": {"interventions": [
            {"type": "DRUG", "name": "Tocilizumab"}, {"type": "DRUG", "name": "Gemcitabine"}]},
    }}


class Registry:
    """Answers like the registry: one page with the given studies for every term."""

    def __init__(self, studies: list[dict]) -> None:
        self.studies, self.requests = studies, []

    def get_json(self, url: str, params: dict | None = None) -> dict:
        self.requests.append(params)
        return {"studies": self.studies}


class NoNetwork:
    def get_json(self, url: str, params: dict | None = None) -> dict:
        raise SourceError(f"could not reach {url}; cached data stays in use")


@pytest.fixture
def registry() -> Registry:
    existing = il6.load_trials()
    pancreatic = existing[existing["indication_id"] == "pancreatic-cancer"].iloc[0]
    return Registry([
        study(pancreatic["nct_id"], "COMPLETED", "Pancreatic Cancer", "2016-05", 20),
        study("NCT09999999", "RECRUITING", "Multiple Myeloma", "2026-01-15", 40),
        study("NCT09999998", "RECRUITING", "Some rare syndrome", "2026-02", 10),
    ])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_write_table_round_trips_every_table(tmp_path, data_copy, name):
    original = il6.load_table(name)
    write_table(original, name, data_copy)
    pd.testing.assert_frame_equal(il6.load_table(name, data_copy), original)


def test_refresh_trials_merges_adds_and_lists_changes(tmp_path, registry):
    folder, cache = tmp_path / "refreshed", ResponseCache(tmp_path / "cache")
    outcome = refresh_trials(folder, client=registry, cache=cache)
    assert il6.validate(folder).ok
    trials = il6.load_trials(folder)
    new = trials[trials["nct_id"] == "NCT09999999"].iloc[0]
    assert (new["agent_id"], new["indication_id"], new["status"]) == ("tocilizumab", "multiple-myeloma", "RECRUITING")
    assert new["start_date"] == pd.Timestamp("2026-01-15") and new["start_date_precision"] == "day"
    retrieved = cache.retrieved("ctgov-studies").date().isoformat()
    assert new["registry_checked"] == retrieved, "an answer without a data version is dated by its retrieval"
    changes = pd.read_csv(folder / "trials.changes.csv", dtype=str)
    refreshed = changes["change"] != "curated only"
    assert (changes.loc[refreshed, "registry_checked"] == retrieved).all()
    assert changes.loc[~refreshed, "registry_checked"].isna().all()
    assert set(changes["change"]) >= {"added"}
    assert outcome.counts["added"] >= 1 and outcome.counts["unmapped conditions"] == 1
    assert "Some rare syndrome" in (folder / "trials.unmapped.csv").read_text()
    assert "NCT09999998" not in set(trials["nct_id"])
    curated_only = set(il6.load_trials()["nct_id"]) - {s["protocolSection"]["identificationModule"]["nctId"]
                                                          for s in registry.studies}
    assert curated_only <= set(trials["nct_id"]), "curated trials the registry did not return are kept"
    assert cache.load("ctgov-studies")["payload"] == registry.studies
    assert "NCT09999999" not in set(il6.load_trials()["nct_id"]), "the shipped tables are untouched"


def test_refresh_trials_offline_uses_the_cache_and_says_so(tmp_path, registry):
    cache = ResponseCache(tmp_path / "cache")
    refresh_trials(tmp_path / "first", client=registry, cache=cache)
    outcome = refresh_trials(tmp_path / "second", client=NoNetwork(), cache=cache)
    assert any("using cached studies retrieved" in note for note in outcome.notes)
    assert "NCT09999999" in set(il6.load_trials(tmp_path / "second")["nct_id"])


def test_refresh_trials_without_network_or_cache_writes_nothing(tmp_path):
    with pytest.raises(SourceError, match="no cached ClinicalTrials.gov answer"):
        refresh_trials(tmp_path / "refreshed", client=NoNetwork(), cache=ResponseCache(tmp_path / "cache"))
    assert not (tmp_path / "refreshed").exists()


class Labels:
    """openFDA label answers: a boxed warning on serious infections for every agent asked."""

    def get_json(self, url: str, params: dict | None = None) -> dict:
        return {"meta": {}, "results": [{
            "set_id": "00000000-0000-0000-0000-000000000001",
            "effective_time": "20250101",
            "openfda": {"brand_name": ["TEST"]},
            "boxed_warning": ["WARNING: RISK OF SERIOUS INFECTIONS ... including tuberculosis"],
            "warnings_and_cautions": ["5.2 Gastrointestinal Perforation ... 5.9 Thrombocytopenia"],
        }]}


def test_refresh_labels_compares_label_warnings_with_the_curated_ones(tmp_path):
    outcome = refresh_labels(tmp_path / "refreshed", client=Labels(), cache=ResponseCache(tmp_path / "cache"))
    comparison = pd.read_csv(tmp_path / "refreshed" / "warnings.changes.csv")
    tocilizumab = comparison[comparison["agent_id"] == "tocilizumab"].set_index("warning_id")["status"]
    assert tocilizumab["serious_infections"] == "confirmed"
    assert tocilizumab["lipid_elevations"] == "curated only"
    siltuximab = comparison[comparison["agent_id"] == "siltuximab"].set_index("warning_id")["status"]
    assert siltuximab["serious_infections"] == "boxed differs"
    assert siltuximab["thrombocytopenia"] == "label only"
    assert sum(outcome.counts.values()) == len(comparison)
