"""The data changelog, generated from a crafted pair of releases."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from il6analysis.analysis.changelog import PREAMBLE, changelog_entry, updated_changelog
from il6analysis.cli.app import app
from il6analysis.curated.changes import changes_frame
from il6analysis.curated.identity import dataset_info
from il6analysis.curated.loaders import load_table

runner = CliRunner()


def test_changelog_entry_of_a_crafted_release_pair(data_copy, edit, tmp_path):
    edit(data_copy, "agents", lambda f: f.assign(originator=f["originator"].where(f.index != 0, "Later Pharma")))
    older = tmp_path / "older"
    shutil.copytree(data_copy, older)
    (older / "targets.csv").unlink()
    edit(older, "warnings", lambda f: f.iloc[1:])
    edit(older, "agents", lambda f: f.assign(originator=f["originator"].where(f.index != 0, "Earlier Pharma")))
    warning, agent = load_table("warnings", data_copy).iloc[0], load_table("agents", data_copy).iloc[0]
    n_targets = len(load_table("targets", data_copy))
    changelog = tmp_path / "CHANGELOG-data.md"
    args = ["data", "changelog", str(older), str(data_copy), "--file", str(changelog), "--since", "the first release"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = changelog.read_text()
    release = dataset_info(data_copy)["curated_on"]
    assert text.startswith(PREAMBLE) and f"\n## {release}\n\nCompared with the first release.\n" in text
    assert f"Schema: table `targets` added ({n_targets} rows)." in text
    assert f"{n_targets + 1} rows added, 0 removed, 1 fields changed and 0 dates refined:" in text
    assert "| warnings | 1 | 0 | 0 | 0 | 0 |" in text and "| agents | 0 | 0 | 1 | 1 | 0 |" in text
    assert f"- added: `{warning['agent_id']} | {warning['warning_id']}`" in text
    assert f"- changed `{agent['agent_id']}`: originator `Earlier Pharma` -> `Later Pharma`" in text
    assert f"- every row is new ({n_targets} rows)" in text

    again = runner.invoke(app, args[:-1] + ["the release before"])
    assert again.exit_code == 0
    regenerated = changelog.read_text()
    assert regenerated.count(f"## {release}\n") == 1 and "Compared with the release before." in regenerated
    nothing = runner.invoke(app, ["data", "changelog", str(data_copy), str(data_copy), "--file", str(changelog),
                                  "--release", "9999-01-01"])
    assert nothing.exit_code == 0
    final = changelog.read_text()
    assert final.index("## 9999-01-01") < final.index(f"## {release}")
    assert "No row was added, removed or changed." in final


def test_changelog_needs_a_release_name_and_a_writable_file(data_copy, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(data_copy, bare)
    (bare / "DATASET.toml").unlink()
    result = runner.invoke(app, ["data", "changelog", str(data_copy), str(bare), "--file", str(tmp_path / "c.md")])
    assert result.exit_code == 2 and "--release" in result.stderr and not (tmp_path / "c.md").exists()
    missing = runner.invoke(app, ["data", "changelog", str(data_copy), str(data_copy), "--file",
                                  str(tmp_path / "no" / "c.md")])
    assert missing.exit_code == 2 and "existing folder" in missing.stderr


def test_entries_are_replaced_by_heading_and_added_newest_first():
    empty = changes_frame([])
    first = changelog_entry(empty, [], "r1", "r0")
    text = updated_changelog(updated_changelog(None, first), changelog_entry(empty, [], "r2", "r1"))
    assert text.index("## r2") < text.index("## r1")
    redone = updated_changelog(text, changelog_entry(empty, ["table `x` added (0 rows)"], "r1", "r0"))
    assert redone.count("## r1") == 1 and "Schema: table `x` added (0 rows)." in redone
    assert redone.index("## r2") < redone.index("## r1")
    assert updated_changelog(redone, changelog_entry(empty, [], "r2", "r1")) == redone  # the same entry again
