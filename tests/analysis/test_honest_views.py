"""Reports never mislead: dates as intervals, undated actions kept, decisions counted, intents respected.

These tests build small approvals tables in a copy of the data folder, so each
one states exactly the case it pins.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from il6analysis.analysis import (  # noqa: E402
    approval_summary,
    approvals,
    label_display,
    labels,
    palette,
    plots,
    safety,
    trials,
)
from il6analysis.curated import vocab  # noqa: E402

COLUMNS = ["agent_id", "agency", "indication_id", "indication_label", "status", "approval_date", "route", "population",
           "brand", "application_number", "decision_id", "source", "source_kind", "notes"]
FDA = "https://www.accessdata.fda.gov/x"


def _row(agency, indication, date, status="approved", decision=None, route="SC", agent="tocilizumab"):
    decision = decision or f"{agency.lower()}-{agent}-{indication}-{date or 'undated'}"
    return dict(agent_id=agent, agency=agency, indication_id=indication, indication_label=indication, status=status,
                approval_date=date, route=route, population="", brand="", application_number="",
                decision_id=decision, source=FDA, source_kind="regulator", notes="test row")


@pytest.fixture
def approvals_of(data_copy, monkeypatch):
    """Replace the approvals table of a data copy by the given rows and point the package at it."""
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))

    def write(rows):
        frame = pd.DataFrame(rows)
        header = pd.read_csv(data_copy / "approvals.csv", nrows=0).columns
        frame = frame.reindex(columns=header).fillna("")
        frame.to_csv(data_copy / "approvals.csv", index=False)
        return approvals.approvals_view()

    return write


def test_gca_lag_across_precisions_is_order_unknown_not_a_number_of_days(approvals_of):
    view = approvals_of([_row("FDA", "giant-cell-arteritis", "2017-05-22"), _row("EC", "giant-cell-arteritis", "2017")])
    lags = approvals.approval_lags(view)
    assert set(lags["order"]) == {"order unknown"}
    assert lags["lag_min_days"].isna().all()
    assert "days" not in " ".join(approvals.lag_text(lags))


def test_lag_is_a_range_when_a_coarse_date_cannot_overlap(approvals_of):
    view = approvals_of([_row("FDA", "giant-cell-arteritis", "2017-05-22"), _row("EC", "giant-cell-arteritis", "2018-09")])
    lag = approvals.approval_lags(view).set_index("agency").loc["EC"]
    assert lag["order"] == "after"
    assert (lag["lag_min_days"], lag["lag_max_days"]) == (467, 496)  # 2017-05-22 -> 2018-09-01 .. 2018-09-30
    assert approvals.lag_text(approvals.approval_lags(view)).str.contains("467-496 days after FDA").any()


def test_exact_days_give_an_exact_lag(approvals_of):
    view = approvals_of([_row("FDA", "giant-cell-arteritis", "2017-05-22"), _row("MHLW", "giant-cell-arteritis",
                                                                              "2017-08-25")])
    lag = approvals.approval_lags(view).set_index("agency").loc["MHLW"]
    assert (lag["order"], lag["lag_min_days"], lag["lag_max_days"]) == ("after", 95, 95)


def test_undated_and_year_only_actions_appear_in_every_view(approvals_of):
    view = approvals_of([_row("FDA", "rheumatoid-arthritis", "2010-01-08"), _row("HC", "rheumatoid-arthritis", None),
                         _row("EC", "rheumatoid-arthritis", "2009"),
                         _row("HC", "giant-cell-arteritis", None, status="complete_response")])
    assert list(approvals.shown(view)["date"].sort_values()) == ["2009", "2010-01-08", "date unknown", "date unknown"]
    assert "HC" in approvals.agencies_present(view)
    assert approvals.approval_matrix(view, "HC").loc["Rheumatoid arthritis", "tocilizumab"] == "date unknown"
    assert approvals.approval_matrix(view, "EC").loc["Rheumatoid arthritis", "tocilizumab"] == "2009"
    assert "date unknown" in set(approvals.regulatory_setbacks_and_emergency_use(view)["date"])
    assert approvals.undated_decisions(view) == 1
    lags = approvals.approval_lags(view).set_index("agency")
    assert lags.loc["HC", "order"] == "date unknown"
    timeline = plots.approval_timeline(view)
    note = timeline.get_supxlabel().replace("\n", " ")
    assert "2 action(s) with date unknown" in note and "An undated authorisation may be earlier" in note
    per_year = plots.approvals_per_year_plot(approvals.approvals_per_year(view), approvals.undated_decisions(view))
    assert any("1 decision(s) with date unknown" in t.get_text() for t in per_year.texts)


def test_one_decision_covering_several_indications_counts_once(approvals_of):
    rows = [_row("EC", ind, "2023-09-15", decision="ec-tyenne-2023-09-15", agent="tocilizumab-aazg", route=route)
            for ind in ("rheumatoid-arthritis", "giant-cell-arteritis", "systemic-jia") for route in ("IV", "SC")]
    rows.append(_row("EC", "covid-19", "2024-02-01", decision="ec-tyenne-2024-02-01", agent="tocilizumab-aazg"))
    view = approvals_of(rows)
    counts = approvals.approvals_per_year(view).set_index("year")["decisions"]
    assert counts.to_dict() == {2023: 1, 2024: 1}


def test_first_authorisation_is_the_first_ever_even_with_a_window(approvals_of):
    view = approvals_of([_row("FDA", "rheumatoid-arthritis", "2010-01-08"),
                         _row("FDA", "rheumatoid-arthritis", "2018-11", decision="fda-actpen")])
    windowed = approvals.approvals_view(date_from="2018-01-01")
    assert approvals.approval_matrix(windowed, "FDA").loc["Rheumatoid arthritis", "tocilizumab"] == "2010"
    assert list(approvals.shown(windowed)["date"]) == ["2018-11"]
    assert view["in_window"].all()


def test_a_coarse_date_overlapping_the_window_edge_is_shown(approvals_of):
    approvals_of([_row("EC", "giant-cell-arteritis", "2017")])
    assert len(approvals.shown(approvals.approvals_view(date_from="2017-06-01"))) == 1
    assert len(approvals.shown(approvals.approvals_view(date_from="2018-01-01"))) == 0


def test_window_that_ends_before_it_starts_is_refused(approvals_of):
    approvals_of([_row("FDA", "rheumatoid-arthritis", "2010-01-08")])
    with pytest.raises(ValueError, match="date_from 2020-01-01 is after date_to 2019-01-01"):
        approvals.approvals_view(date_from="2020-01-01", date_to="2019-01-01")


def test_supportive_care_trials_are_out_of_the_default_antitumour_counts():
    everything = trials.trials_view(intents=None)
    gvhd = everything[everything["intent"] == "supportive_gvhd"]["nct_id"].unique()
    assert len(gvhd) >= 1
    counted, other = trials.by_purpose()
    assert not set(gvhd) & set(counted["nct_id"])
    assert set(gvhd) <= set(other["nct_id"])


def test_each_trial_of_an_agent_sits_in_one_section():
    counted, other = trials.by_purpose(agents=["tocilizumab"])
    every = trials.trials_view(agents=["tocilizumab"], oncology_only=False, intents=None)
    cancer = set(counted["nct_id"]) | set(other["nct_id"])
    sections = [set(counted["nct_id"]), set(other["nct_id"]), set(every[~every["nct_id"].isin(cancer)]["nct_id"])]
    assert sum(len(s) for s in sections) == len(set().union(*sections)) == every["nct_id"].nunique()


def test_unknown_trial_fields_are_counted_not_dropped():
    view = trials.trials_view(intents=None)
    unknown = trials.unknown_counts(view).set_index("field")
    starts = view.drop_duplicates("nct_id")
    assert unknown.loc["start date", "trials_unknown"] == starts["start_date"].isna().sum() > 0
    assert (unknown["trials"] == starts["nct_id"].nunique()).all()


def test_biosimilar_boxed_warning_is_in_the_matrix():
    matrix = safety.warnings_matrix(["Tyenne", "Actemra"])
    assert matrix.loc[vocab.WARNING_TOPICS["serious_infections"], "tocilizumab-aazg"] == "boxed warning"


def test_agents_without_percentages_get_a_sentence_why():
    sentences = safety.missing_percentages(["siltuximab"])
    assert len(sentences) == 1 and "siltuximab" in sentences[0] and "not available" in sentences[0]
    assert safety.missing_percentages(["sarilumab"]) == []


def test_label_rows_show_patients_per_arm():
    rows = safety.label_rows(safety.adverse_events_view(agents=["sarilumab"]))
    assert {"drug_n", "comparator_n", "from_reference"} <= set(rows.columns)
    assert rows["drug_n"].notna().all()


def test_codes_become_human_labels_for_display():
    shown = labels.humanize(pd.DataFrame({"agent_id": ["tocilizumab-aazg"], "phase": ["PHASE1/PHASE2"],
                                          "status": ["ACTIVE_NOT_RECRUITING"]}))
    assert shown.iloc[0].tolist() == ["tocilizumab-aazg (Tyenne)", "Phase 1/2", "Active, not recruiting"]
    assert list(shown.columns) == ["Agent", "Phase", "Status"]
    assert labels.humanize(pd.DataFrame({"status": ["complete_response"]})).iloc[0, 0] == "Complete response letter"


def test_colours_are_fixed_per_thing_across_reports():
    assert palette.color_of("partner_class", "chemotherapy") == palette.REGIMEN_COLORS["chemotherapy"]
    assert palette.color_of("partner_class", "immune_checkpoint_inhibitor") == palette.REGIMEN_COLORS[
        "checkpoint inhibitor"]
    assert len(set(palette.AGENCY_COLORS.values())) == len(vocab.AGENCIES)
    assert palette.color_of("agency", "FDA") == plots.AGENCY_COLORS["FDA"]


def test_a_single_cell_is_said_in_a_sentence_not_drawn():
    figure = plots.count_heatmap(pd.DataFrame({"siltuximab": [3]}, index=["Multiple myeloma"]), "Trials")
    assert not any(ax.collections for ax in figure.axes)
    assert any("3" in t.get_text() and "Multiple myeloma" in t.get_text() for ax in figure.axes for t in ax.texts)


# --- issue 21: what counts as "first" ---------------------------------------------------------------------


def test_an_undated_authorisation_makes_the_first_on_or_before_the_earliest_dated(approvals_of):
    view = approvals_of([_row("MHLW", "rheumatoid-arthritis", "2008-04-16"),
                         _row("TGA", "rheumatoid-arthritis", None, route="IV"),
                         _row("TGA", "rheumatoid-arthritis", "2016-01-19", route="SC")])
    first = approvals.first_approvals(view).set_index("agency").loc["TGA"]
    assert first["first_date"] == "on or before 2016-01-19" and pd.isna(first["first_earliest"])
    assert approvals.approval_matrix(view, "TGA").loc["Rheumatoid arthritis", "tocilizumab"] == "on or before 2016"
    lags = approvals.approval_lags(view).set_index("agency")
    assert lags.loc["TGA", "order"] == "order unknown" and pd.isna(lags.loc["TGA", "lag_min_days"])
    assert lags.loc["MHLW", "order"] == "order unknown"  # the undated TGA licence may be older
    assert "days" not in " ".join(approvals.lag_text(approvals.approval_lags(view)))


def test_a_lag_after_an_on_or_before_reference_has_no_upper_bound(approvals_of):
    view = approvals_of([_row("HC", "rheumatoid-arthritis", None), _row("HC", "rheumatoid-arthritis", "2010-04-30"),
                         _row("FDA", "rheumatoid-arthritis", "2005-01-01"), _row("MFDS", "rheumatoid-arthritis",
                                                                                  "2012-04-06")])
    view = approvals.approvals_view(agencies=["HC", "MFDS"])
    lags = approvals.approval_lags(view)
    assert dict(zip(lags["agency"], approvals.lag_text(lags)))["MFDS"] == "at least 707 days after HC"


def test_an_emergency_use_first_is_marked_and_not_timed_as_a_licence(approvals_of):
    view = approvals_of([_row("FDA", "covid-19", "2021-06-24", status="emergency_use", route="IV"),
                         _row("FDA", "covid-19", "2022-12-21", route="IV"),
                         _row("EC", "covid-19", "2021-12", route="IV")])
    assert approvals.approval_matrix(view, "FDA").loc["COVID-19", "tocilizumab"] == "2021 (EUA; licence 2022)"
    assert approvals.approval_matrix(view, "FDA", count_eua=False).loc["COVID-19", "tocilizumab"] == "2022"
    lags = approvals.approval_lags(view).set_index("agency")
    assert lags.loc["EC", "order"] == "first" and lags.loc["FDA", "first_date"] == "2022-12-21"
    assert (lags.loc["FDA", "lag_min_days"], lags.loc["FDA", "lag_max_days"]) == (355, 385)  # from 2021-12-01..31
    counted = approvals.approval_lags(view, count_eua=True).set_index("agency")
    assert counted.loc["FDA", "order"] == "first"


def test_the_route_is_shown_where_a_first_date_belongs_to_one_route(approvals_of):
    view = approvals_of([_row("FDA", "rheumatoid-arthritis", "2010-01-08", route="IV"),
                         _row("FDA", "rheumatoid-arthritis", "2013-10-21", route="SC")])
    assert approvals.approval_matrix(view, "FDA").loc["Rheumatoid arthritis", "tocilizumab"] == "2010 (IV)"


def test_the_agent_by_agency_summary_gives_first_ever_indications_routes_and_status(approvals_of):
    view = approvals_of([_row("FDA", "covid-19", "2021-06-24", status="emergency_use", route="IV"),
                         _row("FDA", "covid-19", "2025-08-08", status="emergency_use_revoked", route="IV"),
                         _row("TGA", "rheumatoid-arthritis", None, route="IV"),
                         _row("TGA", "giant-cell-arteritis", "2016-01-19", route="SC"),
                         _row("EC", "rheumatoid-arthritis", "2009-01-16", status="complete_response")])
    summary = approval_summary.agency_summary(view).set_index("agency")
    assert summary.loc["FDA", ["first_date", "status"]].tolist() == ["2021-06-24 (EUA)", "emergency use only, revoked"]
    assert summary.loc["TGA", ["first_date", "indications", "routes", "status"]].tolist() == [
        "on or before 2016-01-19", 2, "IV, SC", "authorised"]
    assert summary.loc["EC", ["first_date", "indications", "status"]].tolist() == ["", 0, "Complete response letter"]


def test_a_date_window_counts_undated_decisions_apart(approvals_of):
    approvals_of([_row("FDA", "rheumatoid-arthritis", "2010-01-08"), _row("FDA", "covid-19", "2022-12-21"),
                  _row("HC", "rheumatoid-arthritis", None), _row("TGA", "rheumatoid-arthritis", None)])
    sentence = approval_summary.selection_sentence(approvals.approvals_view(date_from="2020-01-01"), windowed=True)
    assert sentence.startswith("**1 dated regulatory decision in the window**, plus 2 undated that may fall outside")
    empty = approval_summary.selection_sentence(approvals.approvals_view(agencies=["MHRA"]), windowed=False)
    assert empty.startswith("**No regulatory action matches")


# --- issue 21: what a trial count counts ------------------------------------------------------------------


@pytest.mark.slow
def test_helpers_count_what_the_report_counts_by_default():
    from il6analysis.reporting.catalog import load_report

    assert load_report("cancer_types").defaults["intents"] == list(trials.COUNTED_INTENTS) == ["antitumour"]
    default = trials.trials_view(agents=["siltuximab"], cancer_types=["multiple myeloma"])
    assert set(default["intent"]) == {"antitumour"}
    assert default["nct_id"].nunique() < trials.trials_view(agents=["siltuximab"], intents=None)["nct_id"].nunique()


def test_a_trial_whose_purpose_is_not_stated_is_not_counted_as_antitumour(data_copy, edit, monkeypatch):
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    counted = trials.trials_view(agents=["tocilizumab"])
    chosen = sorted(counted["nct_id"])[0]
    edit(data_copy, "trials", lambda f: f.assign(intent=f["intent"].where(f["nct_id"] != chosen, "unknown")))
    counted, other = trials.by_purpose(agents=["tocilizumab"])
    assert chosen not in set(counted["nct_id"]) and chosen in set(other["nct_id"])


def test_the_combination_chart_counts_trials_and_names_them_per_cancer_type():
    counts = trials.regimens_by_cancer(trials.trials_view(cancer_types=["multiple myeloma"]))
    myeloma = counts[counts["cancer_type"] == "Multiple myeloma"]
    assert myeloma["cancer_trials"].iloc[0] == trials.trials_view(cancer_types=["multiple myeloma"])["nct_id"].nunique()
    assert myeloma["trials"].sum() > myeloma["cancer_trials"].iloc[0]  # combinations count in each group
    assert {"corticosteroid"} <= set(myeloma["regimen"].astype(str))
    figure = plots.regimens_plot(counts)
    labels_shown = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels_shown == [f"Multiple myeloma ({myeloma['cancer_trials'].iloc[0]} trials)"]
    assert not [p for p in figure.axes[0].patches if p.get_x() > 0]  # nothing stacked
    assert palette.REGIMEN_COLORS["corticosteroid"] == palette.color_of("partner_class", "corticosteroid")
    assert len(set(palette.REGIMEN_COLORS.values())) == len(palette.REGIMEN_COLORS)


def test_cancer_reports_state_their_scope():
    counted, other = trials.by_purpose()
    sentence = trials.scope_sentence(counted, other)
    undated = counted.drop_duplicates("nct_id")["start_date"].isna().sum()
    assert f"({undated} of them without a start date)" in sentence
    assert "not every registered trial" in sentence
    empty = trials.scope_sentence(*trials.by_purpose(cancer_types=["melanoma"]))
    assert empty.startswith("**No trial with the counted purpose matches")


# --- issue 21: cosmetics that cost trust ------------------------------------------------------------------


def test_brand_names_in_cjk_script_are_drawn_not_boxes(recwarn):
    from matplotlib import font_manager

    if not {"Noto Sans CJK JP", "Noto Sans CJK SC"} & {f.name for f in font_manager.fontManager.ttflist}:
        pytest.skip("fonts-noto-cjk is not installed (.ci/run installs it)")
    plots.set_theme()
    figure = plots.message_figure("Actemra (雅美罗), Actemra (악템라주), Kevzara (ケブザラ)")
    figure.canvas.draw()
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def _overlapping(labels_drawn) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent()) for t in labels_drawn if t.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


@pytest.mark.parametrize("figure", [
    lambda: plots.frequency_heatmap(label_display.marked_columns(
        label_display.merged_frequency_matrix(safety.adverse_events_view()),
        label_display.coverage_marks(None, "adverse_events"))),
    lambda: plots.warnings_heatmap(safety.warnings_matrix()),
    lambda: plots.approval_matrix_heatmap(approvals.approval_matrix(approvals.approvals_view(), "EC"), "EC"),
])
def test_column_labels_of_heatmaps_never_overlap(figure):
    drawn = figure()
    drawn.canvas.draw()
    assert _overlapping(drawn.axes[0].get_xticklabels()) == []


# --- issue 21: label tables that say what they hold ----------------------------------------------------


def test_spelling_variants_are_one_row_with_the_labels_wording_kept(data_copy, edit, monkeypatch):
    monkeypatch.setenv("IL6_DATA_DIR", str(data_copy))
    edit(data_copy, "adverse_events", lambda f: f.assign(
        term=f["term"].where(~((f["agent_id"] == "tocilizumab") & (f["term"] == "Headache")), "Hypertriglyceridaemia")))
    matrix = label_display.merged_frequency_matrix(safety.adverse_events_view(agents=["sarilumab", "tocilizumab"]))
    rows = [r for r in matrix.index if r.startswith("Hypertriglycerid")]
    assert rows == ["Hypertriglyceridaemia (label: Hypertriglyceridemia)"]
    assert matrix.loc[rows[0]].notna().all()  # both agents on one row
    assert "ALT increased" in matrix.index and "Transaminases increased (label: Transaminase increased)" in matrix.index


def test_a_blank_cell_and_a_partial_table_are_explained():
    marks = label_display.coverage_marks(["sarilumab", "siltuximab"], "adverse_events")
    assert marks == {"sarilumab": "partial", "siltuximab": "not curated"}
    matrix = label_display.marked_columns(label_display.merged_frequency_matrix(
        safety.adverse_events_view(agents=["sarilumab", "tocilizumab"])), label_display.coverage_marks(None,
                                                                                                    "adverse_events"))
    assert "sarilumab (Kevzara) [partial]" in matrix.columns
    figure = plots.frequency_heatmap(matrix)
    assert "not in this agent's curated label table" in figure.get_supxlabel().replace("\n", " ")
    notes = label_display.coverage_notes(["sarilumab"], "adverse_events", ["sarilumab"])
    assert len(notes) == 1 and "**partial**" in notes[0] and "missing:" in notes[0]


def test_an_active_comparator_is_not_called_placebo():
    assert label_display.comparator_label("placebo SC (IV tocilizumab 8 mg/kg arm)") == (
        "active: IV tocilizumab 8 mg/kg (double-dummy: placebo SC)")
    assert label_display.comparator_label("methotrexate") == "active: methotrexate"
    assert label_display.comparator_label("placebo + DMARDs") == "placebo + DMARDs"
    view = safety.adverse_events_view(agents=["tocilizumab"], terms=["Injection site reaction"])
    assert set(label_display.label_rows_shown(view)["comparator"]) == {
        "active: IV tocilizumab 8 mg/kg (double-dummy: placebo SC)", "placebo SC + DMARDs"}
    legend = plots.excess_dotplot(safety.excess_over_comparator(view)).legends[0]
    assert any("vs active: IV tocilizumab" in t.get_text() for t in legend.get_texts())


def test_a_profile_text_fits_an_agent_without_a_label():
    assert "trials behind this agent's label" in label_display.profile_safety_text("Actemra")
    unlabelled = label_display.profile_safety_text("levilimab")
    assert "trials behind" not in unlabelled and "none of its label's safety sections is curated" in unlabelled
    investigational = label_display.profile_safety_text("olamkicept")
    assert "no authorised label" in investigational and "phase2" in investigational
