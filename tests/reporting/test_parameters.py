"""Report parameters are checked, converted and resolved before any kernel starts."""

from __future__ import annotations

import pytest

from il6analysis.errors import ParameterError
from il6analysis.reporting.catalog import available_reports, load_report
from il6analysis.reporting.parameters import check_parameters, parse_assignments


def specs(name):
    return load_report(name).parameters


def test_every_notebook_parameter_has_a_type_a_default_and_help():
    for name in available_reports():
        declared = specs(name)
        assert declared, name
        for spec in declared.values():
            assert spec.type_name in {"str", "float", "int", "bool", "list[str]"}, (name, spec)
            assert spec.help, (name, spec.name)


def test_defaults_are_returned_when_nothing_is_given():
    values = check_parameters(load_report("approvals"), {})
    assert values == {"agents": [], "agencies": [], "indication_categories": [], "date_from": "", "date_to": "",
                      "count_eua": False}


def test_unknown_parameter_names_the_valid_ones():
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("approvals"), {"agencie": "FDA"})
    message = str(info.value)
    assert "unknown parameter 'agencie'; did you mean 'agencies'?" in message
    assert "valid: agents, agencies, indication_categories, date_from, date_to" in message


def test_names_are_resolved_and_unknown_ones_rejected_with_close_matches():
    assert check_parameters(load_report("approvals"), {"agents": "Actemra,Kevzara"})["agents"] == [
        "sarilumab", "tocilizumab"]
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("approvals"), {"agents": "Actemra,Actemr,foo"})
    assert len(info.value.problems) == 2
    assert "unknown agent 'Actemr'; did you mean: 'Actemra'" in str(info.value)
    assert "unknown agent 'foo'" in str(info.value)


def test_values_are_converted_to_the_declared_type():
    values = check_parameters(load_report("side_effects"), {"min_pct": "2.5", "socs": "infections and infestations"})
    assert values["min_pct"] == 2.5
    assert values["socs"] == ["Infections and infestations"]


def test_wrong_type_says_which_parameter_expected_what():
    with pytest.raises(ParameterError, match=r"parameter 'min_pct' \(float\): expected a number, got 'lots'"):
        check_parameters(load_report("side_effects"), {"min_pct": "lots"})


def test_domain_checks_dates_ranges_and_vocabularies():
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("approvals"), {"date_from": "2020-13-01", "agencies": "FDA,XYZ"})
    text = str(info.value)
    assert "not a date as YYYY-MM-DD" in text and "unknown agency 'XYZ'" in text and "valid: FDA, EC" in text
    with pytest.raises(ParameterError, match="percentage between 0 and 100"):
        check_parameters(load_report("side_effects"), {"min_pct": "140"})
    assert check_parameters(load_report("cancer_types"), {"phases": "phase 2,Phase3"})["phases"] == [
        "PHASE2", "PHASE3"]
    assert check_parameters(load_report("cancer_types"), {"cancer_types": "NSCLC,MM"})["cancer_types"] == [
        "Lung cancer", "Multiple myeloma"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("cancer_types"), {"phase": "2", "agents": "zzz", "statuses": "done"})
    assert len(info.value.problems) == 3


def test_parse_assignments():
    assert parse_assignments(["agents=Actemra,Kevzara", "date_from="]) == {"agents": "Actemra,Kevzara", "date_from": ""}
    with pytest.raises(ValueError, match="key=value"):
        parse_assignments(["agents"])


def test_unknown_report_lists_close_matches():
    with pytest.raises(Exception, match="approvals"):
        load_report("aprovals")


def test_date_from_after_date_to_is_rejected():
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("approvals"), {"date_from": "2020-06-01", "date_to": "2019-01-01"})
    assert "date_from 2020-06-01 is after date_to 2019-01-01" in str(info.value)
    assert "start is on or before its end" in str(info.value)


def test_a_missing_faers_database_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("side_effects"), {"faers_db": "faers/absent.duckdb"})
    message = str(info.value)
    assert f"no FAERS store at {tmp_path / 'faers' / 'absent.duckdb'}" in message
    assert "il6 refresh faers --db PATH" in message and "leave faers_db empty" in message


def test_different_faers_databases_get_different_output_names(tmp_path, monkeypatch, faers_database):
    import shutil

    from il6analysis.reporting.execute import parameter_slug

    monkeypatch.chdir(tmp_path)
    shutil.copytree(faers_database, tmp_path / "a" / "x")
    shutil.copytree(faers_database, tmp_path / "a-x")
    report = load_report("side_effects")
    slugs = set()
    for given in ("a/x", "a-x", str(tmp_path / "a-x")):
        values = check_parameters(report, {"faers_db": given})
        assert values["faers_db"] == str((tmp_path / given).resolve()), "made absolute for the kernel"
        slugs.add(parameter_slug(values, report.defaults))
    assert len(slugs) == 2, "two stores, two names; the same store named two ways, one name"


def test_a_selection_in_another_order_names_one_run(tmp_path):
    from il6analysis.errors import SuiteError
    from il6analysis.reporting.execute import parameter_slug
    from il6analysis.reporting.suite import load_suite
    from il6analysis.reporting.titles import run_title

    report = load_report("approvals")
    one = check_parameters(report, {"agents": "Kevzara,Actemra", "agencies": "EMA,FDA,EMA"})
    other = check_parameters(report, {"agents": "Actemra,Kevzara", "agencies": "FDA,EC"})
    assert one == other
    assert one["agents"] == ["sarilumab", "tocilizumab"] and one["agencies"] == ["EC", "FDA"]
    assert parameter_slug(one, report.defaults) == parameter_slug(other, report.defaults)
    assert run_title(report, one) == run_title(report, other)
    suite = tmp_path / "suite.toml"
    suite.write_text('[[report]]\nnotebook = "approvals"\ngrid = { agencies = ["FDA"] }\n'
                     'parameters = { agents = ["Kevzara", "Actemra"] }\n\n'
                     '[[report]]\nnotebook = "approvals"\ngrid = { agencies = ["FDA"] }\n'
                     'parameters = { agents = ["Actemra", "Kevzara"] }\n')
    with pytest.raises(SuiteError, match=r"report #2 \(approvals\): duplicates report #1"):
        load_suite(suite)


def test_a_bad_value_repeated_in_one_parameter_is_one_problem():
    with pytest.raises(ParameterError) as info:
        check_parameters(load_report("approvals"), {"agencies": ",".join(["XYZ"] * 9000 + ["FDA"])})
    assert len(info.value.problems) == 1 and "unknown agency 'XYZ'" in info.value.problems[0]
