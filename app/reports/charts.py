"""PNG and SVG charts of report tables, drawn with matplotlib's object API (Agg, no pyplot state).

A table becomes a bar chart: ``rows`` on the x axis, one stacked series per column. Suppressed
cells are drawn as zero and the chart says so in a footnote, so no hidden figure can be read off.
Rendering is CPU work: call :func:`render` from a worker thread.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from app.reports import chart_words
from app.reports.schemas import TableOut

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def render(
    table: TableOut,
    *,
    title: str,
    fmt: str,
    threshold: int,
    lang: str = "en",
    names: dict[str, str] | None = None,
) -> bytes:
    """The chart of ``table`` as PNG or SVG bytes (``fmt`` is ``png`` or ``svg``), its words in
    ``lang`` (``fr`` or ``en``, :mod:`app.reports.chart_words`); ``names`` gives the display names
    of codes (service types, regions) on top of the table's own ``names``."""
    names = {**(table.names or {}), **(names or {})}
    width = max(6.0, min(16.0, 0.6 * len(table.rows) + 3))
    fig = Figure(figsize=(width, 4.8), dpi=100)
    ax = fig.add_subplot()
    positions = list(range(len(table.rows)))
    bottoms = [0] * len(table.rows)
    suppressed = False
    for j, column in enumerate(table.columns):
        heights = []
        for i in range(len(table.rows)):
            value = table.values[i][j]
            suppressed = suppressed or value is None
            heights.append(value or 0)
        label = chart_words.code(column, lang, names) if table.columns_dimension else None
        ax.bar(positions, heights, bottom=bottoms, label=label)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    rotated = len(table.rows) > 6
    ax.set_xticks(
        positions,
        [chart_words.code(r, lang, names) for r in table.rows],
        rotation=45 if rotated else 0,
        ha="right" if rotated else "center",
    )
    ax.set_xlabel(chart_words.dimension(table.rows_dimension, lang))
    ax.set_ylabel(chart_words.word("count", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if not any(bottoms):  # nothing above zero: an axis from 0 to 1, not matplotlib's −0.05..0.05
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 1])
    # an empty period, or one whose every cell is below the threshold, says so on the chart
    empty = None if any(bottoms) else "all_suppressed" if suppressed else "empty"
    if empty:
        message = chart_words.word(empty, lang, threshold=threshold)
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", wrap=True)
    ax.set_title(title)
    if table.columns_dimension and table.columns:
        legend_title = chart_words.dimension(table.columns_dimension, lang)
        ax.legend(title=legend_title, fontsize="small", ncols=1 if len(table.columns) < 8 else 2)
    if suppressed:
        fig.text(0.01, 0.01, chart_words.word("suppressed", lang, threshold=threshold), fontsize="small")
    fig.tight_layout(rect=(0, 0.04 if suppressed else 0, 1, 1))
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
