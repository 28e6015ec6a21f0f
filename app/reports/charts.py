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

from app.reports.schemas import TableOut

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def render(table: TableOut, *, title: str, fmt: str, threshold: int) -> bytes:
    """The chart of ``table`` as PNG or SVG bytes (``fmt`` is ``png`` or ``svg``)."""
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
        label = column if table.columns_dimension else None
        ax.bar(positions, heights, bottom=bottoms, label=label)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    names = table.names or {}
    rotated = len(table.rows) > 6
    ax.set_xticks(
        positions,
        [names.get(r, r) for r in table.rows],
        rotation=45 if rotated else 0,
        ha="right" if rotated else "center",
    )
    ax.set_xlabel(table.rows_dimension)
    ax.set_ylabel("count")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    if table.columns_dimension and table.columns:
        ax.legend(title=table.columns_dimension, fontsize="small", ncols=1 if len(table.columns) < 8 else 2)
    if suppressed:
        fig.text(0.01, 0.01, f"Cells below {threshold} are suppressed and drawn as 0.", fontsize="small")
    fig.tight_layout(rect=(0, 0.04 if suppressed else 0, 1, 1))
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
