"""The history of each openFDA label, version by version, and what changed between two versions, sentence by sentence.

Every ``il6 refresh labels`` appends one snapshot to ``<refreshed>/history/labels/``
(:mod:`il6analysis.sources.history`). For each label version it saw (openFDA's
``set_id`` and ``version``, with ``effective_time``) that the history does not
hold yet, the snapshot has one row per section (:data:`SECTIONS`); for a
version already held, a single row without a section records that the refresh
saw it again. The text of a version is thus stored once, and successive
refreshes build up each label's history: any two versions held can be compared
(:func:`diff_label`), and so can the labels two refreshes saw (:func:`labels_history_changes`).

A section that differs between two versions gives the sentences
(:func:`split_sentences`) removed from the old text and added in the new one,
found with :class:`difflib.SequenceMatcher`; a reworded sentence is removed
and added. Label text is data: whoever displays it must escape it.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from il6analysis.curated.changes import changes_frame, concat_changes
from il6analysis.curated.matching import closest
from il6analysis.curated.names import agents_in_text
from il6analysis.errors import UnknownNameError, UsageError
from il6analysis.sources import history
from il6analysis.sources.openfda import LABEL_SECTIONS, label_url

DOMAIN = "labels"
SECTIONS = LABEL_SECTIONS
"""Sections kept and compared: boxed warning, indications and usage, dosage and administration,
warnings and precautions (``warnings`` in older labels) and adverse reactions."""
SNAPSHOT_COLUMNS = ["set_id", "version", "effective_time", "agent_id", "brand", "section", "text"]
VERSION_COLUMNS = ["set_id", "version", "effective_time", "agent_id", "brand", "sections", "first_seen", "last_seen"]

# --- sentences ---------------------------------------------------------------------

ABBREVIATIONS = frozenset({
    "e.g", "i.e", "etc", "vs", "approx", "ca", "cf", "al", "fig", "figs", "ref", "dr", "mr", "ms",
    "inc", "ltd", "co", "corp", "st", "min", "max", "vol", "pt", "pts", "resp",
})
"""Words (lower case, without the final period) whose period does not end a sentence."""

_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u2022])")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")


def _ends_sentence(before: str) -> bool:
    """True when the period, ``!`` or ``?`` that ends ``before`` ends a sentence."""
    if not before.endswith("."):
        return True
    word = before.rsplit(None, 1)[-1].lstrip("(\"'[")
    bare = word[:-1].lower()
    return bare not in ABBREVIATIONS and not _INITIALS.fullmatch(word[:-1])


def split_sentences(text: str | None) -> list[str]:
    """Return the sentences of ``text``, each with its whitespace collapsed to single spaces.

    A line break always ends a sentence (openFDA joins a section's paragraphs
    with them). Within a line a sentence ends at ``.``, ``!`` or ``?`` (with any
    closing quote or bracket) followed by white space and a capital letter, a
    digit, a bullet or an opening quote or bracket, except after an
    abbreviation in :data:`ABBREVIATIONS` (``e.g.``, ``vs.``) or initials
    (``U.S.``). A decimal (``1.3%``) or a section number (``5.1``) has no space
    after its period and never splits.

    Returns:
        The sentences in order; ``[]`` for empty or missing text.
    """
    sentences: list[str] = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        start = 0
        for match in _BOUNDARY.finditer(line):
            if _ends_sentence(line[start:match.start()]):
                sentences.append(line[start:match.start()] + match.group().strip())
                start = match.end()
        sentences.append(line[start:])
    return [sentence for sentence in sentences if sentence]


def section_changes(old: dict[str, str], new: dict[str, str]) -> list[tuple[str, list[str], list[str]]]:
    """Compare two versions of a label section by section, sentence by sentence.

    Args:
        old, new: section name -> text, for the sections each version has.

    Returns:
        One ``(section, removed, added)`` per run of differing sentences, in
        :data:`SECTIONS` order and text order: the sentences of the old text
        that the new one no longer has, and those it has instead (either list
        may be empty). A section only one version has is one run of all its
        sentences. ``[]`` when nothing differs.
    """
    changes: list[tuple[str, list[str], list[str]]] = []
    for section in sorted(set(old) | set(new), key=_section_order):
        before, after = split_sentences(old.get(section)), split_sentences(new.get(section))
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        changes += [(section, before[i1:i2], after[j1:j2])
                    for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    return changes


def _section_order(section: str) -> tuple[int, str]:
    return (SECTIONS.index(section) if section in SECTIONS else len(SECTIONS), section)


# --- snapshots ---------------------------------------------------------------------


def _one_agent_per_label(labels: pd.DataFrame) -> pd.DataFrame:
    """Keep one agent per label: the one its brand names (a biosimilar's label found by the
    reference product's search belongs to the biosimilar), else the first that found it."""
    named = [isinstance(brand, str) and agent in agents_in_text(brand)
             for agent, brand in zip(labels["agent_id"], labels["brand"])]
    ranked = labels.assign(_named=named).sort_values("_named", ascending=False, kind="stable")
    owner = ranked.drop_duplicates("set_id").set_index("set_id")["agent_id"]
    mine = labels[labels["agent_id"] == labels["set_id"].map(owner)]
    return mine.drop_duplicates(["set_id", "version", "section"], ignore_index=True)


def snapshot_rows(labels: pd.DataFrame, held: pd.DataFrame) -> pd.DataFrame:
    """Return the rows a labels refresh adds to the history.

    Args:
        labels: parsed labels (:func:`il6analysis.sources.openfda.parse_labels`
            of every agent, concatenated; a label found for several agents is
            kept once).
        held: what the history holds (:func:`held_rows`).

    Returns:
        :data:`SNAPSHOT_COLUMNS`: the section rows of each version not held yet,
        and one row with ``section`` and ``text`` missing for each version held already.
    """
    labels = _one_agent_per_label(labels)
    known = set(zip(held["set_id"], held["version"].fillna("")))
    is_new = pd.Series([key not in known for key in zip(labels["set_id"], labels["version"].fillna(""))],
                       index=labels.index, dtype=bool)
    seen_again = labels[~is_new].drop_duplicates(["set_id", "version"]).assign(section=None, text=None)
    rows = pd.concat([labels[is_new], seen_again], ignore_index=True)
    return rows[SNAPSHOT_COLUMNS].astype({"section": "str", "text": "str"})


def held_rows(folder: str | Path) -> pd.DataFrame:
    """Return every row of every labels snapshot of refreshed folder ``folder``, with its ``stamp``.

    Returns:
        :data:`SNAPSHOT_COLUMNS` plus ``stamp``, oldest snapshot first (no rows,
        same columns, when there is no history).
    """
    frames = [history.load_snapshot(folder, DOMAIN, stamp).assign(stamp=stamp)
              for stamp in history.stamps(folder, DOMAIN)]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype="str") for column in [*SNAPSHOT_COLUMNS, "stamp"]})
    return pd.concat(frames, ignore_index=True)


def _version_order(version: object) -> tuple[int, int, str]:
    text = "" if pd.isna(version) else str(version)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def label_versions(folder: str | Path, set_id: str | None = None) -> pd.DataFrame:
    """Return the label versions held in the history of refreshed folder ``folder``.

    Args:
        set_id: only this label's versions (default: every label).

    Returns:
        One row per label version, by label then version: :data:`VERSION_COLUMNS`
        (``sections`` the sections held, comma-separated; ``first_seen`` and
        ``last_seen`` the stamps of the first and last refresh that saw it).

    Raises:
        UnknownNameError: ``set_id`` is given and the history holds no version
            of it (the closest set IDs held are suggested).
    """
    rows = held_rows(folder)
    if set_id is not None:
        _check_label(rows, set_id)
        rows = rows[rows["set_id"] == set_id]
    keys = ["set_id", "version"]
    texts = rows.dropna(subset=["section"])
    sections = texts.groupby(keys, dropna=False)["section"].agg(lambda s: ", ".join(sorted(s, key=_section_order)))
    seen = rows.groupby(keys, dropna=False)["stamp"].agg(["min", "max"]).set_axis(["first_seen", "last_seen"], axis=1)
    first = rows.drop_duplicates(keys).set_index(keys)[["effective_time", "agent_id", "brand"]]
    versions = first.join(sections.rename("sections")).join(seen).reset_index()
    order = sorted(range(len(versions)),
                   key=lambda i: (versions["set_id"].iat[i], _version_order(versions["version"].iat[i])))
    return versions.iloc[order][VERSION_COLUMNS].reset_index(drop=True)


def _check_label(rows: pd.DataFrame, set_id: str) -> None:
    if set_id not in set(rows["set_id"]):
        raise UnknownNameError("label set_id", set_id, closest(set_id, sorted(set(rows["set_id"]))),
                               "the history holds no label yet: run `il6 refresh labels` first")


def version_sections(folder: str | Path, set_id: str, version: str) -> dict[str, str]:
    """Return section -> text of version ``version`` of label ``set_id``, as the history holds it.

    Raises:
        UnknownNameError: no version of ``set_id`` is held.
        UsageError: ``version`` is not held (the message lists the versions that are).
    """
    rows = held_rows(folder)
    _check_label(rows, set_id)
    mine = rows[rows["set_id"] == set_id]
    if version not in set(mine["version"]):
        raise UsageError(f"label {set_id} has no version {version!r} in the history; held: {_held_text(mine)}")
    texts = mine[(mine["version"] == version)].dropna(subset=["section"])
    return dict(zip(texts["section"], texts["text"]))


def _held_text(rows: pd.DataFrame) -> str:
    return ", ".join(sorted(set(rows["version"].dropna()), key=_version_order))


def compared_versions(folder: str | Path, set_id: str, old: str | None = None,
                      new: str | None = None) -> tuple[str, str]:
    """Return the two versions of label ``set_id`` to compare: ``new`` (default the latest
    held) and ``old`` (default the one held before ``new``).

    Raises:
        UnknownNameError: no version of ``set_id`` is held.
        UsageError: ``new`` is not held, or no version is held before it.
    """
    versions = [v for v in label_versions(folder, set_id)["version"] if not pd.isna(v)]
    new = versions[-1] if new is None else new
    if new not in versions:
        raise UsageError(f"label {set_id} has no version {new!r} in the history; held: {', '.join(versions)}")
    if old is None:
        earlier = versions[: versions.index(new)]
        if not earlier:
            raise UsageError(f"label {set_id} has no version held before {new!r} to compare with "
                             f"(held: {', '.join(versions)}); give --from, or refresh again once the label changes")
        old = earlier[-1]
    return old, new


def diff_label(folder: str | Path, set_id: str, old: str | None = None, new: str | None = None) -> pd.DataFrame:
    """Compare two versions of label ``set_id`` held in the history, section by section.

    Args:
        folder: the refreshed data folder.
        set_id: the label.
        old, new: the versions (default: :func:`compared_versions`).

    Returns:
        Rows of the change model (:mod:`il6analysis.curated.changes`), one per
        run of differing sentences (:func:`section_changes`): domain ``labels``,
        key the label's ``set_id``, field the section, kind ``changed``,
        ``old`` the removed and ``new`` the added sentences, one per line
        (missing when there are none), sources the openFDA queries of the two
        versions (:func:`~il6analysis.sources.openfda.label_url`); no rows when
        the texts agree.

    Raises:
        UnknownNameError: no version of ``set_id`` is held.
        UsageError: a version is not held, or no version is held before
            ``new``, so there is nothing to compare with.
    """
    old, new = compared_versions(folder, set_id, old, new)
    before, after = version_sections(folder, set_id, old), version_sections(folder, set_id, new)
    rows = [{"domain": DOMAIN, "key": set_id, "field": section, "kind": "changed",
             "old": "\n".join(removed) or None, "new": "\n".join(added) or None,
             "old_source": label_url(set_id, old), "new_source": label_url(set_id, new)}
            for section, removed, added in section_changes(before, after)]
    return changes_frame(rows)


def _seen_in(rows: pd.DataFrame, stamp: str) -> dict[str, str]:
    """Label -> the latest version a snapshot saw."""
    seen = rows[(rows["stamp"] == stamp) & rows["version"].notna()]
    return {set_id: max(versions, key=_version_order) for set_id, versions in seen.groupby("set_id")["version"]}


def labels_history_changes(folder: str | Path, old: str | None = None, new: str | None = None) -> pd.DataFrame:
    """Compare the labels two refreshes saw (default: the latest refresh and the one before).

    Args:
        folder: the refreshed data folder.
        old, new: stamps of two labels snapshots (:func:`il6analysis.sources.history.compared_stamps`).

    Returns:
        Rows of the change model: for each label whose latest version differs,
        :func:`diff_label` of the two versions; a label only the newer refresh
        saw is ``added``, one only the older saw ``removed`` (key its
        ``set_id``, source its version's openFDA query).

    Raises:
        UsageError: there is no history, a stamp is not held, or no snapshot was taken before ``new``.
    """
    old, new = history.compared_stamps(folder, DOMAIN, old, new)
    rows = held_rows(folder)
    before, after = _seen_in(rows, old), _seen_in(rows, new)
    appeared = [{"domain": DOMAIN, "key": set_id, "kind": "added", "new_source": label_url(set_id, after[set_id])}
                for set_id in sorted(set(after) - set(before))]
    gone = [{"domain": DOMAIN, "key": set_id, "kind": "removed", "old_source": label_url(set_id, before[set_id])}
            for set_id in sorted(set(before) - set(after))]
    diffs = [diff_label(folder, set_id, before[set_id], after[set_id])
             for set_id in sorted(set(before) & set(after)) if before[set_id] != after[set_id]]
    return concat_changes([changes_frame(appeared + gone), *diffs])
