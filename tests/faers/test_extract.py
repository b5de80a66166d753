"""Reading FAERS quarterly extracts into the store, on real FDA sample rows (tests/fixtures/faers)."""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path

import duckdb
import pytest

from il6analysis.errors import SourceError
from il6analysis.faers.extract import open_extract
from il6analysis.faers.ingest import add_quarter

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


def stored(store: Path, quarter: str, table: str) -> list[dict]:
    """The rows of one stored Parquet file of ``quarter``."""
    folder = json.loads((store / "catalog.json").read_text())["quarters"][quarter]["folder"]
    relation = duckdb.sql(f"SELECT * FROM '{store / folder / table}.parquet'")
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def lines_of(file: Path) -> int:
    return len(file.read_bytes().splitlines()) - 1


# --- the real samples --------------------------------------------------------


@pytest.mark.parametrize("sample, quarter, layout", [
    (HEAD25, "2026Q2", "faers"), (HEAD10, "2020Q3", "faers"), (SAMPLE17, "2017Q2", "faers"),
    (LEGACY04, "2004Q1", "laers"), (IL6_SUBSET, "2020Q3", "faers"),
])
def test_every_sample_is_stored_with_all_its_rows(tmp_path, sample, quarter, layout):
    entry = add_quarter(tmp_path / "store", sample)

    assert entry["quarter"] == quarter and entry["layout"] == layout
    for table in ("demo", "drug", "reac", "outc", "indi"):
        files = list(sample.rglob(f"{table.upper()}*.*")) or list(sample.rglob(f"{table.upper()}*"))
        if not files:  # the IL-6 subset has no INDI file: an empty table
            assert entry["rows"][table] == 0 and table not in entry["files"]
            continue
        assert entry["rows"][table] == lines_of(files[0]), table
        assert len(stored(tmp_path / "store", quarter, table)) == entry["rows"][table]


def test_2026q2_keys_sex_year_and_deletions(tmp_path):
    add_quarter(tmp_path / "s", HEAD25)

    demo = stored(tmp_path / "s", "2026Q2", "demo")[0]
    assert (demo["primaryid"], demo["caseid"], demo["caseversion"]) == (100140224, 10014022, 4)
    assert demo["report"] == 20262 * 10**12 + 100140224  # quarter code x 10^12 + primaryid
    assert demo["year"] == 2026 and demo["sex"] in ("F", "M", None)
    deleted = {row["caseid"] for row in stored(tmp_path / "s", "2026Q2", "deleted")}
    assert len(deleted) == 24 and {10172236, 14199588} <= deleted


def test_legacy_isr_case_and_gndr_cod_are_mapped(tmp_path):
    add_quarter(tmp_path / "s", LEGACY04)

    demo = stored(tmp_path / "s", "2004Q1", "demo")
    assert (demo[0]["primaryid"], demo[0]["caseid"]) == (4263742, 4061110)  # isr, case
    assert {row["sex"] for row in demo} <= {"F", "M", None}
    assert all(row["caseversion"] is None for row in demo)  # legacy AERS has no case version


def test_drug_names_and_terms_are_cleaned_once(tmp_path):
    add_quarter(tmp_path / "s", IL6_SUBSET)

    names = {(r["prod_ai"], r["drugname"]) for r in stored(tmp_path / "s", "2020Q3", "drug_names")}
    assert ("TOCILIZUMAB", "ACTEMRA") in names
    assert all(d is None or d == d.upper().strip() for _, d in names)
    terms = stored(tmp_path / "s", "2020Q3", "pt_names")
    assert all(t["pt_key"] == " ".join(t["pt"].lower().split()) for t in terms)


def test_a_zip_reads_like_the_folder(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")

    from_zip = add_quarter(tmp_path / "a", archive)
    from_folder = add_quarter(tmp_path / "b", HEAD25)

    assert from_zip["rows"] == from_folder["rows"] and from_zip["source"]["kind"] == "zip"
    assert stored(tmp_path / "a", "2026Q2", "reac") == stored(tmp_path / "b", "2026Q2", "reac")


def test_header_with_byte_order_mark_stray_spaces_and_upper_case(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    demo = sample / "DEMO20Q3-10.txt"
    lines = demo.read_bytes().decode("latin-1").splitlines()
    header = "\ufeff" + "$".join(f" {name.upper()} " for name in lines[0].split("$"))
    demo.write_bytes((header + "\n" + "\n".join(lines[1:]) + "\n").encode("utf-8"))

    add_quarter(tmp_path / "a", sample)
    add_quarter(tmp_path / "b", HEAD10)
    assert stored(tmp_path / "a", "2020Q3", "demo") == stored(tmp_path / "b", "2020Q3", "demo")


def test_crlf_and_lf_line_ends_read_alike(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    for file in sample.iterdir():
        file.write_bytes(file.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    add_quarter(tmp_path / "a", sample)
    add_quarter(tmp_path / "b", HEAD10)
    for table in ("demo", "drug", "reac"):
        assert stored(tmp_path / "a", "2020Q3", table) == stored(tmp_path / "b", "2020Q3", table)


# --- bad input: each a SourceError naming what was wrong and what is valid ----


def test_truncated_zip(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(SourceError, match=r"faers_ascii_2026q2\.zip: not a readable zip file, truncated or corrupt"):
        open_extract(archive)


def test_corrupt_zip_member(tmp_path):
    archive = zip_folder(HEAD25, tmp_path / "faers_ascii_2026q2.zip")
    with zipfile.ZipFile(archive) as opened:
        offset = opened.getinfo("ASCII/DEMO26Q2.txt").header_offset
    content = bytearray(archive.read_bytes())
    name_length, extra_length = struct.unpack_from("<HH", content, offset + 26)
    start = offset + 30 + name_length + extra_length
    content[start + 10: start + 40] = bytes(30)
    archive.write_bytes(bytes(content))

    with pytest.raises(SourceError, match=r"zip:ASCII/DEMO26Q2\.txt: cannot be decompressed"):
        add_quarter(tmp_path / "s", archive)


@pytest.mark.parametrize("table", ["DEMO", "DRUG", "REAC"])
def test_missing_table(tmp_path, table):
    sample = copy_sample(HEAD10, tmp_path)
    (sample / f"{table}20Q3-10.txt").unlink()

    with pytest.raises(SourceError, match=rf"no {table} file \(looked for {table}\*\.txt.*nothing was ingested"):
        open_extract(sample)


@pytest.mark.parametrize("table", ["DRUG", "REAC"])
def test_header_only_table(tmp_path, table):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / f"{table}20Q3-10.txt", lambda lines: lines[:1])

    with pytest.raises(SourceError, match=rf"{table}20Q3-10\.txt: header only, no {table} rows"):
        add_quarter(tmp_path / "s", sample)


def test_empty_file(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    (sample / "OUTC20Q3-10.txt").write_bytes(b"")

    with pytest.raises(SourceError, match=r"OUTC20Q3-10\.txt: the file is empty"):
        add_quarter(tmp_path / "s", sample)


def test_another_header_layout(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "REAC20Q3-10.txt", lambda lines: [lines[0].replace("primaryid", "report_id")] + lines[1:])

    with pytest.raises(SourceError, match=r"REAC20Q3-10\.txt: unknown header layout for REAC: no primaryid column "
                                          r"\(legacy AERS: isr, case\); the header has: report_id\$caseid"):
        add_quarter(tmp_path / "s", sample)


def test_too_many_fields(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "DRUG20Q3-10.txt", lambda lines: lines[:3] + [lines[3] + "$extra"] + lines[4:])

    with pytest.raises(SourceError, match=r"DRUG20Q3-10\.txt line 4: too many fields .*the header has 20 fields"):
        add_quarter(tmp_path / "s", sample)


def test_truncated_last_line(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    demo = sample / "ASCII" / "DEMO26Q2.txt"
    demo.write_bytes(demo.read_bytes()[:-60])

    with pytest.raises(SourceError, match=r"DEMO26Q2\.txt line 26: too few fields"):
        add_quarter(tmp_path / "s", sample)


def test_identifier_that_is_not_a_number(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    edit_lines(sample / "REAC20Q3-10.txt", lambda lines: lines[:2] + ["X12$" + lines[2].split("$", 1)[1]] + lines[3:])

    with pytest.raises(SourceError, match=r"REAC20Q3-10\.txt line 3: not a number where an identifier is expected"):
        add_quarter(tmp_path / "s", sample)


def test_two_files_for_one_table(tmp_path):
    sample = copy_sample(HEAD10, tmp_path)
    shutil.copy(sample / "REAC20Q3-10.txt", sample / "REAC20Q3-copy.txt")

    with pytest.raises(SourceError, match="several REAC files, cannot tell which to read"):
        open_extract(sample)


@pytest.mark.parametrize("name", ["DEMO20Q3-10.csv", "missing"])
def test_neither_zip_nor_folder(tmp_path, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_bytes(b"primaryid$caseid\n")

    with pytest.raises(SourceError, match="not a readable zip file|neither a zip file nor a folder"):
        open_extract(path)


def test_quarter_from_the_file_name_or_given(tmp_path):
    sample = copy_sample(HEAD10, tmp_path / "extract")
    (sample / "DEMO20Q3-10.txt").rename(sample / "DEMO_latest.txt")

    with pytest.raises(SourceError, match=r"cannot tell the quarter from DEMO_latest\.txt.*--quarter 2017Q2"):
        open_extract(sample)
    assert open_extract(sample, "2020Q3").quarter == "2020Q3"
    with pytest.raises(SourceError, match="'2020-3' is not a quarter label like 2017Q2"):
        open_extract(sample, "2020-3")


def test_deletion_line_that_is_not_a_caseid(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    deletions = sample / "Deleted" / "DELETE26Q2.txt"
    deletions.write_bytes(deletions.read_bytes() + b"not-a-case\n")

    with pytest.raises(SourceError, match=r"DELETE26Q2\.txt line 26: 'not-a-case' is not a caseid"):
        add_quarter(tmp_path / "s", sample)


def test_a_term_listed_twice_in_a_report_is_stored_once(tmp_path):
    sample = copy_sample(HEAD25, tmp_path)
    reac = next(sample.rglob("REAC*"))
    first = reac.read_bytes().decode("latin-1").splitlines()[1]
    primaryid, caseid, pt = first.split("$")[:3]
    edit_lines(reac, lambda lines: lines + [f"{primaryid}${caseid}$ {pt.upper()}  $"])  # same term, other spelling
    entry = add_quarter(tmp_path / "s", sample)

    assert entry["rows"]["reac"] == lines_of(reac) - 1  # the rows stored
    rows = stored(tmp_path / "s", "2026Q2", "reac")
    assert len(rows) == len({(r["report"], r["pt_id"]) for r in rows}) == lines_of(reac) - 1
