"""Label versions kept by refreshes, and two versions of one real label compared section by section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.errors import SourceError, UnknownNameError, UsageError
from il6analysis.sources import history
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.label_history import (
    diff_label,
    label_versions,
    labels_history_changes,
    section_changes,
    snapshot_rows,
    split_sentences,
    version_sections,
)
from il6analysis.sources.openfda import label_url
from il6analysis.sources.refresh import refresh_labels

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openfda"
SILICEA = "0000025c-6dbf-4af7-a741-5cbacaed519a"
V1, V2 = "label_limit1_2018-04-04_silicea.json", "label_silicea_v2_edited.json"
"""A recorded label (version 1) and an edited copy standing for its version 2 (see PROVENANCE.md)."""


def at(day: int) -> datetime:
    return datetime(2026, 12, day, 2, 30, tzinfo=UTC)


class Recorded:
    """openFDA answering every label search with one recorded (or edited) answer."""

    def __init__(self, name: str) -> None:
        self.payload = json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    def get_json(self, url: str, params: dict | None = None) -> dict:
        return self.payload


def refresh(folder: Path, name: str, day: int):
    return refresh_labels(folder, client=Recorded(name), cache=ResponseCache(folder.parent / "cache"), now=at(day))


@pytest.fixture
def two_versions(tmp_path) -> Path:
    """A refreshed folder whose history holds versions 1 and 2 of the recorded label."""
    folder = tmp_path / "refreshed"
    refresh(folder, V1, 1)
    refresh(folder, V2, 2)
    return folder


# --- sentences ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "sentences"), [
    ("One. Two! Three? four", ["One.", "Two!", "Three? four"]),
    ("ILD occurred in 1.3% of patients. 5.2 Hepatotoxicity Obtain tests.",
     ["ILD occurred in 1.3% of patients.", "5.2 Hepatotoxicity Obtain tests."]),
    ("Infections (e.g. Pneumonia) occurred. In U.S. trials, vs. Placebo, none. Dr. Smith et al. Agreed.",
     ["Infections (e.g. Pneumonia) occurred.", "In U.S. trials, vs. Placebo, none.", "Dr. Smith et al. Agreed."]),
    ('He said "Stop." Then left. (See 5.1.) Next', ['He said "Stop."', "Then left.", "(See 5.1.)", "Next"]),
    ("first paragraph without a period\nsecond   paragraph\n\n  third ", [
        "first paragraph without a period", "second paragraph", "third"]),
    ("", []),
    (None, []),
])
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_section_changes_give_the_removed_and_added_sentences_in_order():
    old = {"warnings": "A. B. C. D.", "adverse_reactions": "Rash.", "indications_and_usage": "Same."}
    new = {"warnings": "A. B2. C. D. E.", "boxed_warning": "New box.", "indications_and_usage": "Same."}
    assert section_changes(old, new) == [
        ("boxed_warning", [], ["New box."]),
        ("warnings", ["B."], ["B2."]),
        ("warnings", [], ["E."]),
        ("adverse_reactions", ["Rash."], []),
    ]
    assert section_changes(old, old) == []


# --- versions from refreshes ------------------------------------------------------------------


def test_two_recorded_versions_of_one_label_diffed_by_section(two_versions):
    changes = diff_label(two_versions, SILICEA)
    assert list(changes.columns) == CHANGE_COLUMNS
    assert set(changes["domain"]) == {"labels"} and set(changes["key"]) == {SILICEA}
    assert set(changes["kind"]) == {"changed"}
    assert set(changes["old_source"]) == {label_url(SILICEA, "1")}
    assert set(changes["new_source"]) == {label_url(SILICEA, "2")}
    rows = changes[["field", "old", "new"]].astype("object").where(changes[["field", "old", "new"]].notna(), None)
    assert rows.values.tolist() == [  # worked by hand from the edits listed in PROVENANCE.md
        ["dosage_and_administration", "Children 2 years and older- take 1/2 the adult dose.", None],
        ["warnings",
         "WARNINGS This product is to be used for self-limiting conditions If symptoms do not improve in 4 days, "
         "or worsen, discontinue use and seek assistance of health professional.",
         "WARNINGS This product is to be used for self-limiting conditions If symptoms do not improve in 7 days, "
         "or worsen, discontinue use and seek assistance of health professional."],
        ["warnings", None, "Stop use and ask a doctor if a rash appears."],
    ]
    assert diff_label(two_versions, SILICEA, old="2", new="1")["old"].tolist()[-1] == (
        "Stop use and ask a doctor if a rash appears."), "either direction"
    assert diff_label(two_versions, SILICEA, old="2", new="2").empty


def test_the_history_keeps_each_version_once_and_when_it_was_seen(two_versions):
    outcome = refresh(two_versions, V2, 3)
    assert outcome.counts["new label versions"] == 0
    assert len(history.stamps(two_versions, "labels")) == 3
    versions = label_versions(two_versions)
    assert versions[["set_id", "version", "brand", "sections", "first_seen", "last_seen"]].values.tolist() == [
        [SILICEA, "1", "SILICEA", "indications_and_usage, dosage_and_administration, warnings",
         "20261201T023000Z", "20261201T023000Z"],
        [SILICEA, "2", "SILICEA", "indications_and_usage, dosage_and_administration, warnings",
         "20261202T023000Z", "20261203T023000Z"],
    ]
    assert versions["effective_time"].tolist() == [pd.Timestamp("2015-11-02"), pd.Timestamp("2018-03-01")]
    third = history.load_snapshot(two_versions, "labels")
    assert len(third) == 1 and third["section"].isna().all(), "a version seen again is not stored again"
    assert version_sections(two_versions, SILICEA, "2")["dosage_and_administration"] == (
        "DOSAGE Adults- Take 4 or 6 Pellets by mouth, three times daily or as suggested by physician.")


def test_a_refresh_notes_a_new_version_of_a_label_it_holds(tmp_path):
    folder = tmp_path / "refreshed"
    assert not any("new version" in note for note in refresh(folder, V1, 1).notes)
    notes = refresh(folder, V2, 2).notes
    assert f"label {SILICEA} (SILICEA) has a new version 2: `il6 changes --label {SILICEA}`" in notes


def test_a_refresh_that_fails_half_way_leaves_the_label_history_as_it_was(two_versions):
    before = {p: p.read_bytes() for p in history.domain_dir(two_versions, "labels").iterdir()}

    class FailsOnTheSecondAgent(Recorded):
        calls = 0

        def get_json(self, url, params=None):
            self.calls += 1
            if self.calls == 2:
                raise SourceError("could not reach api.fda.gov")
            return self.payload

    with pytest.raises(SourceError):
        refresh_labels(two_versions, client=FailsOnTheSecondAgent(V1),
                       cache=ResponseCache(two_versions.parent / "empty-cache"), now=at(9))
    assert {p: p.read_bytes() for p in history.domain_dir(two_versions, "labels").iterdir()} == before


def test_bad_label_or_version_is_one_line_naming_what_is_held(two_versions, tmp_path):
    with pytest.raises(UnknownNameError, match="unknown label set_id '0000025c-6dbf'; did you mean: '0000025c"):
        diff_label(two_versions, "0000025c-6dbf")
    with pytest.raises(UsageError, match="no version '7' in the history; held: 1, 2"):
        diff_label(two_versions, SILICEA, old="7")
    with pytest.raises(UsageError, match="no version held before '1'"):
        diff_label(two_versions, SILICEA, new="1")
    with pytest.raises(UnknownNameError, match="run `il6 refresh labels` first"):
        label_versions(tmp_path / "nothing", SILICEA)
    assert label_versions(tmp_path / "nothing").empty


def test_labels_without_any_kept_section_give_an_empty_snapshot(tmp_path):
    folder = tmp_path / "refreshed"
    outcome = refresh(folder, "label_keytruda_20260811.json", 1)  # minimised upstream: no section at all
    assert outcome.counts["new label versions"] == 0
    assert history.load_snapshot(folder, "labels").empty and label_versions(folder).empty


def test_the_labels_two_refreshes_saw_are_compared(two_versions):
    changes = labels_history_changes(two_versions)  # the second refresh against the first
    pd.testing.assert_frame_equal(changes, diff_label(two_versions, SILICEA, "1", "2"))
    refresh(two_versions, "label_keytruda_20260811.json", 3)  # labels without any kept section: none seen
    gone = labels_history_changes(two_versions)
    assert gone[["key", "kind", "old_source"]].values.tolist() == [[SILICEA, "removed", label_url(SILICEA, "2")]]
    records = Recorded("raw_labels_2026-09-28_records3-4_trimmed.json")  # a bare list of two label records
    records.payload = {"results": records.payload}
    refresh_labels(two_versions, client=records, cache=ResponseCache(two_versions.parent / "cache"), now=at(4))
    back = labels_history_changes(two_versions, old="20261202T023000Z")
    assert back[["key", "kind"]].values.tolist() == [
        [SILICEA, "removed"], ["00002127-02bc-4c66-b0c3-ca29d8224afc", "added"],
        ["00006ebc-ec2b-406c-96b7-a3cc422e933f", "added"]]
    assert labels_history_changes(two_versions, old="20261201T023000Z", new="20261202T023000Z").equals(changes)
    with pytest.raises(UsageError, match="no labels snapshot before 20261201T023000Z"):
        labels_history_changes(two_versions, new="20261201T023000Z")


def test_a_label_found_by_several_agents_searches_is_kept_once_for_the_agent_its_brand_names():
    def rows(agent_id: str) -> list[dict]:
        return [{"set_id": "s-1", "agent_id": agent_id, "brand": "TYENNE", "effective_time": pd.Timestamp("2025-01-01"),
                 "version": "4", "section": section, "text": "Text."} for section in ("boxed_warning", "warnings")]

    labels = pd.DataFrame(rows("tocilizumab") + rows("tocilizumab-aazg"))  # the reference's search finds it too
    nothing_held = pd.DataFrame({"set_id": pd.Series(dtype="str"), "version": pd.Series(dtype="str")})
    snapshot = snapshot_rows(labels, nothing_held)
    assert snapshot[["agent_id", "section"]].values.tolist() == [
        ["tocilizumab-aazg", "boxed_warning"], ["tocilizumab-aazg", "warnings"]]
    seen_again = snapshot_rows(labels, snapshot)
    assert seen_again[["set_id", "version", "agent_id"]].values.tolist() == [["s-1", "4", "tocilizumab-aazg"]]
    assert seen_again["section"].isna().all() and seen_again["text"].isna().all()
