"""Counting into tables with a stable label order, then suppressing small cells."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from app.reports.ages import UNKNOWN
from app.reports.schemas import TableOut
from app.reports.suppression import suppress_list, suppress_table

SEXES = ("female", "male", "unknown")
COUNT_COLUMN = "count"


def share_notes(table: TableOut, part: str, rest: str, phrase: str) -> list[str]:
    """``"<row>: <p>% <phrase>"`` for each row of ``table``, ``p`` being column ``part`` over
    ``part + rest`` (rounded to 0.1); rows with a suppressed cell or nothing to count say nothing,
    so no note gives away a suppressed figure."""
    part_at, rest_at = table.columns.index(part), table.columns.index(rest)
    notes = []
    for label, values in zip(table.rows, table.values, strict=True):
        counted, other = values[part_at], values[rest_at]
        if counted is not None and other is not None and counted + other:
            notes.append(f"{label}: {round(100 * counted / (counted + other), 1)}% {phrase}")
    return notes


def order_labels(known: Sequence[str], seen: set[str]) -> list[str]:
    """``known`` labels in their order, then any other seen label sorted, ``unknown`` last."""
    extra = sorted(label for label in seen - set(known) if label != UNKNOWN)
    ordered = [*known, *extra]
    if UNKNOWN in seen and UNKNOWN not in ordered:
        ordered.append(UNKNOWN)
    return ordered


class Tally:
    """Counts of ``(row, column)`` pairs; ``column`` is omitted for a one-dimensional breakdown."""

    def __init__(
        self,
        rows_dimension: str,
        columns_dimension: str | None = None,
        *,
        rows: Sequence[str] = (),
        columns: Sequence[str] = (),
    ) -> None:
        self.rows_dimension = rows_dimension
        self.columns_dimension = columns_dimension
        self.known_rows = list(rows)
        self.known_columns = list(columns)
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, *labels: str) -> None:
        """Count one record: ``add(row)`` for a one-dimensional tally, ``add(row, column)`` otherwise."""
        row, column = (labels[0], COUNT_COLUMN) if len(labels) == 1 else (labels[0], labels[1])
        self.counts[(row, column)] += 1

    def table(self, name: str, threshold: int) -> TableOut:
        """The suppressed table (see :mod:`app.reports.suppression`)."""
        rows = order_labels(self.known_rows, {r for r, _ in self.counts})
        if self.columns_dimension is None:
            values, total = suppress_list([self.counts[(r, COUNT_COLUMN)] for r in rows], threshold)
            return TableOut(
                name=name,
                rows_dimension=self.rows_dimension,
                rows=rows,
                columns=[COUNT_COLUMN],
                values=[[v] for v in values],
                column_totals=[total],
                total=total,
            )
        columns = order_labels(self.known_columns, {c for _, c in self.counts})
        grid = [[self.counts[(r, c)] for c in columns] for r in rows]
        result = suppress_table(grid, threshold)
        return TableOut(
            name=name,
            rows_dimension=self.rows_dimension,
            columns_dimension=self.columns_dimension,
            rows=rows,
            columns=columns,
            values=result.values,
            row_totals=result.row_totals,
            column_totals=result.column_totals,
            total=result.total,
        )
