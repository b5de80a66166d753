"""Every agent, target, disease and safety topic the two seed documents name is answerable.

The seeds (a review abstract, "Targeting interleukin-6 in inflammatory autoimmune
diseases and cancers", and an explainer, "IL-6 Inhibitors - Cancer Science") name
the items listed below; each test asks the data the question a reader would.
"""

from __future__ import annotations

import pytest

import il6analysis as il6

SEED_AGENTS = ["tocilizumab", "siltuximab", "sarilumab"]
SEED_TARGETS = {"IL6": "interleukin-6", "IL6R": "IL-6 receptor", "JAK1": "JAK/STAT", "JAK2": "JAK/STAT", "STAT3": "JAK/STAT"}
SEED_CANCERS = ["Breast cancer", "Ovarian cancer", "Prostate cancer"]
SEED_SAFETY = ["serious_infections", "hepatotoxicity"]


@pytest.mark.parametrize("agent", SEED_AGENTS)
def test_seed_agents_are_in_the_data_with_mechanism_and_approvals(agent):
    agents = il6.load_agents().set_index("agent_id")
    assert agent in agents.index
    assert agents.at[agent, "mechanism"] in {"binds IL-6 receptor", "binds IL-6 ligand"}
    assert (il6.load_approvals()["agent_id"] == agent).any()


def test_tocilizumab_is_an_il6_receptor_antibody_and_siltuximab_an_il6_antibody():
    agents = il6.load_agents().set_index("agent_id")
    assert agents.at["tocilizumab", "target_id"] == "il6r"
    assert agents.at["siltuximab", "target_id"] == "il6"


@pytest.mark.parametrize("gene", sorted(SEED_TARGETS))
def test_seed_targets_are_in_the_targets_table(gene):
    assert gene in set(il6.load_targets()["gene_symbol"].dropna())


def test_rheumatoid_arthritis_approvals_of_tocilizumab_and_sarilumab():
    approvals = il6.load_approvals()
    ra = approvals[(approvals["indication_id"] == "rheumatoid-arthritis") & (approvals["status"] == "approved")]
    assert {"tocilizumab", "sarilumab"} <= set(ra["agent_id"])


def test_autoimmune_and_inflammatory_diseases_are_categorised():
    indications = il6.load_indications()
    assert (indications["category"] == "autoimmune_inflammatory").sum() >= 5


def test_no_il6_agent_is_approved_for_cancer():
    approvals = il6.load_approvals().merge(il6.load_indications(), on="indication_id")
    marketed = approvals[approvals["status"].isin(["approved", "emergency_use"])]
    assert not (marketed["category"] == "oncology").any()


@pytest.mark.parametrize("cancer", SEED_CANCERS)
def test_seed_cancers_have_il6_trials(cancer):
    trials = il6.load_trials().merge(il6.load_indications(), on="indication_id")
    assert (trials["cancer_type"] == cancer).any()


def test_siltuximab_cancer_trials_with_chemotherapy():
    partners = il6.load_trial_partners()
    trials = il6.load_trials()
    siltuximab = set(trials.loc[trials["agent_id"] == "siltuximab", "nct_id"])
    chemo = set(partners.loc[partners["partner_class"] == "chemotherapy", "nct_id"])
    assert siltuximab & chemo


def test_combinations_with_checkpoint_inhibitors_are_answerable():
    partners = il6.load_trial_partners()
    assert (partners["partner_class"] == "immune_checkpoint_inhibitor").any()


@pytest.mark.parametrize("topic", SEED_SAFETY)
def test_seed_safety_topics_are_labelled_warnings(topic):
    warnings = il6.load_warnings()
    assert (warnings["warning_id"] == topic).any()


def test_infection_risk_is_a_boxed_warning_of_tocilizumab_and_sarilumab():
    warnings = il6.load_warnings()
    boxed = warnings[(warnings["warning_id"] == "serious_infections") & warnings["boxed"]]
    assert {"tocilizumab", "sarilumab"} <= set(boxed["agent_id"])
