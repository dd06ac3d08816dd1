"""The export's escaping: hostile text stays text in Markdown, file names stay bare, CSV cells stay inert."""

from __future__ import annotations

import pytest

from bot.releases.export_format import EMPTY, csv_cell, md, slug, table
from tests.integration.test_export import split_row

CORPUS = ["<!channel>", "<!here>", "<!subteam^S1>", "<@U1>", "<#C1>", "<https://evil|Click>", "[Click](https://evil)",
          "**bold** _it_ ~~gone~~ `code`", "a | b || c", "line one\nline two\r\nthree", "back\\slash\\|pipe",
          "# heading", "&amp; &lt;", "![img](x.png)", "$x$", "zero\u200bwidth\u202eflip", "x" * 4000]


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_a_cell_reads_back_as_what_was_typed_and_makes_no_markup(text: str) -> None:
    cell = md(text)
    clean = text.replace("\u200b", "").replace("\u202e", "").strip()
    assert split_row(f"| {cell} | {md('next')} |") == [clean.replace("\r\n", "\n"), "next"]
    assert "\n" not in cell and "<!" not in cell and "](" not in cell.replace("\\](", "")
    assert "<" not in cell.replace("\\<", "").replace("<br>", "")


def test_limits_and_empties() -> None:
    assert md("") == EMPTY and md("   ") == EMPTY
    assert md("x" * 600, 500) == "x" * 499 + "…"
    assert table(("a", "b"), []) == ["_None._"]


@pytest.mark.parametrize(("name", "expected"), [
    ("v2.3", "v2.3"), ("../../etc/passwd", "etc-passwd"), ("Big launch: Q1/2027", "Big-launch-Q1-2027"),
    ("..", "release"), ("é-launch", "é-launch"), ("a\\b<c>d|e?f*g", "a-b-c-d-e-f-g"), ("CON", "CON"),
])
def test_a_release_name_becomes_a_bare_file_name(name: str, expected: str) -> None:
    assert slug(name) == expected and "/" not in slug(name) and not slug(name).startswith(".")


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx"])
def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe(text: str) -> None:
    assert csv_cell(text) == "'" + text and csv_cell("plain - text") == "plain - text"
