"""FAERS quarter over quarter on two hand-made quarters (tests/fixtures/faers/hand_made_2099q2/PROVENANCE.md):
the tables worked by hand, the signals started and stopped as change-model rows, the indication flag."""

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.curated.changes import CHANGE_COLUMNS
from il6analysis.errors import UsageError
from il6analysis.faers import quarter_changes, signals
from il6analysis.faers.ingest import add_quarter

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
Z = 1.959963984540054


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("quarters") / "store"
    add_quarter(path, DATA / "hand_made_2099q3")  # the order of adding does not matter
    add_quarter(path, DATA / "hand_made_2099q2")
    return path


def ror_low(a, b, c, d):
    return a * d / (b * c) * math.exp(-Z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d))


def chi2(a, b, c, d):
    n = a + b + c + d
    return n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))


def test_both_sides_worked_by_hand(store):
    table = quarter_changes.quarter_comparison(store, ["Actemra"], methods=["ror", "prr"]).set_index("pt")
    assert table.attrs["older"] == ["2099Q2"] and table.attrs["newest"] == "2099Q3"
    assert table.loc["Tinnitus", ["a_before", "a_after"]].tolist() == [3, 5]
    assert table.loc["Headache", ["a_before", "a_after"]].tolist() == [4, 3]  # case 104 deleted in 2099Q3
    assert table.loc["Nausea", ["a_before", "a_after"]].tolist() == [1, 1]
    assert table.loc["Tinnitus", "ror_low_before"] == pytest.approx(ror_low(3, 2, 1, 6))
    assert table.loc["Tinnitus", "ror_low_after"] == pytest.approx(ror_low(5, 1, 1, 8))
    assert table.loc["Headache", "ror_low_before"] == pytest.approx(ror_low(4, 1, 1, 6))
    assert table.loc["Headache", "chi2_after"] == pytest.approx(chi2(3, 3, 3, 6))
    assert table.loc["Rheumatoid arthritis", "chi2_after"] == pytest.approx(chi2(4, 2, 1, 8))
    assert table.loc["Rheumatoid arthritis", "indication"] == "curated indication: Rheumatoid arthritis"
    assert table.loc["Headache", "in_label"] and not table.loc["Tinnitus", "in_label"]


def test_after_side_is_the_whole_store(store):
    whole = signals.disproportionality(store, agents=["tocilizumab"], min_cases=1, methods=["ror", "prr"])
    table = quarter_changes.quarter_comparison(store, ["tocilizumab"], methods=["ror", "prr"])
    merged = table.merge(whole, on=["agent_id", "pt"])
    assert len(merged) == len(whole) and (merged["a_after"] == merged["a"]).all()
    assert merged["ror_low_after"].equals(merged["ror_low"]) and merged["signal_prr_after"].equals(merged["signal_prr"])


def test_signals_started_and_stopped_as_change_rows(store):
    changes = quarter_changes.faers_signal_changes(store, ["tocilizumab"], methods=["ror", "prr"])
    assert list(changes.columns) == CHANGE_COLUMNS and set(changes["domain"]) == {"faers_signal"}
    found = {(r.key, r.field): (r.old, r.new) for r in changes.itertuples()}
    assert found == {
        ("tocilizumab | Headache", "signal_ror"): ("yes", "no"),
        ("tocilizumab | Headache", "signal_prr"): ("yes", "no"),
        ("tocilizumab | Rheumatoid arthritis", "signal_ror"): ("no", "yes"),
        ("tocilizumab | Rheumatoid arthritis", "signal_prr"): ("no", "yes"),
        ("tocilizumab | Tinnitus", "signal_ror"): ("no", "yes"),
        ("tocilizumab | Tinnitus", "signal_prr"): ("no", "yes"),
        ("tocilizumab | Tinnitus", "unlabelled_signal"): ("no", "yes"),  # not the label's, not an indication
    }
    assert set(changes["kind"]) == {"changed"}
    assert set(changes["old_source"]) == {"FAERS 2099Q2"} and set(changes["new_source"]) == {"FAERS 2099Q2-2099Q3"}


def test_min_cases_applies_to_each_side(store):
    changes = quarter_changes.faers_signal_changes(store, ["tocilizumab"], min_cases=5, methods=["ror", "prr"])
    assert set(changes["key"]) == {"tocilizumab | Tinnitus"}  # only Tinnitus reaches 5 reports (after)


def test_one_quarter_is_not_enough(tmp_path):
    add_quarter(tmp_path / "s", DATA / "hand_made_2099q2")
    with pytest.raises(UsageError, match="holds one quarter \\(2099Q2\\): comparing quarters needs two or more"):
        quarter_changes.quarter_comparison(tmp_path / "s")


def test_il6_changes_faers(store):
    runner = CliRunner()
    result = runner.invoke(app, ["changes", "--faers", str(store), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["changes"]
    assert {(r["key"], r["field"]) for r in rows} >= {("tocilizumab | Tinnitus", "unlabelled_signal")}
    alert = runner.invoke(app, ["changes", "--faers", str(store), "--fail-on-change"])
    assert alert.exit_code == 3 and "faers_signal" in alert.stdout
