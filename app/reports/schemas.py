"""Response bodies of the statistics: tables ready to plot, with suppressed cells as ``null``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class TableOut(BaseModel):
    """A count table: ``values[i][j]`` counts ``rows[i]`` × ``columns[j]``.

    ``null`` marks a suppressed cell (fewer than ``suppression_threshold`` people or records, or
    hidden so that totals cannot give a small cell back). One-dimensional breakdowns have one
    column named ``count`` and no ``row_totals``. Plot ``rows`` on the x axis and one series per
    column.
    """

    name: str = Field(examples=["registrations"])
    rows_dimension: str = Field(examples=["sex"])
    columns_dimension: str | None = Field(default=None, examples=["age_band"])
    rows: list[str]
    columns: list[str]
    values: list[list[int | None]]
    row_totals: list[int | None] | None = None
    column_totals: list[int | None]
    total: int | None
    names: dict[str, str] | None = Field(
        default=None,
        description="Display names of row or column labels that are codes (regions of origin); "
        "CSV and XLSX files carry them in a `name` column or row.",
        examples=[{"SN-DK": "Dakar"}],
    )


class ReportOut(BaseModel):
    """A report: its period (local dates of each desk, inclusive), desks and tables."""

    report: str
    start: dt.date | None
    end: dt.date | None
    desks: list[str]
    suppression_threshold: int
    tables: list[TableOut]
    notes: list[str] = []


class DurationStatOut(BaseModel):
    """Time to resolution of one group, in calendar days (``null`` when fewer cases than the threshold)."""

    group: str
    cases: int | None
    median_days: float | None
    p90_days: float | None


class DurationReportOut(BaseModel):
    """Median and 90th percentile (nearest rank) of days from opening to closure, by group."""

    report: str
    start: dt.date | None
    end: dt.date | None
    desks: list[str]
    suppression_threshold: int
    group_by: str
    groups: list[DurationStatOut]
    overall: DurationStatOut
