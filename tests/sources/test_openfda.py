"""openFDA labels: queries, parsing of real answers, warnings, offline fallback.

Real answers are in tests/data/openfda (see its PROVENANCE.md); payloads marked
"made up" are synthetic, in the shape openFDA returns. No test reaches the network.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from il6analysis.curated import vocab
from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.errors import SourceError, UnknownNameError
from il6analysis.sources import openfda
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.http import HttpClient

DATA = Path(__file__).parent.parent / "fixtures" / "openfda"
NO_MATCHES = {"error": {"code": "NOT_FOUND", "message": "No matches found!"}}  # openFDA's 404 body


def real(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def mocked():
    with responses.RequestsMock() as rsps:
        yield rsps


@pytest.fixture
def client(monkeypatch) -> HttpClient:
    monkeypatch.delenv("OPENFDA_API_KEY", raising=False)
    return HttpClient(timeout=5, retries=0, backoff=0)


def made_up_label(set_id: str, **sections: list[str]) -> dict:
    """A made-up label record in the shape of openFDA's (not real text)."""
    return {
        "set_id": set_id,
        "id": f"{set_id}-v1",
        "effective_time": "20240131",
        "version": "1",
        "openfda": {"brand_name": ["TESTRA"], "generic_name": ["TESTIZUMAB"], "spl_set_id": [set_id]},
        **sections,
    }


# --- queries ------------------------------------------------------------------------------


def test_label_query_searches_inn_and_brands_in_both_name_fields():
    query = openfda.label_query("tocilizumab")
    assert query["limit"] == 100
    clauses = query["search"].split(" OR ")
    for field in ("openfda.generic_name", "openfda.brand_name"):
        for name in ("tocilizumab", "Actemra", "RoActemra"):
            assert f'{field}:"{name}"' in clauses
    assert len(clauses) == 6  # code names and synonyms are not searched
    url = requests.Request("GET", openfda.LABEL_API, params=query).prepare().url
    assert '+OR+openfda.brand_name%3A%22Actemra%22' in url and "%2B" not in url



def test_query_for_an_unknown_agent_suggests_names():
    with pytest.raises(UnknownNameError, match="tocilizumab"):
        openfda.label_query("tocilizumb")


# --- parse_labels -------------------------------------------------------------------------


def test_parse_keytruda_minimised_labels_have_no_sections():
    labels = openfda.parse_labels(real("label_keytruda_20260811.json"), "pembrolizumab")
    assert labels.empty
    assert list(labels.columns) == ["set_id", "agent_id", "brand", "effective_time", "version", "section", "text"]
    assert labels["effective_time"].dtype == "datetime64[ns]"


def test_parse_keytruda_two_labels_for_one_agent_keep_their_set_id_and_brand():
    payload = real("label_keytruda_20260811.json")
    for record in payload["results"]:
        record["boxed_warning"] = ["made-up boxed text"]  # the real answer was minimised
    labels = openfda.parse_labels(payload, "pembrolizumab")
    assert dict(zip(labels["set_id"], labels["brand"])) == {
        "097d166f-b73b-41d3-9b37-7653cd2a0c41": "KEYTRUDA QLEX",
        "9333c79b-d487-4538-a9f0-71b91a02b287": "KEYTRUDA",
    }
    assert (labels["agent_id"] == "pembrolizumab").all()
    assert labels["effective_time"].isna().all()


def test_parse_complete_2018_answer_with_an_older_warnings_section():
    labels = openfda.parse_labels(real("label_limit1_2018-04-04_silicea.json"), "silicea")
    assert labels["section"].tolist() == ["indications_and_usage", "dosage_and_administration", "warnings"]
    row = labels.set_index("section").loc["warnings"]
    assert row["set_id"] == "0000025c-6dbf-4af7-a741-5cbacaed519a"
    assert row["brand"] == "SILICEA"
    assert row["effective_time"] == pd.Timestamp("2015-11-02")
    assert row["version"] == "1"
    assert row["text"].startswith("WARNINGS This product is to be used for self-limiting conditions")


def test_parse_raw_label_records_including_an_unharmonised_one():
    records = real("raw_labels_2026-09-28_records3-4_trimmed.json")
    labels = openfda.parse_labels({"results": records}, "x")
    labels = labels[labels["section"] == "warnings"].set_index("set_id")
    assert labels.loc["00002127-02bc-4c66-b0c3-ca29d8224afc", "brand"] == "Betadine"
    assert labels.loc["00002127-02bc-4c66-b0c3-ca29d8224afc", "text"] == "Warnings For external use only"
    assert pd.isna(labels.loc["00006ebc-ec2b-406c-96b7-a3cc422e933f", "brand"])  # "openfda": {}
    assert labels.loc["00006ebc-ec2b-406c-96b7-a3cc422e933f", "effective_time"] == pd.Timestamp("2023-08-02")
    assert labels.loc["00006ebc-ec2b-406c-96b7-a3cc422e933f", "version"] == "3"


def test_a_bare_list_of_records_is_not_an_answer():
    records = real("raw_labels_2026-09-28_records3-4_trimmed.json")
    with pytest.raises(SourceError, match="got a list of 2 item"):
        openfda.parse_labels(records, "x")


@pytest.mark.parametrize(
    "payload, received",
    [
        (None, "a NoneType"),
        ({"error": {"code": "NOT_FOUND"}}, "an object with keys 'error'"),
        ({"results": {}}, "keys 'results'"),
    ],
)
def test_payload_without_a_results_list_says_what_was_received(payload, received):
    with pytest.raises(SourceError, match=received):
        openfda.parse_labels(payload, "x")


def test_parse_label_with_missing_fields():
    payload = {"results": [{"set_id": "s1", "warnings_and_cautions": ["first", "second"], "adverse_reactions": []}]}
    labels = openfda.parse_labels(payload, "x")
    assert len(labels) == 1
    row = labels.iloc[0]
    assert (row["section"], row["text"]) == ("warnings_and_cautions", "first\nsecond")
    assert pd.isna(row["brand"]) and pd.isna(row["effective_time"])


def test_brand_is_the_first_brand_name():
    record = made_up_label("s1", boxed_warning=["text"])
    record["openfda"]["brand_name"] = ["TESTRA", "TESTRA PEN"]
    assert openfda.parse_labels({"results": [record]}, "x")["brand"].tolist() == ["TESTRA"]


@pytest.mark.parametrize(
    "record, problem",
    [
        ({"effective_time": "20240101"}, "label result 0 has no set_id"),
        ({"set_id": "s1", "boxed_warning": "not a list"}, "label s1 field 'boxed_warning' is not a list of strings"),
        ({"set_id": "s1", "openfda": {"brand_name": [1]}}, "openfda.brand_name' is not a list of strings"),
        ({"set_id": "s1", "effective_time": "2024-01-01"}, "effective_time '2024-01-01' is not a YYYYMMDD date"),
        ({"set_id": "s1", "openfda": [{"brand_name": ["X"]}]}, "label s1 field 'openfda' is not an object"),
    ],
)
def test_a_malformed_label_is_skipped_with_a_warning_and_the_others_kept(caplog, record, problem):
    good = made_up_label("s2", boxed_warning=["Serious infections"])
    with caplog.at_level(logging.WARNING, logger="il6analysis.sources.openfda"):
        labels = openfda.parse_labels({"results": [{**record, "warnings": ["kept if the label were good"]}, good]}, "x")
    assert labels["set_id"].tolist() == ["s2"]
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith("openFDA label skipped, the others are kept: label ") and problem in message


# --- warnings -----------------------------------------------------------------------------


def test_warning_keywords_cover_every_topic_in_lower_case():
    assert set(openfda.WARNING_KEYWORDS) == set(vocab.WARNING_TOPICS)
    for warning_id, phrases in openfda.WARNING_KEYWORDS.items():
        assert phrases and all(p == p.lower() for p in phrases), warning_id
        for phrase in phrases:
            assert warning_id in openfda.warning_topics(f"Risk of {phrase.upper()}s."), phrase


def test_keywords_match_at_word_starts_only():
    assert openfda.warning_topics("Monitor for phospholipid-related ... nonserious infections") == []


def test_label_warnings_on_a_made_up_label():
    payload = {
        "meta": {"results": {"skip": 0, "limit": 100, "total": 2}},
        "results": [
            made_up_label(
                "aaaa-1111",
                boxed_warning=[
                    "WARNING: RISK OF SERIOUS INFECTIONS",
                    "Patients are at increased risk for developing serious infections. Test for latent\n"
                    "TUBERCULOSIS before starting.",
                ],
                warnings_and_cautions=[
                    "5.1 Serious Infections ...",
                    "5.2 Gastrointestinal Perforations: events have been reported.",
                    "5.6 Hypersensitivity Reactions, Including Anaphylaxis",
                ],
                adverse_reactions=["Neutropenia and infusion reactions were reported."],
            ),
            made_up_label("bbbb-2222", warnings=["Anaphylaxis has occurred."]),
        ],
    }
    found = openfda.label_warnings(openfda.parse_labels(payload, "testizumab"))
    got = {(r.set_id, r.warning_id): r.boxed for r in found.itertuples()}
    assert got == {
        ("aaaa-1111", "serious_infections"): True,
        ("aaaa-1111", "tuberculosis"): True,
        ("aaaa-1111", "gi_perforation"): False,
        ("aaaa-1111", "hypersensitivity_anaphylaxis"): False,
        ("bbbb-2222", "hypersensitivity_anaphylaxis"): False,
    }
    assert (found["agent_id"] == "testizumab").all()
    assert found["boxed"].dtype == "boolean"
    assert list(found["warning_id"].cat.categories) == list(vocab.WARNING_IDS)


def test_label_warnings_of_no_labels_is_empty():
    found = openfda.label_warnings(openfda.parse_labels({"results": []}, "x"))
    assert found.empty and list(found.columns) == ["agent_id", "set_id", "warning_id", "boxed"]


def test_warning_changes_are_rows_of_the_change_model():
    found = pd.DataFrame(
        [
            ("toci", "label-a", "serious_infections", True),
            ("toci", "label-b", "serious_infections", False),  # boxed in one label is enough
            ("toci", "label-b", "gi_perforation", True),
            ("toci", "label-a", "malignancies", False),
        ],
        columns=["agent_id", "set_id", "warning_id", "boxed"],
    )
    labels = pd.DataFrame({"set_id": ["label-a", "label-b"], "version": ["7", "2"]})
    curated = pd.DataFrame(
        [("toci", "serious_infections", True, "https://www.fda.gov/a"),
         ("toci", "gi_perforation", False, "https://www.fda.gov/b"),
         ("toci", "tuberculosis", True, "https://www.fda.gov/c")],
        columns=["agent_id", "warning_id", "boxed", "source"],
    ).astype({"warning_id": pd.CategoricalDtype(vocab.WARNING_IDS), "boxed": "boolean"})
    changes = openfda.warning_changes(found, labels, curated)
    assert list(changes.columns) == CHANGE_COLUMNS
    shown = changes.astype("object").where(changes.notna(), None)
    got = {(row.key, row.kind, row.field, row.old, row.new) for row in shown.itertuples()}
    assert got == {
        ("toci | gi_perforation", "changed", "boxed", "False", "True"),
        ("toci | malignancies", "added", None, None, None),
        ("toci | tuberculosis", "removed", None, None, None),
    }, "serious_infections agrees (boxed in label-a), so it is no change"
    by_key = changes.set_index("key")
    assert by_key.loc["toci | gi_perforation", "old_source"] == "https://www.fda.gov/b"
    assert by_key.loc["toci | gi_perforation", "new_source"] == openfda.label_url("label-b", "2")
    assert by_key.loc["toci | malignancies", "new_source"] == (
        "https://api.fda.gov/drug/label.json?search=set_id%3A%22label-a%22%20AND%20version%3A%227%22")
    assert pd.isna(by_key.loc["toci | tuberculosis", "new_source"])


def test_warning_changes_of_nothing_are_an_empty_change_frame():
    labels = openfda.parse_labels({"results": []}, "x")
    nothing = openfda.label_warnings(labels)
    curated = nothing.drop(columns="set_id").assign(source=pd.Series(dtype="str"))
    changes = openfda.warning_changes(nothing, labels, curated)
    assert changes.empty and list(changes.columns) == CHANGE_COLUMNS


# --- fetching -----------------------------------------------------------------------------


def test_fetch_labels_sends_the_query_and_caches_the_answer(mocked, client, tmp_path):
    answer = real("label_keytruda_20260811.json")
    query = openfda.label_query("tocilizumab")
    mocked.get(openfda.LABEL_API, json=answer, match=[matchers.query_param_matcher(query)])
    cache = ResponseCache(tmp_path)
    fetched = openfda.fetch_labels(client, "tocilizumab", cache)
    assert fetched.payload == answer
    assert not fetched.from_cache and fetched.note is None
    entry = cache.load("openfda-label-tocilizumab")
    assert entry["payload"] == answer
    assert entry["request"] == {"url": openfda.LABEL_API, "params": query}


def test_fetch_falls_back_to_the_cache_when_offline(mocked, client, tmp_path):
    cache = ResponseCache(tmp_path)
    answer = real("label_limit1_2018-04-04_silicea.json")
    cache.save("openfda-label-sarilumab", answer, {"url": openfda.LABEL_API})
    retrieved = cache.retrieved("openfda-label-sarilumab")
    mocked.get(openfda.LABEL_API, body=requests.ConnectionError("no route to host"))
    fetched = openfda.fetch_labels(client, "sarilumab", cache)
    assert fetched.payload == answer
    assert fetched.from_cache and fetched.retrieved == retrieved
    assert "could not reach api.fda.gov" in fetched.note
    assert "openfda-label-sarilumab.json" in fetched.note and retrieved.isoformat() in fetched.note


def test_fetch_without_a_cached_copy_raises(mocked, client, tmp_path):
    mocked.get(openfda.LABEL_API, body=requests.ConnectionError("no route to host"))
    with pytest.raises(SourceError, match="cached data stays in use"):
        openfda.fetch_labels(client, "sarilumab", ResponseCache(tmp_path))


def test_an_unexpected_answer_does_not_replace_a_good_cache(mocked, client, tmp_path):
    cache = ResponseCache(tmp_path)
    good = real("label_keytruda_20260811.json")
    cache.save("openfda-label-siltuximab", good, {})
    mocked.get(openfda.LABEL_API, json={"meta": {}})
    fetched = openfda.fetch_labels(client, "siltuximab", cache)
    assert fetched.from_cache and "got an object with keys 'meta'" in fetched.note
    assert cache.load("openfda-label-siltuximab")["payload"] == good


def test_404_no_matches_is_an_empty_frame(mocked, client, tmp_path):
    mocked.get(openfda.LABEL_API, status=404, json=NO_MATCHES)
    cache = ResponseCache(tmp_path)
    fetched = openfda.fetch_labels(client, "levilimab", cache)
    assert not fetched.from_cache and fetched.payload["results"] == []
    assert openfda.parse_labels(fetched.payload, "levilimab").empty
    assert len(list(tmp_path.iterdir())) == 1  # "nothing matches" is an answer worth caching


def test_other_404_is_an_error(mocked, client):
    mocked.get(openfda.LABEL_API, status=404, body="Not Found")
    with pytest.raises(SourceError, match="HTTP 404"):
        openfda.fetch_labels(client, "levilimab")
