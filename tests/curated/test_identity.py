"""Every row of every table is sourced; the data set records when it was curated."""

from __future__ import annotations

import re

import pytest

import il6analysis as il6
from il6analysis.curated import vocab
from il6analysis.curated.loaders import DATASETS


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_row_has_a_well_formed_source(name):
    sources = il6.load_table(name)["source"]
    assert sources.notna().all()
    bad = [s for s in sources if not re.match(vocab.SOURCE_PATTERN, s)]
    assert not bad


def test_trial_rows_cite_their_own_registry_record():
    trials = il6.load_trials()
    assert (trials["source"] == trials["nct_id"]).all()


def test_dataset_info_records_curation_date_hash_and_version():
    info = il6.dataset_info()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["curated_on"])
    assert re.fullmatch(r"[0-9a-f]{64}", info["sha256"])
    assert info["version"] == il6.__version__


def test_content_hash_changes_with_the_data(data_copy, edit):
    before = il6.dataset_info(data_copy)["sha256"]
    assert before == il6.dataset_info()["sha256"]
    edit(data_copy, "targets", lambda f: f.iloc[:-1])
    assert il6.dataset_info(data_copy)["sha256"] != before
