"""The efficacy table: its schema, its ties to the other tables, and values checked by hand against their sources."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import il6analysis as il6
from il6analysis.cli.app import app
from il6analysis.curated import vocab


def _row(frame: pd.DataFrame, **match) -> pd.Series:
    hit = frame
    for column, value in match.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, match
    return hit.iloc[0]


def test_loader_is_listed_described_and_valid():
    efficacy = il6.load_efficacy()
    assert len(efficacy) >= 40
    assert "efficacy" in set(il6.list_datasets()["table"])
    assert il6.validate().ok
    described = il6.describe("efficacy").set_index("column")
    assert set(vocab.EFFICACY_ENDPOINT_IDS) <= set(described.at["endpoint", "allowed"].split(", "))
    assert bool(described.at["value", "required"]) and not bool(described.at["comparator_value", "required"])


def test_every_row_is_sourced_and_its_unit_is_its_endpoints():
    efficacy = il6.load_efficacy()
    assert efficacy["source"].notna().all()
    expected = efficacy["endpoint"].astype(str).map(lambda e: vocab.EFFICACY_ENDPOINTS[e][1])
    assert (expected == efficacy["unit"].astype(str)).all()


# (match, value, comparator value, n arm, n comparator) as printed by each row's source
HAND_CHECKED = [
    (dict(trial="OPTION", arm="8 mg/kg IV every 4 weeks", endpoint="acr20"), 59, 27, 205, 204),
    (dict(trial="RADIATE", arm="8 mg/kg IV every 4 weeks", endpoint="acr70"), 12, 1, 170, 158),
    (dict(trial="LITHE", arm="4 mg/kg IV every 4 weeks", endpoint="acr50", timepoint_weeks=52), 29, 10, 399, 393),
    (dict(trial="RECOVERY", endpoint="mortality"), 31, 35, 2022, 2094),
    (dict(trial="MONARCH", endpoint="das28_esr_change"), -3.28, -2.20, 184, 185),
    (dict(trial="TARGET", arm="200 mg SC every 2 weeks", endpoint="acr20"), 60.9, 33.7, 184, 181),
    (dict(trial="TARGET", arm="150 mg SC every 2 weeks", endpoint="haq_di_change", timepoint_weeks=12), -0.46, -0.26, 181, 181),
    (dict(trial="MOBILITY", arm="200 mg SC every 2 weeks", endpoint="acr20"), 66.4, 33.4, None, None),
    (dict(trial="SOLAR", endpoint="acr20"), 68.6, 38.5, 102, 52),
    (dict(trial="Sarilumab GCA phase 3", arm="200 mg SC every 2 weeks + 26-week prednisone taper", timepoint_weeks=52,
          comparator="placebo + 52-week prednisone taper"), 46, 30, 13, 10),
    (dict(trial="SAPHYR", endpoint="sustained_remission"), 28, 10, 60, 58),
    (dict(trial="COVACTA", endpoint="mortality"), 19.7, 19.4, 294, 144),
    (dict(trial="REMAP-CAP", agent_id="sarilumab"), 22.2, 35.8, None, None),
    (dict(trial="CT-P47 phase 3"), -4.279, -4.231, 225, 109),
    (dict(trial="SC-II", endpoint="das28_remission"), 32.0, 4.0, None, None),
    (dict(trial="ADACTA", endpoint="das28_esr_change"), -3.3, -1.8, 163, 162),
    (dict(trial="CNTO328MCD2001", endpoint="durable_response"), 34, 0, 53, 26),
    (dict(trial="CREDO 1", arm="64 mg SC every 4 weeks"), 70.4, 25.9, 142, 143),
    (dict(trial="SIRROUND-D", arm="50 mg SC every 4 weeks"), 54.8, 26.4, 557, 556),
    (dict(trial="MSB11456 phase 3", endpoint="acr20"), 80.8, 84.8, 302, 302),
    (dict(trial="BAT1806/BIIB800 phase 3", timepoint_weeks=12), 69.0, 64.8, 312, 309),
    (dict(trial="SAkuraSky", endpoint="relapse_free", timepoint_weeks=96), 77.6, 58.7, 41, 42),
]


@pytest.mark.parametrize(("match", "value", "comparator", "n", "comparator_n"), HAND_CHECKED)
def test_hand_checked_values(match, value, comparator, n, comparator_n):
    row = _row(il6.load_efficacy(), **match)
    assert row["value"] == value and row["comparator_value"] == comparator
    assert (pd.isna(row["n_arm"]) if n is None else row["n_arm"] == n)
    assert (pd.isna(row["comparator_n"]) if comparator_n is None else row["comparator_n"] == comparator_n)


def test_a_hazard_ratio_has_no_comparator_value_and_no_week():
    row = _row(il6.load_efficacy(), trial="SAkuraSky", population="nmosd_aqp4_positive")
    assert row["value"] == 0.21 and row["unit"] == "hazard_ratio"
    assert pd.isna(row["comparator_value"]) and pd.isna(row["timepoint_weeks"])


def _set(column: str, value: str, row: int = 0):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return edit


BROKEN = [
    ("endpoint", "ACR 20", "not an allowed value; valid: acr20"),
    ("unit", "points", "unit must be the endpoint's unit"),
    ("value", "140", "a percent is between 0 and 100"),
    ("population", "everyone", "not an allowed value; valid: ra_mtx_naive"),
    ("comparator_type", "sugar pill", "not an allowed value; valid: placebo"),
    ("n_arm", "0", "out of range"),
    ("nct_id", "NCT1", "wrong format"),
    ("agent_id", "tocilizumab-xyz", "refers to an unknown agents.agent_id"),
    ("indication_id", "gout", "refers to an unknown indications.indication_id"),
    ("nct_id", "NCT01791153", "no trials row for this trial with agent tocilizumab and indication rheumatoid-arthritis"),
    ("source", "the label", "wrong format"),
]


@pytest.mark.parametrize(("column", "value", "words"), BROKEN)
def test_a_bad_row_is_refused_with_line_column_and_rule(data_copy, edit, column, value, words):
    edit(data_copy, "efficacy", _set(column, value))
    messages = [str(p) for p in il6.validate(data_copy).problems]
    assert any("efficacy.csv line 2" in m and words in m for m in messages), messages


def test_a_negative_hazard_ratio_is_refused(data_copy, edit):
    frame = pd.read_csv(data_copy / "efficacy.csv", dtype=str, keep_default_na=False)
    line = int(frame.index[frame["unit"] == "hazard_ratio"][0])
    edit(data_copy, "efficacy", _set("value", "-0.4", line))
    messages = [str(p) for p in il6.validate(data_copy).problems]
    assert any(f"line {line + 2}" in m and "hazard ratio above 0" in m for m in messages), messages


def test_one_trial_name_keeps_one_nct_id(data_copy, edit):
    frame = pd.read_csv(data_copy / "efficacy.csv", dtype=str, keep_default_na=False)
    line = int(frame.index[frame["trial"] == "LITHE"][-1])
    edit(data_copy, "efficacy", _set("nct_id", "", line))
    messages = [str(p) for p in il6.validate(data_copy).problems]
    assert any("differs between rows of the same trial" in m and "LITHE" in m for m in messages), messages


def test_cli_validate_fails_on_a_bad_efficacy_row(data_copy, edit):
    edit(data_copy, "efficacy", _set("endpoint", "cure"))
    result = CliRunner().invoke(app, ["data", "validate", "--data-dir", str(data_copy)])
    assert result.exit_code == 1
    assert "efficacy.csv" in result.output
