"""Is a FAERS preferred term already in an agent's label? A lexical match against the curated label data.

For an agent, the label's terms are the ``term`` values of its
``adverse_events`` rows (the adverse-reaction tables of its prescribing
information) and the topics of its ``warnings`` rows (display names of
:data:`il6analysis.curated.vocab.WARNING_TOPICS`, split into phrases at
``/``, `` and `` and ``including``, with the examples in ``(e.g. ...)`` as
phrases of their own: "Viral reactivation (e.g. hepatitis B, herpes zoster)"
gives "viral reactivation", "hepatitis b" and "herpes zoster").

Matching ignores case, punctuation and a plural ``s``: a term matches an
adverse reaction when both read the same, and a warning when one of the
warning's phrases appears in the term as whole words ("Febrile neutropenia"
is under the warning "Neutropenia"). It is lexical, not MedDRA's hierarchy:
"Pneumonia" is not matched to "Serious infections", so an "unlabelled" term
may still be covered by a broader labelled one; read it as "not named in the
label", to be checked by a person.
"""

from __future__ import annotations

import re

import pandas as pd

from il6analysis.curated import vocab
from il6analysis.curated.loaders import load_adverse_events, load_warnings

_WORD = re.compile(r"[0-9a-z]+")
_SPLIT = re.compile(r"\s*/\s*|\s+and\s+|\s+including\s+|,\s*")


def words(text: str) -> tuple[str, ...]:
    """Return ``text``'s words, case-folded, a plural ``s`` dropped from words of four letters or more."""
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                 for w in _WORD.findall(text.casefold()))


def warning_phrases(topic: str) -> list[tuple[str, ...]]:
    """Return the phrases (as words) of a warning topic's display name (see the module notes)."""
    examples = re.search(r"\(e\.g\.\s*([^)]*)\)", topic)
    main = re.sub(r"\([^)]*\)", "", topic)
    parts = _SPLIT.split(main) + (_SPLIT.split(examples.group(1)) if examples else [])
    return [w for w in (words(p) for p in parts) if w]


def _contains(term: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return any(term[i:i + len(phrase)] == phrase for i in range(len(term) - len(phrase) + 1))


def label_matches(pairs: pd.DataFrame) -> pd.Series:
    """Return, for each row of ``pairs`` (``agent_id, pt``), what in the agent's label names the term:
    ``"adverse reaction: <term>"`` or ``"warning: <topic>"``; missing when nothing does."""
    events = load_adverse_events()[["agent_id", "term"]].drop_duplicates()
    reactions: dict[tuple[str, tuple[str, ...]], str] = {}
    for agent, term in events.itertuples(index=False):
        reactions.setdefault((agent, words(term)), term)
    topics: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for agent, warning in load_warnings()[["agent_id", "warning_id"]].drop_duplicates().itertuples(index=False):
        name = vocab.WARNING_TOPICS.get(warning, warning.replace("_", " "))
        topics.setdefault(agent, []).extend((name, phrase) for phrase in warning_phrases(name))

    def match(agent: str, pt: str) -> str | None:
        term = words(pt)
        if (agent, term) in reactions:
            return f"adverse reaction: {reactions[agent, term]}"
        found = next((name for name, phrase in topics.get(agent, []) if _contains(term, phrase)), None)
        return f"warning: {found}" if found else None

    return pd.Series([match(a, p) for a, p in pairs.itertuples(index=False)], index=pairs.index, dtype="object")
