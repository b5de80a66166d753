"""pandera's failures in words a curator understands, each with its CSV line and value.

A schema failure names a check (``str_matches(...)``, ``field_uniqueness`` ...) and a
row index; :func:`schema_problems` turns each into a
:class:`~il6analysis.errors.Problem`: the CSV line (the header is line 1), the column,
the rule in plain words and the value as the CSV holds it.
"""

from __future__ import annotations

import pandas as pd

from il6analysis.curated.schemas import pa
from il6analysis.errors import Problem


def schema_problems(
    table: str, frame: pd.DataFrame, raw: pd.DataFrame, schema: type[pa.DataFrameModel],
    known: set[tuple[int | None, str | None]],
) -> list[Problem]:
    """Run ``schema`` on the typed ``frame`` of ``table`` (``raw``: its CSV text, read by
    :func:`~il6analysis.curated.csvtext.read_csv_text`).

    Returns:
        Every failure as a :class:`Problem` with its CSV line, column, the rule in words and
        the value as written in the CSV; a rule on a whole row once per line; failures at a
        ``(line, column)`` in ``known`` (values that did not parse) left out. Collecting them
        takes time in proportion to the failures.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems, row_rules = [], set()  # a set: a list's membership test made this quadratic in rows
        for case in exc.failure_cases.to_dict("records"):
            index = case.get("index")
            line = None if index is None or pd.isna(index) else int(index) + 2
            column = case.get("column")
            column = None if column is None or pd.isna(column) else str(column)
            if (line, column) in known:
                continue  # already reported as a value that does not parse
            rule = _describe_check(str(case.get("check")))
            if case.get("schema_context") == "DataFrameSchema" and case.get("check") != "column_in_dataframe":
                problem = Problem(table, line, None, rule)  # a rule on the whole row: one problem per line
                if problem not in row_rules:
                    row_rules.add(problem)
                    problems.append(problem)
                continue
            value = raw.at[int(index), column] if line is not None and column in raw.columns else case.get("failure_case")
            shown = None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            problems.append(Problem(table, line, column, rule, shown))
        return problems
    return []


_CHECK_WORDS = {
    "not_nullable": "missing value in a required column",
    "field_uniqueness": "duplicate key",
    "multiple_fields_uniqueness": "duplicate key",
}


def _describe_check(check: str) -> str:
    """Turn a pandera check name into words a curator understands."""
    if check in _CHECK_WORDS:
        return _CHECK_WORDS[check]
    if check.startswith("str_matches"):
        return "wrong format: must match " + check.removeprefix("str_matches(").removesuffix(")")
    for prefix, words in (("greater_than_or_equal_to(", ">="), ("less_than_or_equal_to(", "<=")):
        if check.startswith(prefix):
            return f"out of range: must be {words} {check.removeprefix(prefix).removesuffix(')')}"
    if check == "column_in_dataframe":
        return "required column is missing"
    if check == "column_in_schema":
        return "unexpected column (not in the schema)"
    return check
