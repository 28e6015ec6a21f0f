"""Report charts speak the request's language: title, axes, codes, footnote; an empty one says so."""

from __future__ import annotations

import matplotlib

from app.reports import chart_words
from app.reports.charts import render
from app.reports.schemas import TableOut


def _svg(table: TableOut, lang: str, names: dict[str, str] | None = None) -> str:
    # text kept as <text> elements (not paths) so that the words can be read back
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        title = chart_words.title("registrations", [table.rows_dimension], lang)
        return render(table, title=title, fmt="svg", threshold=5, lang=lang, names=names).decode()


def _table(rows: list[str], values: list[list[int | None]], dimension: str = "sex") -> TableOut:
    return TableOut(
        name="registrations", rows_dimension=dimension, columns_dimension=None, rows=rows, columns=["count"],
        values=values, column_totals=[None], total=None,
    )  # fmt: skip


def test_a_chart_asked_in_french_has_only_french_words() -> None:
    svg = _svg(_table(["female", "male", "unknown"], [[7], [None], [9]]), "fr")
    for french in ("Inscriptions par sexe", "Femme", "Homme", "Non précisé", "nombre", "masqué", "petits effectifs"):
        assert french in svg, french
    for english in ("Registrations", "female", "count", "hidden", "small counts"):
        assert english not in svg, english


def test_a_chart_in_english_and_service_types_by_name() -> None:
    svg = _svg(_table(["female"], [[7]]), "en")
    assert "Registrations by sex" in svg and "Female" in svg and "count" in svg
    svg = _svg(_table(["SOCIAL"], [[6]], "service_type"), "fr", {"SOCIAL": "Accompagnement social"})
    assert "Accompagnement social" in svg and "SOCIAL" not in svg


def test_an_empty_chart_says_so_on_a_zero_based_axis() -> None:
    svg = _svg(_table([], []), "fr")
    assert "Aucune donnée pour cette période." in svg
    assert "−" not in svg  # no negative tick (matplotlib writes a minus sign there)
    svg = _svg(_table(["female", "male"], [[None], [None]]), "fr")
    assert "Toutes les cellules sont masquées pour protéger les petits effectifs : rien à dessiner." in svg
    assert "−" not in svg  # no negative tick (matplotlib writes a minus sign there)


def test_titles_of_case_charts() -> None:
    assert chart_words.title("cases", ["status"], "fr", "open") == "Dossiers en cours par statut"
    assert chart_words.title("cases", ["service_type"], "en", "opened") == "Opened cases by service type"


def _grid(rows: list[str], columns: list[str], values: list[list[int | None]]) -> TableOut:
    return TableOut(
        name="registrations", rows_dimension="sex", columns_dimension="age_band", rows=rows, columns=columns,
        values=values, column_totals=[None] * len(columns), total=None,
    )  # fmt: skip


def test_a_hidden_cell_is_no_bar_and_no_zero() -> None:
    """A cell hidden by secondary suppression may hold 40: it gets no bar, a "hidden" label where
    its bar would be, and a footnote that says it is not zero (it said "drawn as 0")."""
    svg = _svg(_table(["female", "male", "unknown"], [[7], [None], [0]]), "en")
    assert 'id="bar-0-0"' in svg and 'id="bar-2-0"' in svg  # a real zero is a (flat) bar
    assert 'id="bar-1-0"' not in svg
    assert 'id="suppressed-1"' in svg and 'id="suppressed-0"' not in svg
    assert "no bar is drawn; it is not zero" in svg
    assert "drawn as 0" not in svg


def test_a_stacked_chart_leaves_hidden_segments_out_and_says_how_many() -> None:
    table = _grid(["female", "male"], ["18-24", "25-34", "35-49"], [[12, None, None], [None, 9, None]])
    svg = _svg(table, "fr")
    drawn = {f"bar-{i}-{j}" for i in range(2) for j in range(3) if f'id="bar-{i}-{j}"' in svg}
    assert drawn == {"bar-0-0", "bar-1-1"}
    assert 'id="suppressed-0"' in svg and 'id="suppressed-1"' in svg
    assert "2 masqués" in svg
    assert "dessinées à 0" not in svg
