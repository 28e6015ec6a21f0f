"""Small report files: a report's tables as CSV or XLSX (built in memory; reports are small).

Layout: one row per table row — ``table``, the row label, one column per table column, ``total``
— with suppressed cells written as ``x`` (the statistical offices' mark for "confidential"):
never ``<N``, since a cell hidden by secondary suppression can hold any value. Tables with different columns are
written one after the other, each after its own header row.
"""

from __future__ import annotations

from typing import Any

from app.reports.schemas import ReportOut
from app.reports.writers import Column, CsvWriter, XlsxWriter

SUPPRESSED_MARK = "x"


def _rows(report: ReportOut) -> list[list[Any]]:
    out: list[list[Any]] = []
    hidden = SUPPRESSED_MARK

    def show(value: int | None) -> Any:
        return hidden if value is None else value

    previous: list[str] | None = None
    for table in report.tables:
        header = ["table", table.rows_dimension, *table.columns, "total"]
        if header[2:] != (previous or [])[2:] or header[1] != (previous or ["", ""])[1]:
            if out:
                out.append([])
            out.append(header)
            previous = header
        for i, label in enumerate(table.rows):
            total = table.row_totals[i] if table.row_totals is not None else table.values[i][0]
            out.append([table.name, label, *(show(v) for v in table.values[i]), show(total)])
        out.append([table.name, "total", *(show(v) for v in table.column_totals), show(table.total)])
    return out


def report_csv(report: ReportOut, *, delimiter: str = ",") -> bytes:
    """The report as CSV (UTF-8 with BOM)."""
    rows = _rows(report)
    width = max((len(r) for r in rows), default=1)
    writer = CsvWriter([Column(f"c{i}") for i in range(width)], delimiter=delimiter)
    title = [f"{report.report} {report.start or ''}..{report.end or ''} {' '.join(report.desks)}"]
    body = writer.rows([title, *rows])
    return "\ufeff".encode() + body


def report_xlsx(report: ReportOut) -> bytes:
    """The report as an XLSX workbook (counts as numbers, suppressed cells as text)."""
    rows = _rows(report)
    width = max((len(r) for r in rows), default=1)
    writer = XlsxWriter([Column("", "int", 14) for _ in range(width)], sheet_name=report.report, header=False)
    try:
        writer.rows([[f"{report.report} {report.start or ''}..{report.end or ''} {' '.join(report.desks)}"], *rows])
        writer.close()
        return writer.path.read_bytes()
    finally:
        writer.discard()
