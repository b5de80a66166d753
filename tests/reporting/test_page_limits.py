"""What a report page may hold: long outputs are cut with a note, never published whole."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from il6analysis.reporting.execute import MAX_TEXT_OUTPUT, PAGE_TEXT_BUDGET, render_html

HEADER = {"title": "Test page", "parameters": {}, "curated_on": "2026-12-02", "data_hash": "0" * 64,
          "version": "0", "generated": "2026-12-03T00:00:00+00:00"}


def page(*outputs: nbformat.NotebookNode) -> str:
    return render_html(new_notebook(cells=[new_code_cell("", outputs=[output]) for output in outputs]), HEADER)


def test_a_notebook_printing_tens_of_megabytes_gives_a_page_of_about_a_megabyte():
    printed = "a line a notebook printed\n" * 800_000  # 20.8 MB
    html = page(new_output("stream", name="stdout", text=printed))
    assert len(html) < 1_000_000
    assert f"[output truncated: the first {MAX_TEXT_OUTPUT:,} of {len(printed):,} characters are shown; " \
           "the whole output is in the executed notebook beside this page]" in html
    assert "a line a notebook printed" in html


def test_many_long_outputs_share_one_page_budget_and_a_huge_rich_output_is_left_out():
    chunk = "y" * (MAX_TEXT_OUTPUT - 1)
    outputs = [new_output("stream", name="stdout", text=chunk) for _ in range(2 * PAGE_TEXT_BUDGET // MAX_TEXT_OUTPUT)]
    outputs.append(new_output("display_data", data={"text/html": "<p>" + "z" * 6_000_000 + "</p>", "text/plain": "x"}))
    outputs.append(new_output("execute_result", data={"text/plain": "small value"}, execution_count=1))
    html = page(*outputs)
    assert PAGE_TEXT_BUDGET < len(html) < PAGE_TEXT_BUDGET + 500_000
    assert "z" * 1000 not in html
    assert "[an output of 6,000,007 characters (text/html) is left out of this page;" in html
    assert html.count("[output truncated: the first ") >= PAGE_TEXT_BUDGET // MAX_TEXT_OUTPUT  # every one past the budget


def test_figures_and_short_outputs_are_untouched():
    png = "iVBORw0KGgo" + "A" * 3_000_000  # a large figure stays: figures are what a report is for
    html = page(new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
                new_output("stream", name="stdout", text="short\n"))
    assert "short" in html and "output truncated" not in html
    assert png in html.replace("\n", "")
