"""The data changelog: one Markdown entry per release of the curated tables, made from the change model.

An entry says, for each table, how many rows were added, removed and changed
against the release before (rows matched by the table's primary key), lists
those rows by key with the fields that changed, and names the schema's
differences (a table or column new in the release). The file keeps one entry
per release, newest first; writing an entry for a release that is already in
the file replaces it, so the entry can be regenerated.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.curated.changes import KINDS

TITLE = "# Changes to the curated data"
PREAMBLE = f"""{TITLE}

One entry per release of the curated tables (`il6analysis/curated/data/`), newest first: the rows each
table gained, lost and changed against the release before, each row matched by its table's primary key
(`key` in `il6 changes --json`). Written by `il6 data changelog`; `il6 changes OLD NEW` lists the same
changes field by field, with the source of both versions.
"""
ENTRY_PREFIX = "## "
SHORT = 40
"""Values up to this long are shown in the changelog; longer ones (notes, titles) only by their field name."""


def _value(value: object) -> str:
    return "(empty)" if pd.isna(value) else f"`{value}`"


def _field_text(change: pd.Series) -> str:
    """One changed field: ``status `A` -> `B``` for short values, the field's name for long ones."""
    old, new = change["old"], change["new"]
    if any(isinstance(v, str) and len(v) > SHORT for v in (old, new)):
        return str(change["field"])
    refined = " (refined)" if change["kind"] == "refined" else ""
    return f"{change['field']} {_value(old)} -> {_value(new)}{refined}"


def counts_by_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Return per table: ``rows added``, ``rows removed``, ``rows changed`` (distinct keys with a changed
    or refined field), ``fields changed`` and ``dates refined``; tables without a change are left out."""
    rows = []
    for domain, block in changes.groupby("domain", sort=True):
        kinds = block["kind"].astype("str")
        rows.append({"table": domain, "rows added": int((kinds == "added").sum()),
                     "rows removed": int((kinds == "removed").sum()),
                     "rows changed": block.loc[kinds.isin(["changed", "refined"]), "key"].nunique(),
                     "fields changed": int((kinds == "changed").sum()),
                     "dates refined": int((kinds == "refined").sum())})
    return pd.DataFrame(rows, columns=["table", "rows added", "rows removed", "rows changed", "fields changed",
                                       "dates refined"])


def _markdown_table(frame: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join(["---"] + ["---:"] * (frame.shape[1] - 1)) + "|"
    return [header, rule] + ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]


def _table_lines(block: pd.DataFrame, whole_table_added: bool) -> list[str]:
    """The rows of one table's changes, by key: added, removed, then changed with their fields."""
    kinds = block["kind"].astype("str")
    lines = []
    if whole_table_added:
        lines.append(f"- every row is new ({int((kinds == 'added').sum())} rows)")
    else:
        lines += [f"- added: `{key}`" for key in block.loc[kinds == "added", "key"]]
    lines += [f"- removed: `{key}`" for key in block.loc[kinds == "removed", "key"]]
    changed = block[kinds.isin(["changed", "refined"])]
    for key, fields in changed.groupby("key", sort=False):
        lines.append(f"- changed `{key}`: " + "; ".join(_field_text(row) for _, row in fields.iterrows()))
    return lines


def changelog_entry(changes: pd.DataFrame, notes: list[str], release: str, since: str) -> str:
    """Return the Markdown entry of ``release`` compared with ``since``: schema notes (from
    :func:`il6analysis.curated.releases.diff_releases`), counts per table, then each table's rows."""
    lines = [f"{ENTRY_PREFIX}{release}", "", f"Compared with {since}."]
    if notes:
        lines += ["", "Schema: " + "; ".join(notes) + "."]
    if changes.empty:
        lines += ["", "No row was added, removed or changed."]
        return "\n".join(lines) + "\n"
    total = {kind: int((changes["kind"].astype("str") == kind).sum()) for kind in KINDS}
    lines += ["", f"{total['added']} rows added, {total['removed']} removed, {total['changed']} fields changed and "
                  f"{total['refined']} dates refined:", ""]
    lines += _markdown_table(counts_by_table(changes))
    for domain, block in changes.groupby("domain", sort=True):
        lines += ["", f"### {domain}", ""]
        lines += _table_lines(block, f"table `{domain}` added ({len(block)} rows)" in notes)
    return "\n".join(lines) + "\n"


def updated_changelog(existing: str | None, entry: str) -> str:
    """Return the changelog text with ``entry`` as its newest entry: an entry of the same release (the same
    heading line) is replaced where it stands, else ``entry`` goes before every other entry."""
    text = existing if existing and existing.strip() else PREAMBLE
    first = text.find("\n" + ENTRY_PREFIX)
    preamble, body = (text, "") if first < 0 else (text[: first + 1], text[first + 1:])
    entries = [ENTRY_PREFIX + part for part in ("\n" + body).split("\n" + ENTRY_PREFIX)[1:]]
    heading = entry.splitlines()[0]
    if any(e.splitlines()[0] == heading for e in entries):
        replaced = [entry if e.splitlines()[0] == heading else e for e in entries]
    else:
        replaced = [entry, *entries]
    return preamble.rstrip("\n") + "\n\n" + "\n".join(e.rstrip("\n") + "\n" for e in replaced)
