"""Drugs@FDA: BLA submissions read from recorded and constructed answers, proposed as approval changes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.errors import SourceError
from il6analysis.sources import drugsfda
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.refresh import refresh_drugsfda

FIXTURES = Path(__file__).parent.parent / "fixtures" / "drugsfda"
KEVZARA, ACTEMRA, TOFIDENCE = (drugsfda.record_url(n) for n in ("BLA761037", "BLA125276", "BLA761354"))


def answer(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_record_url_is_the_openfda_record_of_the_application():
    assert KEVZARA == "https://api.fda.gov/drug/drugsfda.json?search=application_number%3A%22BLA761037%22"


def test_query_searches_the_agents_names_in_the_openfda_and_product_names():
    search = drugsfda.drugsfda_query("sarilumab")["search"]
    assert 'openfda.generic_name:"sarilumab"' in search and 'products.brand_name:"Kevzara"' in search


def test_the_recorded_nda_answer_gives_no_bla_submission():
    submissions = drugsfda.parse_applications(answer("drugsfda_imatinib_20260811.json"), "imatinib")
    assert submissions.empty and list(submissions.columns) == drugsfda.SUBMISSION_COLUMNS


def test_a_malformed_record_is_skipped_with_a_warning_naming_it_and_the_rest_kept(caplog):
    with caplog.at_level(logging.WARNING, logger=drugsfda.__name__):
        submissions = drugsfda.parse_applications(answer("drugsfda_il6_constructed.json"), "tocilizumab")
    assert [r.getMessage() for r in caplog.records] == [
        "Drugs@FDA record skipped, the others are kept: Drugs@FDA BLA761149 ORIG-1: "
        "status date '2020-08-14' is not YYYYMMDD"]
    assert submissions[["application_number", "agent_id", "brand", "submission", "status_date"]].values.tolist() == [
        ["BLA761037", "sarilumab", "KEVZARA", "ORIG-1", pd.Timestamp("2017-05-22")],
        ["BLA761037", "sarilumab", "KEVZARA", "SUPPL-2", pd.Timestamp("2018-04-05")],
        ["BLA125276", "tocilizumab", "ACTEMRA", "ORIG-1", pd.Timestamp("2010-01-08")],
        ["BLA125276", "tocilizumab", "ACTEMRA", "SUPPL-40", pd.Timestamp("2012-10-11")],
        ["BLA125276", "tocilizumab", "ACTEMRA", "SUPPL-150", pd.Timestamp("2024-01-15")],
        ["BLA761354", "tocilizumab-bavi", "TOFIDENCE", "ORIG-1", pd.Timestamp("2023-09-30")],
    ], "each application goes to the agent its names name, whichever agent's search found it"
    assert submissions.set_index("application_number")["source"].to_dict()["BLA761354"] == TOFIDENCE


@pytest.mark.parametrize("record", [
    "not an object",
    {"submissions": []},
    {"application_number": "BLA1", "submissions": {"submission_type": "ORIG"}},
    {"application_number": "BLA1", "submissions": [{"submission_type": "ORIG"}]},
    {"application_number": "BLA1", "products": {"brand_name": "X"}, "submissions": []},
])
def test_every_kind_of_malformed_record_is_skipped(record, caplog):
    good = answer("drugsfda_il6_constructed.json")["results"][0]
    with caplog.at_level(logging.WARNING, logger=drugsfda.__name__):
        submissions = drugsfda.parse_applications({"results": [record, good]}, "sarilumab")
    assert set(submissions["application_number"]) == {"BLA761037"}
    assert len(caplog.records) == 1 and "skipped" in caplog.records[0].getMessage()


def test_an_answer_without_results_is_an_error():
    with pytest.raises(SourceError, match="expected an openFDA Drugs@FDA answer"):
        drugsfda.parse_applications([{"application_number": "BLA1"}], "x")


def test_approvals_are_original_applications_and_efficacy_supplements():
    submissions = drugsfda.parse_applications(answer("drugsfda_il6_constructed.json"), "tocilizumab")
    approved = drugsfda.approvals_among(submissions)
    assert approved[["agent_id", "submission"]].values.tolist() == [
        ["sarilumab", "ORIG-1"], ["tocilizumab", "ORIG-1"], ["tocilizumab", "SUPPL-40"], ["tocilizumab", "SUPPL-150"],
        ["tocilizumab-bavi", "ORIG-1"]], "the labeling supplement SUPPL-2 is not an approval of an indication"


def curated_rows(*rows) -> pd.DataFrame:
    """A hand-made curated approvals table (only the columns the comparison reads)."""
    columns = ["agent_id", "agency", "indication_id", "route", "status", "population", "approval_date",
               "approval_date_precision", "application_number", "source", "source_kind"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"approval_date": "datetime64[ns]"})


CURATED = curated_rows(
    ("sarilumab", "FDA", "rheumatoid-arthritis", "SC", "approved", "adult", "2017-05-22", "day", "BLA761037",
     KEVZARA, "regulator"),
    ("tocilizumab", "FDA", "rheumatoid-arthritis", "IV", "complete_response", "adult", "2008-09-18", "day",
     "BLA125276", "https://press.example/crl", "secondary"),
    ("tocilizumab", "FDA", "rheumatoid-arthritis", "IV", "approved", "adult", "2010-01-08", "day", "BLA125276",
     "https://press.example/a", "secondary"),
    ("tocilizumab", "FDA", "polyarticular-jia", "IV", "approved", "children", "2012-10-01", "month", "BLA125276",
     "https://press.example/b", "secondary"),
    ("tocilizumab", "EC", "giant-cell-arteritis", "SC", "approved", "adult", "2024-01-01", "year", None,
     "https://ec.europa.eu/x", "regulator"),
    ("tocilizumab-bavi", "FDA", "rheumatoid-arthritis", "IV", "approved", "adult", "2023-09-29", "day", "BLA761354",
     "https://press.example/c", "secondary"),
)
"""Worked by hand against the constructed answer: Kevzara confirmed with a regulator source (no change);
Actemra's original approval confirmed but cited from the press (its source is proposed); the 2012-10
month refined by SUPPL-40; SUPPL-150 on a day nothing curated covers at the FDA (the EC's 2024 row is
another agency); Tofidence's original approval a day later than curated."""


def test_proposals_worked_by_hand():
    approved = drugsfda.approvals_among(
        drugsfda.parse_applications(answer("drugsfda_il6_constructed.json"), "tocilizumab"))
    changes = drugsfda.approval_proposals(approved, CURATED)
    assert list(changes.columns) == CHANGE_COLUMNS and set(changes["domain"]) == {"approvals"}
    shown = changes.astype("object").where(changes.notna(), None)
    assert shown[["key", "field", "old", "new", "kind", "old_precision", "new_precision"]].values.tolist() == [
        ["tocilizumab | FDA | - | - | approved | - | 2024-01-15", None, None, None, "added", None, None],
        ["tocilizumab | FDA | polyarticular-jia | IV | approved | children | 2012-10", "approval_date", "2012-10",
         "2012-10-11", "refined", "month", "day"],
        ["tocilizumab | FDA | polyarticular-jia | IV | approved | children | 2012-10", "source",
         "https://press.example/b", ACTEMRA, "changed", None, None],
        ["tocilizumab | FDA | polyarticular-jia | IV | approved | children | 2012-10", "source_kind", "secondary",
         "regulator", "changed", None, None],
        ["tocilizumab | FDA | rheumatoid-arthritis | IV | approved | adult | 2010-01-08", "source",
         "https://press.example/a", ACTEMRA, "changed", None, None],
        ["tocilizumab | FDA | rheumatoid-arthritis | IV | approved | adult | 2010-01-08", "source_kind", "secondary",
         "regulator", "changed", None, None],
        ["tocilizumab-bavi | FDA | rheumatoid-arthritis | IV | approved | adult | 2023-09-29", "approval_date",
         "2023-09-29", "2023-09-30", "changed", "day", "day"],
        ["tocilizumab-bavi | FDA | rheumatoid-arthritis | IV | approved | adult | 2023-09-29", "source",
         "https://press.example/c", TOFIDENCE, "changed", None, None],
        ["tocilizumab-bavi | FDA | rheumatoid-arthritis | IV | approved | adult | 2023-09-29", "source_kind",
         "secondary", "regulator", "changed", None, None],
    ]
    assert shown.loc[0, "new_source"] == ACTEMRA and shown.loc[1, "old_source"] == "https://press.example/b"


def test_two_approvals_in_one_curated_month_are_not_guessed_apart():
    approved = drugsfda.approvals_among(
        drugsfda.parse_applications(answer("drugsfda_il6_constructed.json"), "tocilizumab"))
    second = approved[approved["submission"] == "SUPPL-40"].assign(submission="SUPPL-41",
                                                                    status_date=pd.Timestamp("2012-10-25"))
    changes = drugsfda.approval_proposals(pd.concat([approved, second], ignore_index=True), CURATED)
    assert "refined" not in set(changes["kind"])
    added = changes.loc[changes["kind"] == "added", "key"].tolist()
    assert [key.rsplit(" | ", 1)[1] for key in added] == ["2012-10-11", "2012-10-25", "2024-01-15"]


class Recorded:
    """openFDA answering every Drugs@FDA search with the constructed answer."""

    def get_json(self, url: str, params: dict | None = None) -> dict:
        assert url == drugsfda.DRUGSFDA_API
        return answer("drugsfda_il6_constructed.json")


def test_refresh_writes_the_proposals_for_review_and_changes_no_table(tmp_path):
    folder = tmp_path / "refreshed"
    outcome = refresh_drugsfda(folder, client=Recorded(), cache=ResponseCache(tmp_path / "cache"))
    assert outcome.files == [folder / "approvals.proposals.csv"]
    assert [path.name for path in folder.iterdir()] == ["approvals.proposals.csv"]
    proposals = pd.read_csv(folder / "approvals.proposals.csv", dtype=str)
    assert list(proposals.columns) == CHANGE_COLUMNS and set(proposals["domain"]) == {"approvals"}
    assert outcome.counts["Drugs@FDA approvals"] == 5
    assert [note for note in outcome.notes if "skipped" in note] == [
        "Drugs@FDA record skipped, the others are kept: Drugs@FDA BLA761149 ORIG-1: status date '2020-08-14' is not "
        "YYYYMMDD"], "named once, though every agent's search returned it"
    assert sum(n for kind, n in outcome.counts.items() if kind != "Drugs@FDA approvals") == len(proposals)
    assert not proposals["key"].str.startswith("sarilumab | FDA | rheumatoid-arthritis").any(), (
        "the shipped table cites this Drugs@FDA record for Kevzara's first approval already")


def test_refresh_without_network_or_cache_writes_nothing(tmp_path):
    class NoNetwork:
        def get_json(self, url, params=None):
            raise SourceError(f"could not reach {url}")

    with pytest.raises(SourceError, match="could not reach"):
        refresh_drugsfda(tmp_path / "refreshed", client=NoNetwork(), cache=ResponseCache(tmp_path / "cache"))
    assert not (tmp_path / "refreshed").exists()


def test_refresh_offline_uses_the_cached_answers_and_says_so(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    first = refresh_drugsfda(tmp_path / "first", client=Recorded(), cache=cache)

    class NoNetwork:
        def get_json(self, url, params=None):
            raise SourceError(f"could not reach {url}")

    second = refresh_drugsfda(tmp_path / "second", client=NoNetwork(), cache=cache)
    assert any("using the cached copy" in note for note in second.notes)
    assert (tmp_path / "second" / "approvals.proposals.csv").read_bytes() == (
        tmp_path / "first" / "approvals.proposals.csv").read_bytes()
    assert first.counts == second.counts


def test_an_answer_with_more_applications_than_read_is_noted(tmp_path):
    class Truncated(Recorded):
        def get_json(self, url, params=None):
            payload = super().get_json(url, params)
            payload["meta"]["results"]["total"] = 250
            return payload

    outcome = refresh_drugsfda(tmp_path / "refreshed", client=Truncated(), cache=ResponseCache(tmp_path / "cache"))
    assert "Drugs@FDA search for sarilumab: 5 of 250 applications read (openFDA's page limit)" in outcome.notes
