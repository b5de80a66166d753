"""The FAERS store: idempotent adds, atomic replacement, and faults that must leave it byte-identical."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from il6analysis.cli.app import app
from il6analysis.errors import CannotWrite, OutputLocked, SourceError, StoreError
from il6analysis.faers import ingest
from il6analysis.faers.ingest import add_quarter, add_quarters
from il6analysis.faers.store import FORMAT_VERSION

DATA = Path(__file__).parent.parent / "fixtures" / "faers"
HEAD10 = DATA / "faers_2020q3_head10"
SAMPLE17 = DATA / "faers_2017q2_sample100"
LEGACY04 = DATA / "aers_2004q1_sample100"


def tree(path: Path) -> dict[str, bytes]:
    """Every file below ``path`` (the lock file aside) -> its bytes."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file() and f.name != ".lock"}


def catalog(store: Path) -> dict:
    return json.loads((store / "catalog.json").read_text())


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "store"
    add_quarters(path, [LEGACY04, SAMPLE17])
    return path


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_catalog_names_each_quarter_and_its_files(store):
    found = catalog(store)
    assert found["format_version"] == FORMAT_VERSION and sorted(found["quarters"]) == ["2004Q1", "2017Q2"]
    for quarter, entry in found["quarters"].items():
        folder = store / entry["folder"]
        assert folder.parent.name == "parts" and folder.name.startswith(quarter)
        rows = duckdb.sql(f"SELECT count(*) FROM '{folder}/demo.parquet'").fetchall()[0][0]
        assert rows == entry["rows"]["demo"] == 100


def test_adding_a_quarter_twice_is_idempotent(store):
    before = catalog(store)
    add_quarter(store, SAMPLE17)
    after = catalog(store)
    assert sorted(after["quarters"]) == sorted(before["quarters"])
    assert after["quarters"]["2017Q2"]["rows"] == before["quarters"]["2017Q2"]["rows"]
    assert len(list((store / "parts").iterdir())) == 2  # the replaced folder is gone
    assert not list(store.glob(".staging-*")) and not list(store.glob(".catalog.json.*"))


def test_readding_a_quarter_replaces_it(store):
    old = store / catalog(store)["quarters"]["2017Q2"]["folder"]
    entry = add_quarter(store, HEAD10, quarter="2017Q2")
    assert entry["rows"]["demo"] == 10 and catalog(store)["quarters"]["2017Q2"]["rows"]["demo"] == 10
    assert not old.exists()


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   duckdb.IOException("IO Error: could not write file: No space left on device")])
def test_full_disk_while_writing_a_quarter_leaves_the_store_byte_identical(store, monkeypatch, error):
    before = tree(store)
    real = ingest.write_tables

    def filling(extract, folder, **options):
        real(extract, folder, **options)  # the quarter's files are written, then the disk fills
        raise error

    monkeypatch.setattr(ingest, "write_tables", filling)
    with pytest.raises(CannotWrite, match=r"cannot write the FAERS store .*store: .*No space left on device; "
                                          r"the store is unchanged"):
        add_quarter(store, HEAD10, quarter="2017Q2")
    assert tree(store) == before


def test_full_disk_while_replacing_the_catalog_leaves_the_store_byte_identical(store, monkeypatch):
    before = tree(store)
    real = os.replace

    def refusing(source, target):
        if str(target).endswith("catalog.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(ingest.os, "replace", refusing)
    with pytest.raises(CannotWrite, match="No space left on device; the store is unchanged"):
        add_quarter(store, HEAD10, quarter="2017Q2")
    assert tree(store) == before


def test_bad_quarter_leaves_the_store_byte_identical(store, tmp_path):
    before = tree(store)
    broken = tmp_path / "broken"
    broken.mkdir()
    for file in HEAD10.iterdir():
        (broken / file.name).write_bytes(file.read_bytes())
    (broken / "REAC20Q3-10.txt").write_bytes((HEAD10 / "REAC20Q3-10.txt").read_bytes() + b"1$2$3$4$5$6\n")
    with pytest.raises(SourceError, match=r"REAC20Q3-10\.txt line 12: too many fields"):
        add_quarters(store, [HEAD10, broken])
    assert sorted(catalog(store)["quarters"]) == ["2004Q1", "2017Q2", "2020Q3"]  # the good one was added
    assert tree(store)["catalog.json"] != before["catalog.json"]


def test_a_killed_add_leaves_the_previous_store_and_the_next_add_cleans_up(store):
    before = tree(store)
    script = (
        "import os, sys\n"
        "from il6analysis.faers import ingest\n"
        "real = ingest.write_tables\n"
        "def dying(extract, folder, **options):\n"
        "    real(extract, folder, **options)\n"
        "    os._exit(9)\n"
        "ingest.write_tables = dying\n"
        f"ingest.add_quarter({str(store)!r}, {str(HEAD10)!r}, quarter='2017Q2')\n"
    )
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert list(store.glob(".staging-*"))  # the dead process's files are there, but no catalog names them
    assert catalog(store) == json.loads(before["catalog.json"])
    add_quarter(store, HEAD10)
    assert not list(store.glob(".staging-*")) and sorted(catalog(store)["quarters"]) == ["2004Q1", "2017Q2", "2020Q3"]


def test_a_second_writer_is_refused_while_one_adds(store):
    with open(store / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(OutputLocked, match="another `il6 refresh faers` is adding a quarter; try again later"):
            add_quarter(store, HEAD10)


def test_read_only_store_is_a_clear_error(tmp_path, monkeypatch):
    def refused(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    result = cli("refresh", "faers", str(HEAD10), "--db", str(tmp_path / "ro" / "store"))
    assert result.exit_code == 73, result.output
    assert "error: cannot write the FAERS store" in result.output and "Read-only file system" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(CannotWrite):
        add_quarter(tmp_path / "ro" / "store", HEAD10)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_really(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = cli("refresh", "faers", str(HEAD10), "--db", str(folder / "store"))
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 73 and "the store is unchanged" in result.output


def test_a_store_of_the_earlier_single_file_format_is_refused_and_kept(tmp_path):
    old = tmp_path / "faers.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE TABLE ingest_info (quarters VARCHAR)")
    content = old.read_bytes()
    for args in (["refresh", "faers", str(HEAD10), "--db", str(old)], ["signals", "--db", str(old)]):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "error:" in result.output and "il6 refresh faers PATH" in result.output
    with pytest.raises(StoreError, match="earlier single-file format"):
        add_quarter(old, HEAD10)
    assert old.read_bytes() == content


def test_a_store_of_another_format_version_is_refused_and_kept(store):
    entry = catalog(store)
    (store / "catalog.json").write_text(json.dumps({**entry, "format_version": FORMAT_VERSION - 1}))
    before = tree(store)
    with pytest.raises(StoreError, match=f"format version {FORMAT_VERSION - 1}, this version reads and writes "
                                         f"version {FORMAT_VERSION}; ingest the quarterly files again"):
        add_quarter(store, HEAD10)
    result = cli("signals", "--db", str(store))
    assert result.exit_code == 2 and f"format version {FORMAT_VERSION - 1}" in result.output
    assert "ingest the quarterly files again" in result.output
    assert tree(store) == before


@pytest.mark.parametrize("make", ["file", "folder"])
def test_db_that_is_not_a_store(tmp_path, make):
    target = tmp_path / "notes"
    if make == "file":
        target.write_text("my notes\n")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("my notes\n")
    before = target.read_bytes() if make == "file" else tree(target)
    for args in (["refresh", "faers", str(HEAD10), "--db", str(target)], ["signals", "--db", str(target)]):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "not a FAERS store" in result.output and "Traceback" not in result.output
    assert (target.read_bytes() if make == "file" else tree(target)) == before


@pytest.mark.parametrize("edit, message", [
    (lambda folder: (folder / "DRUG20Q3-10.txt").unlink(), "no DRUG file"),
    (lambda folder: (folder / "REAC20Q3-10.txt").write_text("primaryid$caseid$pt$drug_rec_act\n"), "header only"),
])
def test_cli_refuses_a_quarter_that_would_count_reports_as_unexposed(tmp_path, edit, message):
    folder = tmp_path / "q"
    folder.mkdir()
    for file in HEAD10.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    edit(folder)
    result = cli("refresh", "faers", str(folder), "--db", str(tmp_path / "store"))
    assert result.exit_code == 1 and f"error: {folder}" in result.output and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "store" / "catalog.json").exists()


def test_cli_adds_quarters_with_progress(tmp_path):
    result = cli("refresh", "faers", str(LEGACY04), str(SAMPLE17), "--db", str(tmp_path / "store"))
    assert result.exit_code == 0, result.output
    assert "reading 1/2" in result.output and "reading 2/2" in result.output
    assert "added 2004Q1" in result.output and "added 2017Q2" in result.output and "100 reports" in result.output
