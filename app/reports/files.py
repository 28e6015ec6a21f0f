"""Small report files: a report's tables as CSV or XLSX (built in memory; reports are small).

Layout: one row per table row — ``table``, the row label, one column per table column, ``total``
— with suppressed cells written as ``x`` (the statistical offices' mark for "confidential"):
never ``<N``, since a cell hidden by secondary suppression can hold any value. Tables with different columns are
written one after the other, each after its own header row. A table whose labels are codes with
names (regions of origin: :attr:`~app.reports.schemas.TableOut.names`) carries them too: a ``name``
column after the row label for its rows, a ``name`` row under the header for its columns.

In words (``labels=fr|en``, :mod:`app.reports.report_words`): the title line, the sheet, the
header cells, the ``table`` column, the row and column labels and the dimensions' names are
written as the charts draw them (a region or service type by its name, so no ``name`` column or
row); counts stay numbers and a suppressed cell stays ``x``.

The XLSX is written by xlsxwriter, not by the exports' writer (:mod:`app.reports.xlsx`): that one
takes each row as a record keyed by column name under a single header row, which cannot lay out a
title line, tables under header rows of their own and blank lines between; and a report is a few
hundred cells, where the exports' speed is no concern. Each cell is typed and styled on its own, as
before: counts are numbers, text is a string cell in the text format (``@``), formula-looking text
(:mod:`app.core.spreadsheet`) with Excel's quote prefix as well.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from app.core.spreadsheet import needs_quote
from app.reports.report_words import ReportWords
from app.reports.schemas import ReportOut, TableOut
from app.reports.writers import Column, CsvWriter

SUPPRESSED_MARK = "x"


def _as_is(_table: TableOut, value: str) -> str:
    return value


def _rows(report: ReportOut, words: ReportWords | None = None) -> list[list[Any]]:
    out: list[list[Any]] = []
    hidden = SUPPRESSED_MARK
    label = words.label if words else _as_is
    table_word, total_word = (words.word("table"), words.word("total")) if words else ("table", "total")

    def show(value: int | None) -> Any:
        return hidden if value is None else value

    previous: list[str] | None = None
    for table in report.tables:
        names = {} if words else table.names or {}  # in words, a code's name is its label
        row_names = any(r in names for r in table.rows)
        named = ["name"] if row_names else []
        dimension = words.dimension(table.rows_dimension) if words else table.rows_dimension
        columns = [label(table, c) for c in table.columns]
        header = [table_word, dimension, *named, *columns, total_word]
        if header != (previous or []):
            if out:
                out.append([])
            out.append(header)
            if any(column in names for column in table.columns):
                out.append(["", "name", *([""] if row_names else []), *(names.get(c, "") for c in table.columns), ""])
            previous = header
        table_name = words.report(table.name) if words else table.name
        for i, row in enumerate(table.rows):
            total = table.row_totals[i] if table.row_totals is not None else table.values[i][0]
            name = [names.get(row, "")] if row_names else []
            out.append([table_name, label(table, row), *name, *(show(v) for v in table.values[i]), show(total)])
        out.append(
            [
                table_name,
                total_word,
                *([""] if row_names else []),
                *(show(v) for v in table.column_totals),
                show(table.total),
            ]
        )
    return out


def _title(report: ReportOut, words: ReportWords | None) -> str:
    name = words.report(report.report) if words else report.report
    return f"{name} {report.start or ''}..{report.end or ''} {' '.join(report.desks)}"


def report_csv(report: ReportOut, *, delimiter: str = ",", words: ReportWords | None = None) -> bytes:
    """The report as CSV (UTF-8 with BOM); in ``words`` if given (else in codes)."""
    rows = _rows(report, words)
    width = max((len(r) for r in rows), default=1)
    writer = CsvWriter([Column(f"c{i}") for i in range(width)], delimiter=delimiter)
    body = writer.rows([[_title(report, words)], *rows])
    return "\ufeff".encode() + body


def report_xlsx(report: ReportOut, words: ReportWords | None = None) -> bytes:
    """The report as an XLSX workbook (counts as numbers, suppressed cells as text), built in memory.

    One sheet named after the report (cut to 31 characters): the title line first, then the rows of
    :func:`_rows`; no header row is frozen, columns are 14 characters wide (in ``words``, as wide
    as their longest word, up to 40, and the sheet named in words).
    """
    title = _title(report, words)
    rows = [[title], *_rows(report, words)]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet((words.report(report.report) if words else report.report)[:31])
    text = book.add_format({"num_format": "@"})
    quoted = book.add_format({"num_format": "@", "quote_prefix": True})
    if words is None:
        sheet.set_column(0, max(len(r) for r in rows) - 1, 14)
    else:  # the words fit (the title line, one long cell, may run over the next ones)
        for j in range(max(len(r) for r in rows)):
            longest = max((len(str(r[j])) for r in rows[1:] if j < len(r)), default=0)
            sheet.set_column(j, j, max(14, min(40, longest + 2)))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(i, j, value)
            else:
                cell = str(value)
                sheet.write_string(i, j, cell, quoted if needs_quote(cell) else text)
    book.close()
    return out.getvalue()
