"""Broken files and folders are data problems naming the file, line and what is valid, never tracebacks."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

import il6analysis as il6
from il6analysis.cli.app import app
from il6analysis.curated.loaders import load_table, parse_table
from il6analysis.errors import UsageError


def _text(folder, table: str) -> str:
    return (folder / f"{table}.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_or_whitespace_csv_names_file_and_line(content):
    with pytest.raises(il6.DataValidationError) as caught:
        parse_table("targets", content)
    assert [str(p) for p in caught.value.problems] == [
        "targets.csv line 1: the file is empty: expected a header line, then one line per row"
    ]


def test_empty_csv_in_a_folder_is_a_validation_problem(data_copy):
    (data_copy / "warnings.csv").write_text("", encoding="utf-8")
    problems = [str(p) for p in il6.validate(data_copy).problems]
    assert "warnings.csv line 1: the file is empty: expected a header line, then one line per row" in problems


@pytest.mark.parametrize("final_newline", [True, False])
def test_last_row_truncated_at_a_field_boundary(data_copy, final_newline):
    """The last row lost its notes (and the comma before them); with or without a final newline."""
    rows = list(csv.reader(io.StringIO(_text(data_copy, "targets"))))
    rows[-1] = rows[-1][:-1]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    text = buffer.getvalue() if final_newline else buffer.getvalue().rstrip("\n")
    (data_copy / "targets.csv").write_text(text, encoding="utf-8")
    with pytest.raises(il6.DataValidationError) as caught:
        load_table("targets", data_copy)
    header = len(rows[0])
    assert [str(p) for p in caught.value.problems] == [
        f"targets.csv line {len(rows)}: row has {header - 1} field(s), the header has {header}: "
        "the line is truncated or has extra fields"
    ]


def test_row_with_an_extra_field_is_reported(data_copy):
    lines = _text(data_copy, "targets").split("\n")
    lines[1] += ",surplus"
    (data_copy / "targets.csv").write_text("\n".join(lines), encoding="utf-8")
    problems = [p for p in il6.validate(data_copy).problems if p.table == "targets"]
    assert len(problems) == 1 and problems[0].line == 2 and "has extra fields" in problems[0].rule


def test_unterminated_quote_is_unreadable_not_a_traceback():
    with pytest.raises(il6.DataValidationError, match="targets.csv"):
        parse_table("targets", b'target_id,gene_symbol\n"il6,IL6\n')


def test_folder_in_place_of_a_csv(data_copy):
    (data_copy / "targets.csv").unlink()
    (data_copy / "targets.csv").mkdir()
    with pytest.raises(il6.DataValidationError, match=r"targets.csv: .*targets.csv is a folder, not a CSV file"):
        load_table("targets", data_copy)
    assert any("is a folder, not a CSV file" in p.rule for p in il6.validate(data_copy).problems)
    with pytest.raises(UsageError, match=r"targets.csv is not a file"):
        il6.dataset_info(data_copy)


def test_missing_table_file_names_its_path(data_copy):
    (data_copy / "targets.csv").unlink()
    with pytest.raises(il6.DataValidationError, match=r"table file is missing: .*targets.csv"):
        load_table("targets", data_copy)


def test_data_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(UsageError, match=r"data folder .*nowhere does not exist"):
        il6.validate(missing)
    with pytest.raises(UsageError, match=r"nowhere does not exist"):
        il6.dataset_info(missing)


def test_folder_without_curation_record(data_copy):
    (data_copy / "DATASET.toml").unlink()
    with pytest.raises(UsageError, match=r"DATASET.toml is missing: .*curated_on = YYYY-MM-DD"):
        il6.dataset_info(data_copy)


@pytest.mark.parametrize(
    ("record", "words"),
    [("curated_on = 2026-13-45\n", "not a valid TOML curation record"),
     ("name = 'x'\n", "has no curated_on date"),
     ("curated_on = 'yesterday'\n", "has no curated_on date")],
)
def test_broken_curation_record(data_copy, record, words):
    (data_copy / "DATASET.toml").write_text(record, encoding="utf-8")
    with pytest.raises(UsageError, match=words):
        il6.dataset_info(data_copy)


def test_cli_validate_on_a_folder_without_record_prints_an_error_line(data_copy):
    (data_copy / "DATASET.toml").unlink()
    result = CliRunner().invoke(app, ["data", "validate", "--data-dir", str(data_copy)])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "DATASET.toml is missing" in result.output
    assert "Traceback" not in result.output
