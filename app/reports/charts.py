"""PNG and SVG charts of report tables, drawn with matplotlib's object API (Agg, no pyplot state).

A table becomes a bar chart, one stacked series per column: ``rows`` on the x axis, or on the y
axis (bars lying down, labels wrapped) when they are many or long, so that no label runs into
another. A suppressed cell gets no bar (nor a segment of a stacked bar), and since a missing bar
alone would read as zero, its place carries a dashed "hidden" label (``2 hidden`` for two segments
of one bar); a footnote says that hidden cells protect small counts and are not zeros (a cell
hidden by secondary suppression may hold any number). No hidden figure can be read off: nothing is
drawn from its value. Rendering is CPU work: call :func:`render` from a worker thread.

In the SVG, each drawn bar segment has the id ``bar-<row>-<column>`` and each hidden label
``suppressed-<row>`` (indexes in the table), so the drawing can be checked.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from app.reports import chart_words
from app.reports.schemas import TableOut

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


# A label wider than its column of an upright chart (about 10 characters an inch at the default
# size) would run into its neighbours: such a table, or one of many rows, is drawn lying down.
_CHARS_PER_INCH = 10
_UPRIGHT_MAX_ROWS = 6
_NOTE_CHARS_PER_INCH = 13  # characters of the footnote (small type, about 8 pt) per inch of line, rounded down
_NOTE_LINE_INCHES = 0.16  # height of one of its lines
_WRAP = 40  # characters a line of a lying label; a longer label goes on more lines, never cut


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
    of codes (service types, regions) on top of the table's own ``names``. See :func:`figure`."""
    fig = figure(table, title=title, threshold=threshold, lang=lang, names=names)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def figure(
    table: TableOut, *, title: str, threshold: int, lang: str = "en", names: dict[str, str] | None = None
) -> Figure:
    """The chart of ``table`` laid out (arguments as :func:`render`): upright bars for a few short
    labels; for more than six rows, or a label wider than its bar, bars lying down in the table's
    order, each label whole on lines of at most 40 characters, the figure as tall as they need."""
    names = {**(table.names or {}), **(names or {})}
    labels = [chart_words.code(r, lang, names) for r in table.rows]
    width = max(6.0, min(16.0, 0.6 * len(table.rows) + 3))
    slot = width / max(1, len(table.rows))  # inches of axis per row, upright
    lying = len(labels) > _UPRIGHT_MAX_ROWS or any(len(label) > slot * _CHARS_PER_INCH for label in labels)
    if lying:
        labels = [textwrap.fill(label, _WRAP, break_long_words=False) for label in labels]
        lines = max((label.count("\n") + 1 for label in labels), default=1)
        # each row as tall as the longest label (a line of text is about 0.17 in) and a gap
        fig = Figure(figsize=(9.0, 1.8 + len(labels) * (0.2 * lines + 0.12)), dpi=100)
    else:
        fig = Figure(figsize=(width, 4.8), dpi=100)
    ax = fig.add_subplot()
    positions = list(range(len(table.rows)))
    bottoms = [0] * len(table.rows)
    hidden = [sum(1 for v in row if v is None) for row in table.values]
    suppressed = any(hidden)
    for j, column in enumerate(table.columns):
        shown = [i for i in positions if table.values[i][j] is not None]
        heights = [table.values[i][j] or 0 for i in shown]
        label = chart_words.code(column, lang, names) if table.columns_dimension else None
        start = [bottoms[i] for i in shown]
        if lying:
            bars = ax.barh(shown, heights, left=start, label=label)
        else:
            bars = ax.bar(shown, heights, bottom=start, label=label)
        for i, patch in zip(shown, bars.patches, strict=True):
            patch.set_gid(f"bar-{i}-{j}")
        for i, height in zip(shown, heights, strict=True):
            bottoms[i] += height
    for i, count_hidden in enumerate(hidden):
        if count_hidden:  # where a bar (or a segment) is missing: said, never drawn as a height
            words = (
                chart_words.word("hidden", lang)
                if count_hidden == 1
                else chart_words.word("hidden_many", lang, count=count_hidden)
            )
            mark = ax.annotate(
                words,
                (bottoms[i], i) if lying else (i, bottoms[i]),
                xytext=(3, 0) if lying else (0, 3),
                textcoords="offset points",
                ha="left" if lying else "center",
                va="center" if lying else "bottom",
                fontsize="small",
                fontstyle="italic",
                bbox={"boxstyle": "round,pad=0.2", "fill": False, "linestyle": "--", "edgecolor": "grey"},
            )
            mark.set_gid(f"suppressed-{i}")
    if suppressed:  # room beyond the bars for the labels
        if lying:
            ax.margins(x=0.15)
        else:
            ax.margins(y=0.15)
    category, count = (ax.yaxis, ax.xaxis) if lying else (ax.xaxis, ax.yaxis)
    category.set_ticks(positions, labels)
    category.set_label_text(chart_words.dimension(table.rows_dimension, lang))
    count.set_label_text(chart_words.word("count", lang))
    count.set_major_locator(MaxNLocator(integer=True))
    if lying:
        ax.invert_yaxis()  # the first row on top, as in the table
    if not any(bottoms):  # nothing above zero: an axis from 0 to 1, not matplotlib's −0.05..0.05
        (ax.set_xlim if lying else ax.set_ylim)(0, 1)
        count.set_ticks([0, 1])
    # an empty period, or one whose every cell is hidden, says so on the chart
    every_cell_hidden = suppressed and all(v is None for row in table.values for v in row)
    empty = None if any(bottoms) else "all_suppressed" if every_cell_hidden else None if suppressed else "empty"
    if empty:
        message = chart_words.word(empty, lang, threshold=threshold)
        ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", wrap=True)
    ax.set_title(title)
    if table.columns_dimension and table.columns:
        legend_title = chart_words.dimension(table.columns_dimension, lang)
        ax.legend(title=legend_title, fontsize="small", ncols=1 if len(table.columns) < 8 else 2)
    bottom = 0.0
    if suppressed:  # the footnote on lines as wide as the image, and room for them under the axes
        note = chart_words.word("suppressed", lang, threshold=threshold)
        note_lines = textwrap.wrap(note, int((fig.get_figwidth() - 0.2) * _NOTE_CHARS_PER_INCH), break_long_words=False)
        fig.text(0.1 / fig.get_figwidth(), 0.08 / fig.get_figheight(), "\n".join(note_lines), fontsize="small")
        bottom = (0.12 + _NOTE_LINE_INCHES * len(note_lines)) / fig.get_figheight()
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig
