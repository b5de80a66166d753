"""Efficacy helpers: each arm against its own comparator, worked by hand on rows of the shipped table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from il6analysis.analysis import efficacy, efficacy_plots
from il6analysis.errors import UnknownNameError


def _one(diffs: pd.DataFrame, **match) -> pd.Series:
    for column, value in match.items():
        diffs = diffs[diffs[column] == value]
    assert len(diffs) == 1, match
    return diffs.iloc[0]


def test_difference_is_the_arm_minus_its_own_comparator():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("RA"))
    option = _one(diffs, trial="OPTION", arm="8 mg/kg IV every 4 weeks", endpoint="acr20")
    assert option["difference"] == 59 - 27 == option["benefit"]
    assert option["difference_unit"] == "percentage points"
    assert option["effect"] == "59 vs 27 % (+32 percentage points)"
    monarch = _one(diffs, trial="MONARCH", endpoint="das28_esr_change")
    assert monarch["difference"] == pytest.approx(-3.28 - -2.20)  # -1.08: a larger fall in disease activity
    assert monarch["benefit"] == pytest.approx(1.08) and monarch["difference_unit"] == "points"


def test_lower_is_better_endpoints_count_a_fall_as_benefit():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("COVID-19"))
    recovery = _one(diffs, trial="RECOVERY", endpoint="mortality")
    assert recovery["difference"] == 31 - 35 and recovery["benefit"] == 4
    empacta = _one(diffs, trial="EMPACTA", endpoint="mortality")
    assert empacta["benefit"] == pytest.approx(8.6 - 10.4)  # more deaths on tocilizumab in EMPACTA: negative


def test_no_difference_without_a_comparator_value_or_for_a_hazard_ratio():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("NMOSD"))
    hazard = _one(diffs, trial="SAkuraStar", population="nmosd_aqp4_positive")
    assert pd.isna(hazard["difference"]) and hazard["effect"].startswith("HR 0.26 against placebo")


def test_groups_keep_populations_and_kinds_of_comparator_apart():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("RA"))
    groups = diffs.groupby("group")["comparator_type"].nunique()
    assert (groups == 1).all()
    assert diffs.groupby("group")["population"].nunique().eq(1).all()
    bat = _one(diffs, trial="BAT1806/BIIB800 phase 3", timepoint_weeks=24)
    option = _one(diffs, trial="OPTION", arm="8 mg/kg IV every 4 weeks", endpoint="acr20")
    assert bat["population"] == option["population"] and bat["group"] != option["group"]


def test_filters_resolve_names_and_refuse_unknown_ones():
    view = efficacy.efficacy_view("RA", agents=["Kevzara"], populations=["RA, inadequate response to methotrexate"])
    assert set(view["trial"]) == {"MOBILITY", "MONARCH"}
    assert efficacy.resolve_population("ra_tnfi_ir") == "ra_tnfi_ir"
    assert efficacy.resolve_population(" nmosd, aqp4-igg seropositive ") == "nmosd_aqp4_positive"  # display name, any case
    with pytest.raises(UnknownNameError, match="valid: ra_mtx_naive"):
        efficacy.efficacy_view(populations=["everyone"])


def test_population_summary_lists_trials_per_population_in_vocabulary_order():
    summary = efficacy.population_summary(efficacy.efficacy_view("RA", agents=["tocilizumab"]))
    assert list(summary["trials"]) == ["AMBITION", "LITHE, OPTION, ADACTA", "TOWARD, SC-I, SC-II", "RADIATE"]


def test_figures_draw_one_panel_per_group_and_say_when_empty():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("RA"))
    figure = efficacy_plots.difference_chart(diffs, "acr20")
    groups = diffs.loc[(diffs["endpoint"] == "acr20") & diffs["benefit"].notna(), "group"].nunique()
    assert len(figure.axes) == groups
    assert "not head to head" in figure._suptitle.get_text()
    empty = efficacy_plots.hazard_ratio_chart(diffs)
    assert "No hazard ratio" in empty.axes[0].texts[0].get_text()
    nmosd = efficacy.arm_differences(efficacy.efficacy_view("NMOSD"))
    assert len(efficacy_plots.hazard_ratio_chart(nmosd).axes) == 2


def test_harm_beside_restates_each_labels_own_excess_and_says_when_there_is_none():
    from il6analysis.analysis import benefit_risk

    harm = benefit_risk.safety_beside(["sarilumab", "olokizumab"], "RA").set_index("agent_id")
    assert harm.at["sarilumab", "key_reactions"].startswith("Neutropenia +9.8 points (10% vs 0.2%)")  # 10 - 0.2
    assert harm.at["sarilumab", "serious_infections"] == "boxed warning"
    assert harm.at["olokizumab", "key_reactions"] == benefit_risk.NO_PERCENTAGES + " for this indication"
    assert harm.at["olokizumab", "serious_infections"] == "not recorded"


def test_an_arm_with_two_comparators_gets_two_bars_not_an_average():
    diffs = efficacy.arm_differences(efficacy.efficacy_view("GCA", agents=["tocilizumab"]))
    figure = efficacy_plots.difference_chart(diffs, "sustained_remission")
    widths = sorted(round(p.get_width(), 6) for p in figure.axes[0].patches if p.get_width())
    assert widths == sorted([56 - 14, 56 - 18, 53 - 14, 53 - 18])  # each bar one arm against one comparator


def test_the_report_table_links_each_source():
    table = efficacy.differences_table(efficacy.arm_differences(efficacy.efficacy_view("COVID-19")))
    recovery = table[table["trial"] == "RECOVERY"].iloc[0]
    assert recovery["source"] == "PMID:33933206"
    assert recovery["source_url"] == "https://pubmed.ncbi.nlm.nih.gov/33933206/"
