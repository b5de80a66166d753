"""The tables behind the report figures, checked against values worked out by hand from the data."""

from __future__ import annotations

import pandas as pd
import pytest

import il6analysis as il6
from il6analysis.analysis import agents as agents_views
from il6analysis.analysis import approvals as approvals_views
from il6analysis.analysis import safety as safety_views
from il6analysis.analysis import trials as trials_views


def test_approvals_view_filters_by_any_name_and_agency():
    view = approvals_views.approvals_view(agents=["Kevzara"], agencies=["fda"])
    assert set(view["agent_id"]) == {"sarilumab"}
    assert set(view["agency"]) == {"FDA"}
    # FDA: RA complete response (2016-10), RA approval, PMR, pJIA
    assert sorted(view["indication_id"]) == sorted(
        ["rheumatoid-arthritis", "rheumatoid-arthritis", "polymyalgia-rheumatica", "polyarticular-jia"]
    )


def test_approvals_view_date_window_and_category():
    view = approvals_views.approvals_view(date_from="2017-01-01", date_to="2017-12-31", indication_categories=["neurology"])
    assert approvals_views.shown(view)["approval_date"].notna().sum() == 0  # neurology: satralizumab from 2020 on
    view = approvals_views.approvals_view(agents=["sarilumab"], date_from="2017-01-01", date_to="2017-12-31")
    dated = approvals_views.shown(view).dropna(subset=["approval_date"])
    assert sorted(dated["agency"].astype(str)) == ["EC", "FDA", "HC", "MHLW"]


def test_approvals_view_shows_dates_at_source_precision():
    view = approvals_views.approvals_view(agents=["sarilumab"], agencies=["FDA"])
    by_status = dict(zip(view["status"].astype(str) + view["indication_id"], view["date"]))
    assert by_status["complete_responserheumatoid-arthritis"] == "2016-10"
    assert by_status["approvedrheumatoid-arthritis"] == "2017-05-22"


def test_bad_date_bound_is_a_clear_error():
    with pytest.raises(ValueError, match="date_from must be a date"):
        approvals_views.approvals_view(date_from="last year")


def test_unknown_agency_suggests_valid_ones():
    with pytest.raises(il6.UnknownNameError, match="FDA"):
        approvals_views.approvals_view(agencies=["FDAA"])


def test_approval_lags_for_sarilumab_ra_worked_by_hand():
    # Health Canada 2017-01-12 first, or earlier: its undated RA supplement leaves the first "on or before" that
    # day; FDA 2017-05-22 is at least 130 days later, EC 2017-06-23 162, MHLW 2017-09-27 258, Swissmedic
    # 2018-04-20 463; Russia's registration is undated.
    lags = approvals_views.approval_lags(approvals_views.approvals_view(agents=["sarilumab"]))
    ra = lags[lags["indication"] == "Rheumatoid arthritis"].set_index("agency")
    assert ra["lag_min_days"].dropna().to_dict() == {"FDA": 130, "EC": 162, "MHLW": 258, "SWISSMEDIC": 463}
    assert ra["lag_max_days"].isna().all() and ra.loc["HC", "first_date"] == "on or before 2017-01-12"
    assert ra.loc["HC", "order"] == "first" and ra.loc["MOH-RU", "order"] == "date unknown"
    assert set(ra["reference_agency"].dropna()) == {"HC"}


def test_complete_response_does_not_count_as_first_approval():
    firsts = approvals_views.first_approvals(approvals_views.approvals_view(agents=["sarilumab"], agencies=["FDA"]))
    ra = firsts[firsts["indication_id"] == "rheumatoid-arthritis"]
    assert ra["first_earliest"].tolist() == [pd.Timestamp("2017-05-22")]


def test_approval_matrix_gives_year_of_first_authorisation():
    matrix = approvals_views.approval_matrix(approvals_views.approvals_view(), "FDA")
    assert matrix.loc["Rheumatoid arthritis", "sarilumab"] == "2017"
    assert matrix.loc["Polymyalgia rheumatica", "sarilumab"] == "2023"
    assert matrix.loc["Rheumatoid arthritis", "tocilizumab"] == "2010 (IV)"  # the SC licence came in 2013
    assert matrix.loc["Polymyalgia rheumatica", "tocilizumab"] == ""


def test_setbacks_table_lists_crl_and_withdrawal_of_sirukumab():
    table = approvals_views.regulatory_setbacks_and_emergency_use(approvals_views.approvals_view(agents=["sirukumab"]))
    assert sorted(table["status"].astype(str)) == ["application_withdrawn", "complete_response"]
    assert "approved" not in set(approvals_views.regulatory_setbacks_and_emergency_use(approvals_views.approvals_view())["status"])


def test_approvals_per_year_counts_marketing_authorisations_only():
    counts = approvals_views.approvals_per_year(approvals_views.approvals_view(agents=["sarilumab"]))
    by_year = counts.groupby("year")["decisions"].sum().to_dict()
    # 2017: HC, FDA, EC, MHLW; 2018: Swissmedic; the 2016 complete response is not counted
    assert by_year == {2017: 4, 2018: 1, 2023: 1, 2024: 1}


def test_trials_view_counts_siltuximab_myeloma_trials():
    view = trials_views.trials_view(agents=["CNTO 328"], cancer_types=["multiple myeloma"], intents=None)
    # eight multiple-myeloma trials plus one in smoldering myeloma, grouped under "Multiple myeloma"
    assert view["nct_id"].nunique() == 9
    matrix = trials_views.trials_by_agent_and_cancer(trials_views.trials_view(intents=None))
    assert matrix.loc["Multiple myeloma", "siltuximab"] == 9
    # counted by default (as the cancer report counts): the eight antitumour ones
    assert trials_views.trials_view(agents=["CNTO 328"], cancer_types=["multiple myeloma"])["nct_id"].nunique() == 8


def test_regimens_group_partner_classes():
    regimens = trials_views.trial_regimens().groupby("nct_id")["regimen"].agg(lambda r: sorted(map(str, r)))
    # bortezomib + melphalan + prednisone: targeted, chemotherapy and a corticosteroid
    assert regimens["NCT00911859"] == ["chemotherapy", "corticosteroid", "targeted"]
    trials = il6.load_trials()
    partnered = set(il6.load_trial_partners()["nct_id"])
    alone = sorted(set(trials["nct_id"]) - partnered)[0]
    assert regimens[alone] == ["monotherapy"]


def test_regimen_filter_keeps_trials_with_that_partner_class():
    view = trials_views.trials_view(regimens=["checkpoint inhibitor"])
    partners = il6.load_trial_partners()
    icis = set(partners.loc[partners["partner_class"] == "immune_checkpoint_inhibitor", "nct_id"])
    assert set(view["nct_id"]) and set(view["nct_id"]) <= icis


def test_phase_and_status_counts_are_distinct_trials():
    view = trials_views.trials_view(cancer_types=["multiple myeloma"])
    phases = trials_views.phases_by_cancer(view)
    assert phases["trials"].sum() == view["nct_id"].nunique()


def test_trial_listing_has_one_row_per_trial_with_registry_link():
    view = trials_views.trials_view()
    listing = trials_views.trial_listing(view)
    assert listing["nct_id"].is_unique and len(listing) == view["nct_id"].nunique()
    assert (listing["registry"] == "https://clinicaltrials.gov/study/" + listing["nct_id"]).all()


def test_oncology_only_keeps_the_trials_run_in_patients_with_cancer():
    view = trials_views.trials_view()
    assert view["intent"].notna().all()
    assert set(view.loc[view["category"] != "oncology", "cancer_type"]) <= {trials_views.CANCER_TYPE_NOT_RECORDED}
    assert "autoimmune_inflammatory" in set(trials_views.trials_view(oncology_only=False)["category"])


def test_adverse_events_excess_worked_by_hand():
    view = safety_views.adverse_events_view(agents=["sarilumab"], terms=["neutropenia"])
    excess = dict(zip(view["dose"], view["excess_pct"].round(1)))
    assert excess == {"150 mg SC every 2 weeks + DMARD(s)": 6.8, "200 mg SC every 2 weeks + DMARD(s)": 9.8}


def test_frequency_matrix_takes_the_highest_arm():
    matrix = safety_views.frequency_matrix(safety_views.adverse_events_view(agents=["sarilumab"]))
    assert matrix.loc["Neutropenia", "sarilumab"] == 10


def test_min_pct_filters_and_is_range_checked():
    view = safety_views.adverse_events_view(min_pct=10)
    assert (view["drug_pct"] >= 10).all()
    with pytest.raises(ValueError, match="between 0 and 100"):
        safety_views.adverse_events_view(min_pct=140)


def test_warnings_matrix_marks_boxed_warnings():
    matrix = safety_views.warnings_matrix(["tocilizumab", "siltuximab"])
    assert matrix.loc["Serious infections", "tocilizumab"] == "boxed warning"
    assert matrix.loc["Serious infections", "siltuximab"] == "warning"
    assert matrix.loc["Lipid elevations", "siltuximab"] == "not recorded"


def test_agent_overview_names_target_and_mechanism():
    card = agents_views.agent_overview("Sylvant")
    assert card["agent_id"] == "siltuximab"
    assert card["target"] == "Interleukin-6 (IL6)"
    assert card["mechanism"] == "binds IL-6 ligand"


def test_approved_agents_are_those_with_a_marketing_authorisation():
    agents = agents_views.approved_agents()
    assert {"tocilizumab", "sarilumab", "siltuximab", "satralizumab", "olokizumab", "levilimab"} <= set(agents)
    assert "sirukumab" not in agents and "clazakizumab" not in agents
