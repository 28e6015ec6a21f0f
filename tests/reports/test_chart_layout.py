"""A chart's labels stay readable however many rows and however long their names: no label runs
into another, none is cut at the edge of the image (the catalogue's service types have names of
up to a hundred characters; the case statuses are ten)."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from app.cases.catalogue_data import SEED_SERVICE_TYPES
from app.cases.workflow import STATUSES
from app.reports import charts
from app.reports.schemas import TableOut

NAMES = {s["code"]: s["label_fr"] for s in SEED_SERVICE_TYPES}


def _table(rows: list[str], dimension: str, values: list[list[int | None]] | None = None) -> TableOut:
    return TableOut(
        name="cases", rows_dimension=dimension, columns_dimension=None, rows=rows, columns=["count"],
        values=values or [[6 + i] for i in range(len(rows))], column_totals=[None], total=None,
    )  # fmt: skip


def _label_boxes(fig: Figure) -> list[Bbox]:
    """Where the rows' labels are drawn (the axis whose labels are words, not counts)."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    words = [
        [t for t in axis.get_ticklabels() if not t.get_text().replace("−", "").isdigit()]
        for axis in (ax.xaxis, ax.yaxis)
    ]
    return [t.get_window_extent(renderer) for t in max(words, key=len)]


CASES = {
    "many long service types": (list(NAMES), "service_type"),
    "three long service types": (list(NAMES)[:3], "service_type"),
    "case statuses": (list(STATUSES), "status"),
    "sexes": (["female", "male", "unknown"], "sex"),
}


def _drawn(table: TableOut) -> Figure:
    """The figure :func:`charts.render` saves as PNG for ``table`` (French words, catalogue names)."""
    drawn: list[Figure] = []
    save = Figure.savefig

    def keep(fig: Figure, *args: Any, **kwargs: Any) -> None:
        drawn.append(fig)
        save(fig, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", keep)
        # matplotlib's "Tight layout not applied" (labels too big for the figure) is an error here
        assert charts.render(table, title="Dossiers", fmt="png", threshold=5, lang="fr", names=NAMES)[:4] == b"\x89PNG"
    return drawn[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_label_overlaps_another_or_leaves_the_image(case: str) -> None:
    rows, dimension = CASES[case]
    fig = _drawn(_table(rows, dimension))
    boxes = _label_boxes(fig)
    assert len(boxes) == len(rows)
    whole = fig.bbox
    for box in boxes:
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0 and box.y1 <= whole.y1, (box, whole)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_every_label_is_whole_on_the_chart() -> None:
    ax = _drawn(_table(list(NAMES), "service_type")).axes[0]
    shown = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert shown == [NAMES[c] for c in NAMES]


def _texts_outside(fig: Figure) -> list[tuple[str, Bbox]]:
    """The figure-level texts (the footnote) drawn beyond the image's edges, with their boxes."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    whole = fig.bbox
    outside = []
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        if not (whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0 and box.y1 <= whole.y1):
            outside.append((text.get_text(), box))
    return outside


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_footnote_on_hidden_cells_is_whole_in_the_image(case: str) -> None:
    """A chart with a hidden cell says why under it; the sentence wraps to the image's width, the
    narrowest chart (three upright bars) included, and no label runs into it."""
    rows, dimension = CASES[case]
    values: list[list[int | None]] = [[None if i == 0 else 6 + i] for i in range(len(rows))]
    fig = _drawn(_table(rows, dimension, values))
    assert [t.get_text() for t in fig.texts], "the footnote is drawn"
    assert _texts_outside(fig) == []
    renderer = FigureCanvasAgg(fig).get_renderer()
    note = fig.texts[0].get_window_extent(renderer)
    for box in [*_label_boxes(fig), fig.axes[0].xaxis.label.get_window_extent(renderer)]:
        assert not note.overlaps(box), (note, box)
