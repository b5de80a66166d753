"""Reading a curated CSV file as text, strictly: every cell a string, nothing guessed.

An empty file, a file that is not UTF-8, and a row with more or fewer fields
than the header (a line truncated at a field boundary, or one with a stray
comma) are problems with the file's line, never silently padded with missing
values.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from il6analysis.errors import DataValidationError, Problem


def _decode(name: str, data: bytes) -> str:
    """The CSV bytes as text, refused when they are not UTF-8 or hold no header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError([Problem(name, None, None, f"unreadable CSV: not UTF-8 text ({exc})")]) from None
    if not text.strip():
        raise DataValidationError([Problem(name, 1, None, "the file is empty: expected a header line, then one line per row")])
    return text


def _field_count_problems(name: str, text: str) -> list[Problem]:
    """Every row whose number of fields differs from the header's (a truncated or padded line)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        problems, start = [], reader.line_num + 1
        for record in reader:
            if record and len(record) != len(header):
                problems.append(Problem(
                    name, start, None,
                    f"row has {len(record)} field(s), the header has {len(header)}: the line is truncated or has extra fields",
                ))
            start = reader.line_num + 1
    except csv.Error as exc:
        return [Problem(name, reader.line_num, None, f"unreadable CSV: {exc}")]
    return problems


def read_csv_text(name: str, data: bytes) -> pd.DataFrame:
    """Return the CSV bytes of table ``name`` as a frame of stripped strings (empty cells missing).

    Raises:
        DataValidationError: the bytes are empty or whitespace, not UTF-8, not
            CSV, or a row's field count differs from the header's (each such
            row listed with its line).
    """
    text = _decode(name, data)
    problems = _field_count_problems(name, text)
    if problems:
        raise DataValidationError(problems)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise DataValidationError([Problem(name, None, None, f"unreadable CSV: {exc}")]) from None
    return raw.apply(lambda column: column.str.strip())
