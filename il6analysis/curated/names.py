"""Name resolution: any name a person types -> the identifier the tables use.

Matching is case- and punctuation-insensitive (see
:func:`il6analysis.curated.matching.normalise`). An unknown name raises
:class:`~il6analysis.errors.UnknownNameError` listing the closest known names.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from il6analysis.curated import vocab
from il6analysis.curated.loaders import load_table
from il6analysis.curated.matching import closest, normalise, words
from il6analysis.errors import UnknownNameError, UsageError


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map normalised alias -> identifier (first one wins; validation rejects clashes)."""
    index: dict[str, str] = {}
    for alias, identifier in pairs:
        index.setdefault(normalise(alias), identifier)
    return index


def agent_aliases() -> list[tuple[str, str]]:
    """Return every ``(alias, agent_id)`` pair: IDs, INNs, brands, code names,
    synonyms, and each biosimilar's suffix on its own (``"bavi"``)."""
    agents = load_table("agents")
    names = load_table("agent_names")
    pairs = [(a, a) for a in agents["agent_id"]]
    pairs += list(zip(agents["inn"], agents["agent_id"]))
    pairs += list(zip(names["name"], names["agent_id"]))
    biosimilars = agents[agents["reference_agent_id"].notna()]
    for agent_id, reference in zip(biosimilars["agent_id"], biosimilars["reference_agent_id"]):
        suffix = agent_id.removeprefix(reference).strip("-")
        if suffix:
            pairs.append((suffix, agent_id))
    return pairs


@functools.cache
def _agent_index() -> tuple[dict[str, str], tuple[str, ...]]:
    pairs = agent_aliases()
    return _index(pairs), tuple(alias for alias, _ in pairs)


MIN_WORD_ALIAS = 5
"""Aliases shorter than this (``"MRA"``, the bare suffix ``"bavi"``) name an agent
only as a whole name, never as words inside a longer one."""


def agents_in_text(text: str | None) -> set[str]:
    """Return the agents a free-text drug or intervention name refers to.

    A name refers to an agent when, normalised, it is one of the agent's
    aliases, or when an alias of at least :data:`MIN_WORD_ALIAS` characters
    appears in it as whole words (``"ACTEMRA 162 MG"``, ``"Tocilizumab 8 mg/kg"``).
    Where aliases overlap the longest wins, so ``"Tofidence (tocilizumab-bavi)"``
    refers to ``tocilizumab-bavi`` only. Used for registry interventions and
    FAERS drug names alike, so both sources match agents the same way.
    """
    index, _ = _agent_index()
    parts = words(text)
    whole = "".join(parts)
    if whole in index:
        return {index[whole]}
    spans = [
        (start, end, index[key])
        for start in range(len(parts))
        for end in range(start + 1, len(parts) + 1)
        if len(key := "".join(parts[start:end])) >= MIN_WORD_ALIAS and key in index
    ]
    return {
        agent
        for start, end, agent in spans
        if not any(a <= start and end <= b and (a, b) != (start, end) for a, b, _ in spans)
    }


@functools.cache
def _indication_index() -> tuple[dict[str, str], tuple[str, ...]]:
    table = load_table("indications")
    pairs = []
    for column in ("name", "indication_id", "abbreviation"):
        pairs += [(v, i) for v, i in zip(table[column], table["indication_id"]) if isinstance(v, str)]
    return _index(pairs), tuple(alias for alias, _ in pairs)


@functools.cache
def _cancer_type_index() -> tuple[dict[str, str], tuple[str, ...]]:
    table = load_table("indications").dropna(subset=["cancer_type"])
    pairs = [(c, c) for c in table["cancer_type"]]
    for column in ("name", "indication_id", "abbreviation"):
        pairs += [(v, c) for v, c in zip(table[column], table["cancer_type"]) if isinstance(v, str)]
    return _index(pairs), tuple(dict.fromkeys(table["cancer_type"]))


def _resolve(kind: str, name: str, index: dict[str, str], shown: tuple[str, ...], hint: str = "") -> str:
    if not isinstance(name, str):
        raise UsageError(f"{kind} name must be text (str), not {type(name).__name__} {name!r}; {hint}")
    found = index.get(normalise(name))
    if found is None:
        raise UnknownNameError(kind, name, closest(name, shown), valid_hint=hint)
    return found


def resolve_agent(name: str) -> str:
    """Return the ``agent_id`` of an agent given any of its names.

    ``resolve_agent("Actemra") == "tocilizumab"``; ``"CNTO 328"`` gives
    ``"siltuximab"``; ``"Tofidence"`` or ``"tocilizumab bavi"`` give
    ``"tocilizumab-bavi"``.

    Raises:
        UnknownNameError: no agent has that name; the message lists close matches.
        UsageError: ``name`` is not text (``None``, a number ...); the message lists the valid names.
    """
    index, shown = _agent_index()
    known = ", ".join(sorted(set(index.values())))
    return _resolve("agent", name, index, shown, hint=f"known agents: {known}")


def resolve_indication(name: str) -> str:
    """Return the ``indication_id`` for an indication ID, name or abbreviation.

    Raises:
        UnknownNameError: no indication has that name; the message lists close matches.
        UsageError: ``name`` is not text (``None``, a number ...); the message lists the valid names.
    """
    index, shown = _indication_index()
    return _resolve("indication", name, index, shown, hint="see `il6 data show indications` for the known ones")


def resolve_cancer_type(name: str) -> str:
    """Return the cancer-type grouping (as in ``indications.cancer_type``) for a
    cancer type, or for the ID, name or abbreviation of a cancer indication.

    Raises:
        UnknownNameError: no cancer type matches; the message lists close matches.
        UsageError: ``name`` is not text (``None``, a number ...); the message lists the valid names.
    """
    index, shown = _cancer_type_index()
    return _resolve("cancer type", name, index, shown, hint="known cancer types: " + ", ".join(shown))


CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "agency": {**{name: code for code, name in vocab.AGENCY_NAMES.items()}, **vocab.AGENCY_ALIASES},
}
"""Other names a person may type for a choice of a given kind: alias -> allowed value
(for agencies, their full names and common names such as ``EMA`` or ``Health Canada``)."""


def resolve_choice(kind: str, name: str, allowed: Iterable[str]) -> str:
    """Return the member of ``allowed`` that ``name`` denotes, ignoring case and punctuation.

    ``resolve_choice("phase", "Phase 2", TRIAL_PHASES) == "PHASE2"``. For kinds
    with aliases (:data:`CHOICE_ALIASES`) an alias counts too:
    ``resolve_choice("agency", "EMA", AGENCIES) == "EC"``, ``"health canada"`` gives ``"HC"``.

    Raises:
        UnknownNameError: ``name`` matches none of ``allowed`` nor their aliases; the
            message lists the closest values and aliases, or all valid values when none is close.
        UsageError: ``name`` is not text (``None``, a number ...); the message lists the valid names.
    """
    allowed = tuple(allowed)
    aliases = [(alias, value) for alias, value in CHOICE_ALIASES.get(kind, {}).items() if value in allowed]
    index = _index([(value, value) for value in allowed] + aliases)
    shown = allowed + tuple(alias for alias, _ in aliases)
    return _resolve(kind, name, index, shown, hint="valid: " + ", ".join(allowed))
