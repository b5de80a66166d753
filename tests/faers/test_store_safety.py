"""A FAERS store that cannot be emptied or misread: a lost catalog, a renamed folder, damaged files, a CR inside
a field, an unnamed quarter, a re-added quarter and the ingest progress, each on a small store."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.cli.store import IngestProgress
from il6analysis.errors import StoreDamaged, StoreError
from il6analysis.faers import integrity, normalise, signals
from il6analysis.faers.ingest import add_quarter, rebuild_catalog

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
HAND_MADE = DATA / "hand_made_2099q1"
HEAD10 = DATA / "faers_2020q3_head10"


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def catalog(store: Path) -> dict:
    return json.loads((store / "catalog.json").read_text())


@pytest.fixture
def store(tmp_path) -> Path:
    """The hand-made quarter 2099Q1 and the ten-report sample of 2020Q3."""
    add_quarter(tmp_path / "store", HAND_MADE)
    add_quarter(tmp_path / "store", HEAD10)
    return tmp_path / "store"


def test_quarter_data_without_a_catalog_is_refused_everywhere_never_emptied_and_can_be_rebuilt(store):
    before = signals.disproportionality(store, min_cases=1)
    written = catalog(store)
    (store / "catalog.json").unlink()
    kept = tree(store)
    for args in (["refresh", "faers", str(HAND_MADE), "--db", str(store)], ["signals", "--db", str(store)]):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "holds FAERS quarter data (2 folder(s) in parts/) but no catalog.json" in result.output
        assert f"il6 store rebuild-catalog --db {store}" in result.output and "move parts/ away" in result.output
        assert "Traceback" not in result.output
    assert tree(store) == kept
    rebuilt = cli("store", "rebuild-catalog", "--db", str(store))
    assert rebuilt.exit_code == 0 and "catalog rebuilt with 2 quarter(s): 2020Q3, 2099Q1" in rebuilt.output
    assert {q: e["checksums"] for q, e in catalog(store)["quarters"].items()} == \
        {q: e["checksums"] for q, e in written["quarters"].items()}
    assert signals.disproportionality(store, min_cases=1).equals(before)


def test_a_renamed_quarter_folder_is_refused_before_any_write_and_nothing_is_deleted(store):
    folder = store / catalog(store)["quarters"]["2099Q1"]["folder"]
    folder.rename(store / "parts" / "renamed-by-hand")
    kept = tree(store)
    added = cli("refresh", "faers", str(HEAD10), "--db", str(store))
    assert added.exit_code == 1, added.output
    assert f"names {folder.relative_to(store).as_posix()} (quarter 2099Q1), which is not there" in added.output
    assert "il6 store rebuild-catalog" in added.output and "nothing was changed" in added.output
    assert tree(store) == kept
    read = cli("signals", "--db", str(store))
    assert read.exit_code == 1 and "quarter 2099Q1: its folder" in read.output
    assert "re-add quarter 2099Q1" in read.output
    assert "Traceback" not in read.output
    assert rebuild_catalog(store) == {"quarters": ["2020Q3", "2099Q1"], "left_out": {}}  # its quarter from its data
    assert catalog(store)["quarters"]["2099Q1"]["folder"] == "parts/renamed-by-hand"
    assert cli("refresh", "faers", str(HEAD10), "--db", str(store)).exit_code == 0


def _flip(file: Path, at: int) -> None:
    data = bytearray(file.read_bytes())
    data[at] ^= 0xFF
    file.write_bytes(bytes(data))


def test_a_damaged_or_missing_file_names_its_quarter_and_says_to_re_add_it(store):
    part = store / catalog(store)["quarters"]["2020Q3"]["folder"]
    _flip(part / "reac.parquet", (part / "reac.parquet").stat().st_size // 2)
    for args in (["signals", "--db", str(store)], ["store", "check", "--db", str(store)]):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert "quarter 2020Q3: " in result.output and "reac.parquet is not the file that was written" in result.output
        assert "re-add quarter 2020Q3 with `il6 refresh faers PATH" in result.output and "2099Q1" not in result.output
        assert "Traceback" not in result.output
    (part / "demo.parquet").unlink()
    with pytest.raises(StoreDamaged, match=r"quarter 2020Q3: parts/2020Q3-\w+/demo\.parquet is missing"):
        signals.disproportionality(store)
    # re-adding the quarter repairs the store
    assert cli("refresh", "faers", str(HEAD10), "--db", str(store)).exit_code == 0
    checked = cli("store", "check", "--db", str(store))
    assert checked.exit_code == 0 and "2 quarter(s), 18 files, each as it was written" in checked.output


def test_opening_checks_sizes_and_footers_and_the_full_check_reads_every_byte(store, monkeypatch):
    monkeypatch.setattr(integrity, "TAIL", 16)  # a file longer than the cheap check's reach
    rebuild_catalog(store)  # the footer checksums of that reach
    part = store / catalog(store)["quarters"]["2099Q1"]["folder"]
    _flip(part / "drug_names.parquet", 40)
    assert integrity.problems(store, catalog(store)) == []  # the cheap check does not read that far
    found = integrity.problems(store, catalog(store), full=True)
    assert [(p.quarter, p.text.split(" is ")[0].rsplit("/", 1)[1]) for p in found] == [("2099Q1", "drug_names.parquet")]
    with (part / "drug_names.parquet").open("ab") as grown:
        grown.write(b"\0")
    size = (part / "drug_names.parquet").stat().st_size
    assert f"has {size} bytes, {size - 1} were written" in integrity.problems(store, catalog(store))[0].text


def test_a_store_of_the_previous_format_is_refused_with_the_way_to_ingest_again(store):
    written = catalog(store)
    (store / "catalog.json").write_text(json.dumps({**written, "format_version": written["format_version"] - 1}))
    with pytest.raises(StoreError, match="ingest the quarterly files again into a new folder"):
        signals.database_info(store)


def _with_lone_cr(folder: Path, line_end: bytes) -> Path:
    folder.mkdir()
    for file in HEAD10.iterdir():
        lines = file.read_bytes().replace(b"\r\n", b"\n").split(b"\n")
        if file.name.startswith("REAC"):
            fields = lines[1].split(b"$")
            fields[2] = fields[2][:3] + b"\r" + fields[2][3:]
            lines[1] = b"$".join(fields)
        (folder / file.name).write_bytes(line_end.join(lines))
    return folder


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
@pytest.mark.parametrize("packed", [False, True])
def test_a_cr_inside_a_field_is_data(tmp_path, line_end, packed):
    folder = _with_lone_cr(tmp_path / "q", line_end)
    plain = add_quarter(tmp_path / "plain", HEAD10)
    source = folder
    if packed:
        source = tmp_path / "q.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for file in folder.iterdir():
                archive.write(file, f"ASCII/{file.name}")
    entry = add_quarter(tmp_path / "store", source)
    assert entry["files"]["reac"]["lone_cr"] == 1 and entry["rows"] == plain["rows"]
    reac = HEAD10 / next(f.name for f in HEAD10.iterdir() if f.name.startswith("REAC"))
    term = reac.read_bytes().splitlines()[1].split(b"$")[2].decode()
    stored = duckdb.sql(f"SELECT pt FROM read_parquet('{tmp_path / 'store'}/parts/*/pt_names.parquet')").fetchall()
    assert (term[:3] + " " + term[3:]) in {row[0] for row in stored}  # the CR is whitespace, like a space


def test_the_quarter_option_names_an_extract_whose_file_names_do_not_show_it(tmp_path):
    folder = Path(shutil.copytree(HEAD10, tmp_path / "latest"))
    demo = next(f for f in folder.iterdir() if f.name.startswith("DEMO"))
    demo.rename(folder / "DEMO_latest.txt")
    refused = cli("refresh", "faers", str(folder), "--db", str(tmp_path / "store"))
    assert refused.exit_code == 1 and "give the quarter with --quarter, e.g. --quarter 2017Q2" in refused.output
    added = cli("refresh", "faers", str(folder), "--quarter", "2020Q3", "--db", str(tmp_path / "store"))
    assert added.exit_code == 0 and "added 2020Q3" in added.output, added.output
    two = cli("refresh", "faers", str(folder), str(HEAD10), "--quarter", "2020Q3", "--db", str(tmp_path / "store"))
    assert two.exit_code == 2 and "names one extract, and 2 were given" in two.output


def test_re_adding_a_quarter_says_it_replaced_one(tmp_path):
    first = add_quarter(tmp_path / "store", HEAD10)
    assert first["replaced"] is None
    again = add_quarter(tmp_path / "store", HEAD10)
    assert again["replaced"] == {"quarter": "2020Q3", "folder": first["folder"], "ingested_at": first["ingested_at"]}
    assert "replaced" not in catalog(tmp_path / "store")["quarters"]["2020Q3"]
    shown = cli("refresh", "faers", str(HEAD10), "--db", str(tmp_path / "store"))
    assert shown.exit_code == 0 and f"replaced 2020Q3 (added {again['ingested_at']}) in" in shown.output


def test_ingest_reports_its_progress_in_bytes_and_duckdb_draws_no_bar(tmp_path, monkeypatch):
    settings = []
    original = normalise._polling

    def checking(con, share_done):
        settings.append(con.execute("SELECT current_setting('enable_progress_bar_print'), "
                                    "current_setting('enable_progress_bar')").fetchone())
        return original(con, share_done)

    monkeypatch.setattr(normalise, "_polling", checking)
    seen = []
    add_quarter(tmp_path / "store", HEAD10, reading=lambda done, total: seen.append((done, total)))
    tables = ("DEMO", "DRUG", "REAC", "OUTC", "INDI", "THER")
    total = sum(f.stat().st_size for f in HEAD10.iterdir() if f.name.upper().startswith(tables))
    assert seen[-1] == (total, total) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert set(settings) == {(False, True)}  # progress tracked for the bar, never drawn by DuckDB itself
    console_text = io.StringIO()
    with IngestProgress(Console(file=console_text, force_terminal=True, width=120)) as shown:
        shown.quarter(0, 1, str(HEAD10))
        shown.reading(total // 2, total)
    assert f"reading 1/1: {HEAD10.name}" in console_text.getvalue() and "time left" in console_text.getvalue()


def test_quarter_data_the_catalog_does_not_name_is_refused_not_removed(store):
    written = catalog(store)
    (store / "catalog.json").write_text(json.dumps({**written, "quarters": {"2020Q3": written["quarters"]["2020Q3"]}}))
    kept = tree(store)
    added = cli("refresh", "faers", str(HEAD10), "--db", str(store))
    assert added.exit_code == 1, added.output
    stray = written["quarters"]["2099Q1"]["folder"]
    assert f"holds {stray}, quarter data that catalog.json does not name" in added.output
    assert "il6 store rebuild-catalog" in added.output and tree(store) == kept
    assert rebuild_catalog(store)["quarters"] == ["2020Q3", "2099Q1"]


def test_a_copy_left_by_an_interrupted_replace_is_removed_by_the_next_add(store):
    old = store / catalog(store)["quarters"]["2020Q3"]["folder"]
    copy = store / "parts" / "2020Q3-leftover"
    shutil.copytree(old, copy)
    assert add_quarter(store, HAND_MADE)["replaced"]["quarter"] == "2099Q1"
    assert not copy.exists() and old.is_dir()
