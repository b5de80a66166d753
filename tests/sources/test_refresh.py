"""Refreshing from the registry and the labels: merged tables, change lists, history, offline fallback."""

from __future__ import annotations

import errno
from datetime import UTC, datetime

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.curated.loaders import DATASETS
from il6analysis.errors import SourceError, UsageError
from il6analysis.paths import history_dir
from il6analysis.sources import history
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.refresh import refresh_labels, refresh_trials, trials_history_changes, write_table

FIRST, SECOND = datetime(2026, 11, 1, 2, 30, tzinfo=UTC), datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


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
    assert list(changes.columns) == CHANGE_COLUMNS
    pancreatic = registry.studies[0]["protocolSection"]["identificationModule"]["nctId"]
    curated = il6.load_trials().query("nct_id == @pancreatic")
    assert set(curated["agent_id"]) == {"siltuximab"} and len(curated) > 1
    assert set(zip(changes["kind"], changes["key"])) == {
        ("added", "NCT09999999 | tocilizumab | multiple-myeloma"),
        ("added", f"{pancreatic} | tocilizumab | pancreatic-cancer"),
    } | {("removed", f"{pancreatic} | siltuximab | {indication}") for indication in curated["indication_id"]}, (
        "the registry's study (one condition, tocilizumab) replaces every curated row of its NCT ID")
    assert outcome.counts["added"] == 2 and outcome.counts["unmapped conditions"] == 1
    assert "Some rare syndrome" in (folder / "trials.unmapped.csv").read_text()
    assert "NCT09999998" not in set(trials["nct_id"])
    curated_only = set(il6.load_trials()["nct_id"]) - {s["protocolSection"]["identificationModule"]["nctId"]
                                                          for s in registry.studies}
    assert curated_only <= set(trials["nct_id"]), "curated trials the registry did not return are kept"
    assert cache.load("ctgov-studies")["payload"] == registry.studies
    assert "NCT09999999" not in set(il6.load_trials()["nct_id"]), "the shipped tables are untouched"


def test_trials_changes_are_field_level_with_dates_at_their_precision(tmp_path):
    curated = il6.load_trials().set_index(["nct_id", "agent_id"]).loc[("NCT02767557", "tocilizumab")]
    assert (curated["status"], curated["start_date"], curated["enrollment"]) == (
        "COMPLETED", pd.Timestamp("2017-01-26"), 147), "the hand-worked case below starts from these values"
    registry = Registry([study("NCT02767557", "TERMINATED", "Pancreatic Cancer", "2017-01", 141)])
    folder = tmp_path / "refreshed"
    refresh_trials(folder, client=registry, cache=ResponseCache(tmp_path / "cache"))
    changes = pd.read_csv(folder / "trials.changes.csv", dtype=str, keep_default_na=False)
    assert changes[["key", "field", "old", "new", "kind", "old_precision", "new_precision"]].values.tolist() == [
        ["NCT02767557 | tocilizumab | pancreatic-cancer", "status", "COMPLETED", "TERMINATED", "changed", "", ""],
        ["NCT02767557 | tocilizumab | pancreatic-cancer", "start_date", "2017-01-26", "2017-01", "changed", "day",
         "month"],
        ["NCT02767557 | tocilizumab | pancreatic-cancer", "enrollment", "147", "141", "changed", "", ""],
    ]
    assert set(changes["old_source"]) == set(changes["new_source"]) == {"NCT02767557"}


def test_each_trials_refresh_appends_a_snapshot_and_any_two_can_be_compared(tmp_path):
    folder, cache = tmp_path / "refreshed", ResponseCache(tmp_path / "cache")
    refresh_trials(folder, client=Registry([study("NCT09999999", "RECRUITING", "Multiple Myeloma", "2026-01", 40)]),
                   cache=cache, now=FIRST)
    with pytest.raises(UsageError, match="no trials snapshot before 20261101T023000Z"):
        trials_history_changes(folder)
    outcome = refresh_trials(
        folder, client=Registry([study("NCT09999999", "COMPLETED", "Multiple Myeloma", "2026-01-15", 40)]),
        cache=cache, now=SECOND)
    assert history.stamps(folder, "trials") == ["20261101T023000Z", "20261201T023000Z"]
    assert history_dir(folder) / "trials" / "20261201T023000Z.parquet" in outcome.files
    assert "changes since the previous refresh (20261101T023000Z): 1 changed, 1 refined" in outcome.notes
    since = trials_history_changes(folder)
    assert since[["key", "field", "old", "new", "kind"]].values.tolist() == [
        ["NCT09999999 | tocilizumab | multiple-myeloma", "status", "RECRUITING", "COMPLETED", "changed"],
        ["NCT09999999 | tocilizumab | multiple-myeloma", "start_date", "2026-01", "2026-01-15", "refined"],
    ]
    assert since.loc[1, ["old_precision", "new_precision"]].tolist() == ["month", "day"]
    assert trials_history_changes(folder, old="20261201T023000Z", new="20261201T023000Z").empty
    with pytest.raises(UsageError, match="no trials snapshot '2020'.*held: 20261101T023000Z, 20261201T023000Z"):
        trials_history_changes(folder, old="2020")


def snapshot_files(folder) -> dict[str, bytes]:
    """Every file under the history folder of ``folder`` (temporary files too), with its bytes."""
    root = history_dir(folder)
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_refresh_that_fails_while_writing_its_snapshot_leaves_the_history_as_it_was(tmp_path, monkeypatch):
    folder, cache = tmp_path / "refreshed", ResponseCache(tmp_path / "cache")
    registry = Registry([study("NCT09999999", "RECRUITING", "Multiple Myeloma", "2026-01", 40)])
    refresh_trials(folder, client=registry, cache=cache, now=FIRST)
    before = snapshot_files(folder)
    real_write = history.atomic_write_bytes

    def disk_full_half_way(path, data, mode=0o644):
        real_write(path.with_name(path.name + ".part"), data[: len(data) // 2])  # what a full disk leaves ...
        path.with_name(path.name + ".part").unlink()  # ... is cleaned up as atomic_write_bytes does
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(history, "atomic_write_bytes", disk_full_half_way)
    with pytest.raises(OSError, match="No space left"):
        refresh_trials(folder, client=registry, cache=cache, now=SECOND)
    assert snapshot_files(folder) == before
    monkeypatch.undo()
    refresh_trials(folder, client=registry, cache=cache, now=SECOND)
    assert history.stamps(folder, "trials") == ["20261101T023000Z", "20261201T023000Z"]


def test_a_snapshot_that_cannot_be_serialised_leaves_no_file(tmp_path):
    folder = tmp_path / "refreshed"
    history.append_snapshot(folder, "trials", pd.DataFrame({"a": [1]}), now=FIRST)
    before = snapshot_files(folder)
    with pytest.raises(Exception):
        history.append_snapshot(folder, "trials", pd.DataFrame({"a": [object()]}), now=SECOND)
    assert snapshot_files(folder) == before


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
            "version": "1",
            "openfda": {"brand_name": ["TEST"]},
            "boxed_warning": ["WARNING: RISK OF SERIOUS INFECTIONS ... including tuberculosis"],
            "warnings_and_cautions": ["5.2 Gastrointestinal Perforation ... 5.9 Thrombocytopenia"],
        }]}


def test_refresh_labels_compares_label_warnings_with_the_curated_ones(tmp_path):
    outcome = refresh_labels(tmp_path / "refreshed", client=Labels(), cache=ResponseCache(tmp_path / "cache"))
    changes = pd.read_csv(tmp_path / "refreshed" / "warnings.changes.csv", dtype=str)
    assert list(changes.columns) == CHANGE_COLUMNS and set(changes["domain"]) == {"warnings"}
    changes = changes.set_index("key")
    assert "tocilizumab | serious_infections" not in changes.index, "boxed in label and curated: no change"
    assert changes.loc["tocilizumab | lipid_elevations", "kind"] == "removed"
    boxed = changes.loc["siltuximab | serious_infections"]
    assert (boxed["kind"], boxed["field"], boxed["old"], boxed["new"]) == ("changed", "boxed", "False", "True")
    assert boxed["new_source"] == ("https://api.fda.gov/drug/label.json?search=set_id%3A%22"
                                   "00000000-0000-0000-0000-000000000001%22%20AND%20version%3A%221%22")
    assert changes.loc["siltuximab | thrombocytopenia", "kind"] == "added"
    assert sum(n for kind, n in outcome.counts.items() if kind != "new label versions") == len(changes)
    assert outcome.counts["new label versions"] == 1
