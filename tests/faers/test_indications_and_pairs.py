"""The drug's own indication is not a side effect; a prior fit that does not converge is said; every pair
written in partitions equals the table computed at once."""

import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import UsageError
from il6analysis.faers import all_pairs, indications, overview, signals
from il6analysis.faers.ingest import add_quarter
from il6analysis.faers.mgps import GammaMixture

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
KEYS = ["ingredient", "pt"]


@pytest.fixture(scope="module")
def two_quarters(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ind") / "store"
    add_quarter(path, DATA / "hand_made_2099q2")
    add_quarter(path, DATA / "hand_made_2099q3")
    return path


@pytest.fixture(scope="module")
def one_quarter(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("one") / "store"
    add_quarter(path, DATA / "hand_made_2099q1")
    return path


def test_the_agents_own_indication_is_flagged_and_not_an_unlabelled_signal(two_quarters):
    table = signals.disproportionality(two_quarters, agents=["Actemra"], min_cases=1, methods=["ror", "prr"])
    flagged = table.set_index("pt")["indication"]
    assert flagged["Rheumatoid arthritis"] == "curated indication: Rheumatoid arthritis"
    assert flagged["Tinnitus"] == flagged["Headache"] == ""
    signalled = signals.unlabelled_signals(table[table["signal_prr"]]).set_index("pt")
    assert signalled.loc["Tinnitus", "unlabelled"] and not signalled.loc["Rheumatoid arthritis", "unlabelled"]
    assert not signalled.loc["Rheumatoid arthritis", "in_label"]  # not the label's either: flagged as an indication


def test_an_indication_reported_in_enough_of_the_agents_reports_counts():
    given = pd.DataFrame({"agent_id": ["tocilizumab"] * 3, "report": [1, 2, 3],
                          "indi_pt": ["Psoriasis", "PSORIASIS", "Acne"]})
    found = indications.reported_indications(given, pd.DataFrame({"agent_id": ["tocilizumab"], "reports": [200]}))
    pairs = pd.DataFrame({"agent_id": ["tocilizumab"] * 3, "pt": ["Psoriasis", "Acne", "Rheumatoid arthritis"]})
    assert indications.indication_matches(pairs, found).tolist() == [
        "reported indication: Psoriasis (given in 2 of 200 reports)",  # 1% of the agent's reports
        "",  # one report in 200 is below the share
        "curated indication: Rheumatoid arthritis"]


def test_a_prior_fit_that_does_not_converge_warns_and_is_recorded(one_quarter, monkeypatch):
    def stuck(a, expected, **options):
        return GammaMixture(1.0, 1.0, 2.0, 2.0, 0.5, n_pairs=int(options["weights"].sum()), converged=False)

    monkeypatch.setattr(signals, "fit_gamma_mixture", stuck)
    with pytest.warns(RuntimeWarning, match="the EBGM prior fit on 8 pairs did not converge"):
        table = signals.disproportionality(one_quarter, agents=["tocilizumab"], min_cases=1)
    assert table.attrs["prior_converged"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert overview.analyse(one_quarter, min_cases=1).prior_converged is False
        shown = CliRunner().invoke(app, ["signals", "--db", str(one_quarter), "--min-cases", "1"])
    assert shown.exit_code == 0 and "the EBGM prior fit did not converge" in shown.output


def test_every_pair_in_partitions_equals_the_table_at_once(one_quarter, tmp_path):
    done = all_pairs.write_all_pairs(one_quarter, tmp_path / "pairs", min_cases=1, partitions=3)
    assert done["partitions"] == 3 and done["pairs"] == done["rows"] == 8
    assert sorted(p.name for p in (tmp_path / "pairs").iterdir()) == [f"part-0000{i}.parquet" for i in range(3)]
    parts = pd.read_parquet(tmp_path / "pairs").sort_values(KEYS).reset_index(drop=True)
    whole = signals.disproportionality(one_quarter, min_cases=1, all_ingredients=True).sort_values(KEYS)
    whole = whole.reset_index(drop=True)
    assert parts[KEYS + list("abcd")].equals(whole[KEYS + list("abcd")])
    for column in ("ror_low", "prr", "ic025", "ebgm", "eb05"):
        assert parts[column].to_numpy() == pytest.approx(whole[column].to_numpy(), nan_ok=True, rel=1e-12)
    assert parts["signal_ror"].equals(whole["signal_ror"])
    with pytest.raises(UsageError, match="exists; give a new folder"):
        all_pairs.write_all_pairs(one_quarter, tmp_path / "pairs")


def test_il6_signals_all_pairs(one_quarter, tmp_path):
    result = CliRunner().invoke(app, ["signals", "--db", str(one_quarter), "--all-pairs", str(tmp_path / "every"),
                                      "--method", "ror", "--min-cases", "2"])
    assert result.exit_code == 0, result.output
    # a >= 2: tocilizumab x Neutropenia and x the markup term (a = 3); every other pair has one report
    assert "wrote 2 pairs in 1 partition(s)" in result.stdout
    assert sorted(pd.read_parquet(tmp_path / "every")["ingredient"]) == ["tocilizumab", "tocilizumab"]
