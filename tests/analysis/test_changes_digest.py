"""The digest behind the `changes` report: sentence, per-table rows and source links."""

from __future__ import annotations

import shutil

import pandas as pd

from il6analysis.analysis import changes
from il6analysis.curated.changes import changes_frame


def test_source_links_follow_the_kind_of_source():
    assert changes.source_url("PMID:123") == "https://pubmed.ncbi.nlm.nih.gov/123/"
    assert changes.source_url("doi:10.1/x") == "https://doi.org/10.1/x"
    assert changes.source_url("NCT01234567") == "https://clinicaltrials.gov/study/NCT01234567"
    assert changes.source_url("https://www.fda.gov/a") == "https://www.fda.gov/a"
    assert changes.source_url(None) is None


def test_domain_table_names_sources_by_host_or_identifier_with_links():
    found = changes_frame([
        {"domain": "approvals", "key": "k", "field": "status", "old": "a", "new": "b", "kind": "changed",
         "old_source": "https://www.ema.europa.eu/x", "new_source": "PMID:7"},
        {"domain": "trials", "key": "NCT01234567", "kind": "added", "new_source": "NCT01234567"},
    ])
    table = changes.domain_table(found, "approvals")
    assert table[["old_source", "new_source"]].values.tolist() == [["ema.europa.eu", "PMID:7"]]
    assert table[["old_source_url", "new_source_url"]].values.tolist() == [
        ["https://www.ema.europa.eu/x", "https://pubmed.ncbi.nlm.nih.gov/7/"]]
    added = changes.domain_table(found, "trials")
    assert pd.isna(added.loc[0, "old_source"]) and added.loc[0, "new_source_url"].endswith("NCT01234567")


def test_digest_says_when_there_is_nothing_to_compare_or_no_change(data_copy, edit, tmp_path):
    nothing, notes = changes.changes_since("")
    assert nothing.empty and notes == []
    assert changes.digest_sentence("", nothing).startswith("Nothing to compare")
    same, _ = changes.changes_since(data_copy, data_dir=data_copy)
    assert same.empty and changes.digest_sentence(data_copy, same, data_dir=data_copy).startswith("No change")
    new = tmp_path / "new"
    shutil.copytree(data_copy, new)
    edit(new, "targets", lambda f: f.iloc[1:])
    found, notes = changes.changes_since(data_copy, ["targets", "agents"], data_dir=new)
    assert notes == []
    assert found["kind"].astype(str).tolist() == ["removed"]
    assert changes.digest_sentence(data_copy, found, data_dir=new).startswith("1 change(s) from")
    assert changes.changes_since(data_copy, ["agents"], data_dir=new)[0].empty
    (data_copy / "targets.csv").unlink()
    older, notes = changes.changes_since(data_copy, ["targets"], data_dir=new)
    assert notes == [f"table `targets` added ({len(older)} rows)"] and set(older["kind"].astype(str)) == {"added"}
