"""Name resolution over INNs, brands, biosimilar suffixes and code names, with close matches."""

from __future__ import annotations

import pytest

import il6analysis as il6
from il6analysis.curated.names import agents_in_text


@pytest.mark.parametrize(
    ("typed", "agent_id"),
    [
        ("Actemra", "tocilizumab"),
        ("ACTEMRA", "tocilizumab"),
        ("RoActemra", "tocilizumab"),
        ("tocilizumab", "tocilizumab"),
        ("MRA", "tocilizumab"),
        ("Kevzara", "sarilumab"),
        ("SAR153191", "sarilumab"),
        ("sar-153191", "sarilumab"),
        ("CNTO 328", "siltuximab"),
        ("cnto328", "siltuximab"),
        ("Sylvant", "siltuximab"),
        ("Enspryng", "satralizumab"),
        ("SA237", "satralizumab"),
        ("Tofidence", "tocilizumab-bavi"),
        ("tocilizumab bavi", "tocilizumab-bavi"),
        ("Tocilizumab-BAVI", "tocilizumab-bavi"),
        ("bavi", "tocilizumab-bavi"),
        ("Tyenne", "tocilizumab-aazg"),
        ("Avtozma", "tocilizumab-anoh"),
        ("CNTO 136", "sirukumab"),
        ("olokizumab", "olokizumab"),
        ("ALX-0061", "vobarilizumab"),
    ],
)
def test_resolve_agent(typed, agent_id):
    assert il6.resolve_agent(typed) == agent_id


def test_unknown_agent_lists_close_matches():
    with pytest.raises(il6.UnknownNameError) as info:
        il6.resolve_agent("Actemr")
    assert isinstance(info.value, ValueError)
    assert info.value.kind == "agent"
    assert "Actemra" in info.value.suggestions
    assert "did you mean" in str(info.value) and "'Actemra'" in str(info.value)


def test_misspelled_inn_suggests_the_inn():
    with pytest.raises(il6.UnknownNameError) as info:
        il6.resolve_agent("tocilizumb")
    assert "tocilizumab" in info.value.suggestions


def test_nonsense_has_no_suggestions_but_still_a_clear_error():
    with pytest.raises(il6.UnknownNameError, match="unknown agent 'qqqqqq'"):
        il6.resolve_agent("qqqqqq")


@pytest.mark.parametrize(
    ("typed", "indication_id"),
    [
        ("RA", "rheumatoid-arthritis"),
        ("Rheumatoid arthritis", "rheumatoid-arthritis"),
        ("giant cell arteritis", "giant-cell-arteritis"),
        ("NMOSD", "nmosd"),
        ("multicentric castleman disease", "multicentric-castleman-disease"),
        ("CRS", "cytokine-release-syndrome"),
    ],
)
def test_resolve_indication(typed, indication_id):
    assert il6.resolve_indication(typed) == indication_id


def test_unknown_indication_lists_close_matches():
    with pytest.raises(il6.UnknownNameError) as info:
        il6.resolve_indication("rheumatoid arthritus")
    assert "Rheumatoid arthritis" in info.value.suggestions


@pytest.mark.parametrize(
    ("typed", "cancer_type"),
    [
        ("multiple myeloma", "Multiple myeloma"),
        ("MM", "Multiple myeloma"),
        ("smoldering multiple myeloma", "Multiple myeloma"),
        ("NSCLC", "Lung cancer"),
        ("lung cancer", "Lung cancer"),
        ("non-hodgkin-lymphoma", "Lymphoma"),
        ("ovarian cancer", "Ovarian cancer"),
    ],
)
def test_resolve_cancer_type(typed, cancer_type):
    assert il6.resolve_cancer_type(typed) == cancer_type


def test_unknown_cancer_type_lists_close_matches():
    with pytest.raises(il6.UnknownNameError) as info:
        il6.resolve_cancer_type("prostate cancr")
    assert "Prostate cancer" in info.value.suggestions


@pytest.mark.parametrize(("resolve", "valid"), [
    (il6.resolve_agent, "known agents: clazakizumab"),
    (il6.resolve_indication, "il6 data show indications"),
    (il6.resolve_cancer_type, "known cancer types: "),
])
@pytest.mark.parametrize("given", [None, 123, ["Actemra"]])
def test_a_name_that_is_not_text_is_a_usage_error_naming_the_valid_ones(resolve, valid, given):
    with pytest.raises(il6.UsageError) as info:
        resolve(given)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(f"{resolve.__name__.removeprefix('resolve_').replace('_', ' ')} name must be text (str), "
                              f"not {type(given).__name__} {given!r}; ")
    assert valid in message


@pytest.mark.parametrize(
    ("text", "agents"),
    [
        ("ACTEMRA 162 MG", {"tocilizumab"}),
        ("Tocilizumab 8 mg/kg", {"tocilizumab"}),
        ("TOCILIZUMAB-BAVI", {"tocilizumab-bavi"}),  # the longest alias wins: not also tocilizumab
        ("Tofidence (tocilizumab-bavi)", {"tocilizumab-bavi"}),
        ("CNTO 328", {"siltuximab"}),
        ("MRA", {"tocilizumab"}),  # a short alias as the whole name
        ("MRA VACCINE", set()),  # but never as a word inside another name
        ("methotrexate", set()),
        (None, set()),
    ],
)
def test_agents_in_text_is_one_rule_for_every_source(text, agents):
    assert agents_in_text(text) == agents
