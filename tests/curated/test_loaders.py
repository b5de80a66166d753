"""Every loader returns a typed, tidy, non-empty table and a fresh copy each call."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.curated.loaders import DATASETS, column_order, load_label_frequencies

LOADERS = {
    "agents": il6.load_agents,
    "agent_names": il6.load_agent_names,
    "targets": il6.load_targets,
    "indications": il6.load_indications,
    "approvals": il6.load_approvals,
    "trials": il6.load_trials,
    "trial_partners": il6.load_trial_partners,
    "adverse_events": il6.load_adverse_events,
    "label_frequencies": load_label_frequencies,
    "warnings": il6.load_warnings,
    "label_coverage": il6.load_label_coverage,
    "efficacy": il6.load_efficacy,
}


def test_every_dataset_has_a_loader():
    assert set(LOADERS) == set(DATASETS)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_matches_schema_columns_and_is_not_empty(name):
    frame = LOADERS[name]()
    schema_columns = column_order(name)
    assert list(frame.columns[: len(schema_columns)]) == schema_columns
    assert len(frame) > 0
    DATASETS[name].schema.validate(frame[schema_columns])


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_returns_a_fresh_copy(name):
    first = LOADERS[name]()
    first.iloc[0, 0] = "changed by caller"
    second = LOADERS[name]()
    assert len(second) > 0
    assert second.iloc[0, 0] != "changed by caller"


def test_dtypes_are_typed_not_object():
    approvals = il6.load_approvals()
    assert pd.api.types.is_datetime64_any_dtype(approvals["approval_date"])
    assert isinstance(approvals["agency"].dtype, pd.CategoricalDtype)
    assert isinstance(approvals["agent_id"].dtype, pd.StringDtype)
    trials = il6.load_trials()
    assert trials["phase"].cat.ordered
    assert str(trials["enrollment"].dtype) == "Int64"
    assert il6.load_adverse_events()["drug_pct"].dtype == "float64"
    assert str(il6.load_warnings()["boxed"].dtype) == "boolean"
    frequencies = load_label_frequencies()["frequency_category"]
    assert frequencies.cat.ordered and list(frequencies.cat.categories)[:2] == ["very_common", "common"]
    assert isinstance(il6.load_trials()["intent"].dtype, pd.CategoricalDtype)
    for name, loader in LOADERS.items():
        assert not (loader().dtypes == object).any(), name


def test_partial_dates_keep_their_precision():
    approvals = il6.load_approvals()
    dated = approvals.dropna(subset=["approval_date"])
    assert dated["approval_date_precision"].notna().all()
    assert set(dated["approval_date_precision"]) <= {"day", "month", "year"}
    month_only = dated[dated["approval_date_precision"] == "month"]
    assert (month_only["approval_date"].dt.day == 1).all()


def test_load_agents_adds_brand_and_code_names():
    agents = il6.load_agents().set_index("agent_id")
    assert "Actemra" in agents.at["tocilizumab", "brand_names"]
    assert "CNTO 328" in agents.at["siltuximab", "code_names"]


def test_list_datasets_counts_rows():
    listing = il6.list_datasets()
    assert list(listing["table"]) == list(DATASETS)
    counts = dict(zip(listing["table"], listing["rows"]))
    assert counts["trials"] == len(il6.load_trials())


def test_describe_gives_a_data_dictionary_entry_for_every_column():
    for name, dataset in DATASETS.items():
        dictionary = il6.describe(name)
        assert list(dictionary["column"]) == column_order(name)
        assert (dictionary["description"].str.len() > 0).all(), name
    agency = il6.describe("approvals").set_index("column").loc["agency"]
    assert "FDA" in agency["allowed"] and "MHLW" in agency["allowed"]


def test_unknown_table_lists_close_matches():
    with pytest.raises(il6.UnknownNameError, match="approvals"):
        il6.load_table("aprovals")


@pytest.mark.parametrize("loader", [*LOADERS.values(), il6.list_datasets, il6.validate, il6.dataset_info])
@pytest.mark.parametrize("given", [123, 1.5, ["data"]])
def test_a_data_folder_that_is_not_a_path_is_a_usage_error(loader, given):
    with pytest.raises(il6.UsageError) as info:
        loader(given)
    assert str(info.value) == ("the data location must be a path (str or pathlib.Path), or None for its default; "
                               f"got {type(given).__name__} {given!r}")


def test_a_name_given_as_the_data_folder_says_what_data_dir_is():
    with pytest.raises(il6.UsageError) as info:
        il6.load_approvals("XYZ")
    assert "data folder" in str(info.value) and str(info.value).endswith(
        "XYZ does not exist or is not a folder; give a folder holding the tables' CSV files (--data-dir, "
        "$IL6_DATA_DIR or data_dir=), or none for the shipped tables; loaders take no filter: select rows of the "
        "returned frame instead")


@pytest.mark.parametrize("given", [None, 3, ["approvals"]])
def test_a_table_name_that_is_not_text_lists_the_tables(given):
    for call in (il6.load_table, il6.describe):
        with pytest.raises(il6.UsageError) as info:
            call(given)
        assert str(info.value).startswith(
            f"table name must be text (str), not {type(given).__name__} {given!r}; valid: agents, agent_names")


def test_loading_from_a_folder_reads_that_folder(data_copy, edit):
    edit(data_copy, "targets", lambda f: f.iloc[:-1])
    assert len(il6.load_targets(data_copy)) == len(il6.load_targets()) - 1
