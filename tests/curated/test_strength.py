"""The share of approval rows that cite the regulator's own record, per regulator."""

from __future__ import annotations

from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.curated.strength import regulator_source_share


def test_counts_per_regulator_hand_worked_from_the_data():
    table = regulator_source_share().set_index("agency")
    assert table.loc["FDA"].tolist() == [38, 6, "16%"]
    assert table.loc["EC"].tolist() == [31, 16, "52%"]
    assert table.loc["MFDS"].tolist() == [9, 0, "0%"]
    assert (table["rows"].sum(), table["regulator_rows"].sum()) == (149, 38)
    assert table["rows"].is_monotonic_decreasing


def test_a_row_upgraded_to_the_regulator_record_raises_the_share(data_copy, edit):
    def upgrade(frame):
        row = frame.index[(frame["agency"] == "MFDS")][0]
        frame.loc[row, ["source", "source_kind"]] = ["https://nedrug.mfds.go.kr/pbp/CCBBB01", "regulator"]
        return frame

    edit(data_copy, "approvals", upgrade)
    assert regulator_source_share(data_copy).set_index("agency").loc["MFDS"].tolist() == [9, 1, "11%"]


def test_data_list_prints_the_share_per_regulator():
    result = CliRunner().invoke(app, ["data", "list"])
    assert result.exit_code == 0
    assert "rows citing the regulator's own record" in result.output
    assert "regulator_share" in result.output and "SWISSMEDIC" in result.output
