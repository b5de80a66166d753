"""Reading FAERS quarterly ASCII extracts, on real FDA sample rows (tests/data/faers)."""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from il6analysis.errors import SourceError
from il6analysis.sources.faers import TABLES, read_quarter, read_quarters

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
HEAD25 = DATA / "faers_2026q2_head25"
HEAD10 = DATA / "faers_2020q3_head10"
SAMPLE17 = DATA / "faers_2017q2_sample100"
LEGACY04 = DATA / "aers_2004q1_sample100"
IL6_SUBSET = DATA / "faers_2020q3_il6_subset"


def copy_sample(sample: Path, tmp_path: Path) -> Path:
    """A writable copy of a sample folder."""
    return Path(shutil.copytree(sample, tmp_path / sample.name))


def zip_folder(folder: Path, archive: Path) -> Path:
    """``archive``, holding every file of ``folder`` under its path relative to ``folder``."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as opened:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                opened.write(file, file.relative_to(folder).as_posix())
    return archive


def edit_lines(file: Path, edit) -> None:
    """Replace the lines of ``file`` (line ends removed) by ``edit(lines)``, written with LF."""
    lines = file.read_bytes().decode("latin-1").splitlines()
    file.write_bytes("\n".join(edit(lines)).encode("latin-1") + b"\n")


def header_of(file: Path) -> list[str]:
    """The column names in the first line of a real sample file."""
    return file.read_bytes().decode("latin-1").splitlines()[0].split("$")


def write_table(file: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """A ``$``-delimited table with ``header``; each row gives some columns, the rest are empty."""
    lines = ["$".join(header)] + ["$".join(row.get(name, "") for name in header) for row in rows]
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes("\r\n".join(lines).encode("latin-1") + b"\r\n")


def write_quarter(folder: Path, code: str, reports: list[tuple[str, str, str]]) -> Path:
    """A synthetic FAERS quarter ``code`` (e.g. ``"25Q4"``) in the real 2026Q2 layout.

    Each report ``(primaryid, caseid, caseversion)`` gets a DEMO row, one DRUG
    row and one REAC row.
    """
    real = HEAD25 / "ASCII"
    write_table(folder / "ASCII" / f"DEMO{code}.txt", header_of(real / "DEMO26Q2.txt"), [
        {"primaryid": pid, "caseid": case, "caseversion": version, "sex": "F"} for pid, case, version in reports
    ])
    write_table(folder / "ASCII" / f"DRUG{code}.txt", header_of(real / "DRUG26Q2.txt"), [
        {"primaryid": pid, "caseid": case, "drug_seq": "1", "role_cod": "PS", "drugname": "ACTEMRA"}
        for pid, case, _ in reports
    ])
    write_table(folder / "ASCII" / f"REAC{code}.txt", header_of(real / "REAC26Q2.txt"), [
        {"primaryid": pid, "caseid": case, "pt": f"Reaction of {pid}"} for pid, case, _ in reports
    ])
    return folder


def assert_same_tables(actual, expected) -> None:
    """Every table of two FaersData is equal, values and dtypes."""
    for table in TABLES:
        pd.testing.assert_frame_equal(actual.tables[table], expected.tables[table], obj=table)


# --- the real samples --------------------------------------------------------


def test_reads_2026q2_folder_with_its_deletion_file():
    data = read_quarter(HEAD25)

    assert data.quarters == ["2026Q2"]
    assert len(data.deleted) == 24 and {"10172236", "14199588"} <= data.deleted
    assert data.demo.columns.tolist() == header_of(HEAD25 / "ASCII" / "DEMO26Q2.txt")
    assert data.demo.loc[0, ["primaryid", "caseid", "caseversion"]].tolist() == ["100140224", "10014022", "4"]
    assert data.demo["occr_country"].iloc[0] == "EU"  # CRLF line ends leave no "\r"
    # OUTC/THER/RPSR are heads of their own: only rows of the 25 DEMO reports are kept.
    counts = {table: len(frame) for table, frame in data.tables.items()}
    assert counts == {"demo": 25, "drug": 25, "reac": 25, "indi": 25, "outc": 4, "ther": 3, "rpsr": 0}


def test_reads_2020q3_head10_identifiers_as_text_and_empty_fields_as_missing():
    data = read_quarter(HEAD10)

    assert data.quarters == ["2020Q3"]  # from DEMO20Q3-10.txt
    assert data.drug["nda_num"].iloc[0] == "020702"
    assert data.demo["primaryid"].iloc[0] == "100046943"
    assert all(pd.api.types.is_string_dtype(dtype) for frame in data.tables.values() for dtype in frame.dtypes)
    assert pd.isna(data.demo["event_dt"].iloc[0])
    assert pd.isna(data.drug["nda_num"].iloc[4])
    assert len(data.demo) == 10 and len(data.drug) == 10


def test_reads_2017q2_sample_with_consistent_joins():
    data = read_quarter(SAMPLE17)

    assert data.quarters == ["2017Q2"]
    assert data.demo.columns.tolist() == header_of(SAMPLE17 / "DEMO17Q2.txt")
    counts = {table: len(frame) for table, frame in data.tables.items()}
    assert counts == {"demo": 100, "drug": 328, "reac": 286, "outc": 75, "ther": 142, "indi": 232, "rpsr": 2}
    assert data.drug.loc[0, ["primaryid", "drugname", "nda_num"]].tolist() == ["109792364", "RISPERDAL", "020272"]


def test_reads_legacy_2004q1_isr_keys_as_primaryid_and_caseid():
    data = read_quarter(LEGACY04)

    assert data.quarters == ["2004Q1"]  # from DEMO04Q1.TXT
    assert data.demo.loc[0, ["primaryid", "caseid"]].tolist() == ["4263742", "4061110"]
    for table, frame in data.tables.items():
        assert "primaryid" in frame.columns and "isr" not in frame.columns, table
    assert "case" not in data.demo.columns


def test_drops_empty_placeholder_columns_named_like_v23():
    data = read_quarter(LEGACY04)

    assert data.demo.columns[-1] == "confid"  # header ends "...$confid$v23"
    assert data.drug.columns[-1] == "nda_num"
    assert data.reac.columns.tolist() == ["primaryid", "pt"]
    assert data.ther.columns[-1] == "dur_cod"


def test_keeps_a_placeholder_column_that_holds_values(tmp_path):
    sample = copy_sample(LEGACY04, tmp_path)
    edit_lines(sample / "REAC04Q1.TXT", lambda lines: [lines[0], lines[1] + "kept"] + lines[2:])

    reac = read_quarter(sample).reac

    assert reac.columns.tolist() == ["primaryid", "pt", "v3"]
    assert reac["v3"].iloc[0] == "kept"


def test_il6_subset_reads_twenty_reports_and_keeps_text_as_text():
    data = read_quarter(IL6_SUBSET)

    assert len(data.demo) == 20
    assert set(data.drug["primaryid"]) <= set(data.demo["primaryid"])
    mentions = data.drug["drugname"].str.contains("ACTEMRA|TOCILIZUMAB", case=False, na=False)
    assert data.drug.loc[mentions, "primaryid"].nunique() == 19
    # Only empty fields are missing: the upstream R artefact "NA" stays text.
    assert data.drug["cum_dose_chr"].eq("NA").all()
    # No INDI or RPSR file in this subset: empty tables keyed by primaryid.
    assert data.indi.empty and data.rpsr.columns.tolist() == ["primaryid"]


# --- file layouts ------------------------------------------------------------


def test_reads_a_zip_like_the_folder(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")

    from_zip = read_quarter(str(archive))

    expected = read_quarter(HEAD25)
    assert_same_tables(from_zip, expected)
    assert from_zip.deleted == expected.deleted
    assert from_zip.quarters == ["2026Q2"]


def test_header_with_byte_order_mark_stray_spaces_and_upper_case(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    demo = sample / "DEMO20Q3-10.txt"
    header = "\ufeff" + "$".join(f" {name.upper()} " for name in header_of(demo))
    demo.write_bytes(header.encode("utf-8") + b"\n" + demo.read_bytes().split(b"\n", 1)[1])

    pd.testing.assert_frame_equal(read_quarter(sample).demo, read_quarter(HEAD10).demo)


def test_trailing_dollar_on_every_line_adds_no_column(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "DRUG20Q3-10.txt", lambda lines: [line + "$" for line in lines])

    pd.testing.assert_frame_equal(read_quarter(sample).drug, read_quarter(HEAD10).drug)


def test_crlf_and_lf_line_ends_read_alike(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    for file in sample.iterdir():
        file.write_bytes(file.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    assert_same_tables(read_quarter(sample), read_quarter(HEAD10))


def test_quarter_label_falls_back_to_the_folder_name(tmp_path):
    sample = copy_sample(HEAD10, tmp_path / "extract")
    (sample / "DEMO20Q3-10.txt").rename(sample / "demo_latest.txt")

    data = read_quarter(sample)

    assert data.quarters == [sample.name] and len(data.demo) == 10


# --- versions and deletions --------------------------------------------------


def test_read_quarter_keeps_the_latest_version_within_a_quarter(tmp_path):
    quarter = write_quarter(tmp_path / "q", "26Q1", [("5001", "500", "1"), ("5002", "500", "2")])

    data = read_quarter(quarter)

    assert data.demo["primaryid"].tolist() == ["5002"]
    assert data.drug["primaryid"].tolist() == ["5002"] and data.reac["primaryid"].tolist() == ["5002"]


def test_combining_quarters_keeps_the_latest_version_of_each_case(tmp_path):
    older = write_quarter(tmp_path / "older", "25Q4", [
        ("5001", "500", "1"),
        ("6009", "600", "9"),
        ("9003", "700", "3"),
        ("8001", "800", "1"),
    ])
    newer = write_quarter(tmp_path / "newer", "26Q1", [
        ("5002", "500", "2"),
        ("60010", "600", "10"),  # version 10 beats 9 as a number, not as text
        ("10003", "700", "3"),  # same version: the higher primaryid, as a number
    ])

    data = read_quarters([older, newer])

    kept = {"5002", "60010", "10003", "8001"}
    assert data.quarters == ["2025Q4", "2026Q1"]
    assert set(data.demo["primaryid"]) == kept and len(data.demo) == 4
    assert set(data.drug["primaryid"]) == kept and len(data.drug) == 4
    assert set(data.reac["pt"]) == {f"Reaction of {pid}" for pid in kept}
    assert set(read_quarters([newer, older]).demo["primaryid"]) == kept


def test_legacy_latest_report_of_a_case_is_its_highest_isr(tmp_path):
    quarter = tmp_path / "aers"
    write_table(quarter / "DEMO04Q1.TXT", header_of(LEGACY04 / "DEMO04Q1.TXT"), [
        {"isr": "1000", "case": "77"},
        {"isr": "900", "case": "77"},
        {"isr": "950", "case": "78"},
    ])
    write_table(quarter / "REAC04Q1.TXT", header_of(LEGACY04 / "REAC04Q1.TXT"), [
        {"isr": "900", "pt": "Old"}, {"isr": "1000", "pt": "New"}, {"isr": "950", "pt": "Other"},
    ])

    data = read_quarter(quarter)

    assert data.demo["primaryid"].tolist() == ["1000", "950"]
    assert data.reac["pt"].tolist() == ["New", "Other"]


def test_a_faers_version_wins_over_legacy_reports_of_the_same_case(tmp_path):
    legacy = tmp_path / "aers"
    write_table(legacy / "DEMO12Q3.TXT", header_of(LEGACY04 / "DEMO04Q1.TXT"), [{"isr": "99999999", "case": "500"}])
    faers = write_quarter(tmp_path / "faers", "12Q4", [("5001", "500", "1")])

    data = read_quarters([legacy, faers])

    assert data.demo["primaryid"].tolist() == ["5001"]
    assert data.quarters == ["2012Q3", "2012Q4"]


def test_deleted_case_is_removed_from_every_table(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    deletions = sample / "Deleted" / "DELETE26Q2.txt"
    deletions.write_bytes(deletions.read_bytes() + b"\n10014022\n")
    before = read_quarter(HEAD25)

    data = read_quarter(sample)

    assert "10014022" in data.deleted
    for table in ("demo", "drug", "reac", "indi", "outc", "ther"):
        assert "100140224" in set(before.tables[table]["primaryid"]), table
        assert "100140224" not in set(data.tables[table]["primaryid"]), table
    assert len(data.demo) == len(before.demo) - 1


def test_deletion_file_of_one_quarter_removes_the_case_from_another(tmp_path):
    # Case 10172236 is listed in the real Deleted/DELETE26Q2.txt.
    quarter = write_quarter(tmp_path / "q", "26Q1", [("101722361", "10172236", "1"), ("5001", "500", "1")])
    assert "101722361" in set(read_quarter(quarter).demo["primaryid"])

    data = read_quarters([quarter, HEAD25])

    for table in ("demo", "drug", "reac"):
        assert "101722361" not in set(data.tables[table]["primaryid"]), table
        assert "5001" in set(data.tables[table]["primaryid"]), table


# --- errors ------------------------------------------------------------------


def test_truncated_zip_raises_source_error_naming_the_file(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(SourceError, match="faers_ascii_2026q2.zip"):
        read_quarter(archive)


def test_corrupt_zip_member_raises_source_error_naming_the_member(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")
    with zipfile.ZipFile(archive) as opened:
        offset = opened.getinfo("ASCII/DEMO26Q2.txt").header_offset
    content = bytearray(archive.read_bytes())
    name_length, extra_length = struct.unpack_from("<HH", content, offset + 26)  # in the local file header
    data_start = offset + 30 + name_length + extra_length
    content[data_start + 10 : data_start + 40] = bytes(30)
    archive.write_bytes(bytes(content))

    with pytest.raises(SourceError, match=r"faers_ascii_2026q2\.zip:ASCII/DEMO26Q2\.txt: cannot be decompressed"):
        read_quarter(archive)


def test_line_with_an_extra_field_raises_naming_file_and_line(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "DRUG20Q3-10.txt", lambda lines: lines[:3] + [lines[3] + "$extra"] + lines[4:])

    with pytest.raises(SourceError, match=r"DRUG20Q3-10\.txt line 4: 21 fields, but the header has 20"):
        read_quarter(sample)


def test_truncated_last_line_raises_naming_file_and_line(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    demo = sample / "ASCII" / "DEMO26Q2.txt"
    demo.write_bytes(demo.read_bytes()[:-60])

    with pytest.raises(SourceError, match=r"DEMO26Q2\.txt line 26: \d+ fields, but the header has 25"):
        read_quarter(sample)


def test_line_break_inside_a_field_raises_naming_file_and_line(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    drug = sample / "DRUG20Q3-10.txt"
    drug.write_bytes(drug.read_bytes().replace(b"20 MG, DAILY", b"20 MG,\rDAILY", 1))

    with pytest.raises(SourceError, match=r"DRUG20Q3-10\.txt line 2: 9 fields, but the header has 20"):
        read_quarter(sample)


def test_empty_table_file_raises_naming_the_file(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    (sample / "OUTC20Q3-10.txt").write_bytes(b"")

    with pytest.raises(SourceError, match=r"OUTC20Q3-10\.txt: the file is empty"):
        read_quarter(sample)


def test_missing_key_column_raises_naming_the_file(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "REAC20Q3-10.txt", lambda lines: [lines[0].replace("primaryid", "report")] + lines[1:])

    with pytest.raises(SourceError, match=r"REAC20Q3-10\.txt: no primaryid column"):
        read_quarter(sample)


def test_quarter_without_demo_file_raises(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    (sample / "DEMO20Q3-10.txt").unlink()

    with pytest.raises(SourceError, match="no DEMO file"):
        read_quarter(sample)


def test_two_files_for_one_table_raise(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    shutil.copy(sample / "REAC20Q3-10.txt", sample / "REAC20Q3-copy.txt")

    with pytest.raises(SourceError, match="several REAC files"):
        read_quarter(sample)


@pytest.mark.parametrize("name", ["DEMO20Q3-10.csv", "missing"])
def test_path_neither_zip_nor_folder_raises(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        shutil.copy(HEAD10 / "DEMO20Q3-10.txt", path)

    with pytest.raises(SourceError, match="neither a zip file nor a folder"):
        read_quarter(path)


def test_deletion_file_line_that_is_not_a_caseid_raises(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    deletions = sample / "Deleted" / "DELETE26Q2.txt"
    deletions.write_bytes(deletions.read_bytes() + b"not-a-case\n")  # the file ends with LF

    with pytest.raises(SourceError, match=r"DELETE26Q2\.txt line 26: 'not-a-case' is not a caseid"):
        read_quarter(sample)


def test_read_quarters_needs_a_path():
    with pytest.raises(ValueError, match="at least one"):
        read_quarters([])


def test_tables_are_attributes_and_unknown_names_are_errors():
    data = read_quarter(IL6_SUBSET)
    assert data.reac is data.tables["reac"]
    with pytest.raises(AttributeError, match="tables: demo, drug"):
        _ = data.drugs
