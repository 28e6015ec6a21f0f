"""The export files' layout, read back with openpyxl and the csv module: the sheet, its header row
(bold, frozen), column widths and cell formats (text for phones and documents, ISO dates, UTC
date-times), typed values, the temporary file's place, and the CSV value of every Python type.

Expected values come from what the export promises (README "Exports", RFC 4180 for CSV, ECMA-376
number formats), not from the writer's code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import openpyxl
import pytest

from app.reports.writers import Column, CsvWriter, content_disposition
from app.reports.xlsx import XlsxWriter

COLUMNS = [
    Column("name", width=30),
    Column("phone", "phone", width=18),
    Column("document", "document", width=14),
    Column("born", "date"),
    Column("at", "datetime", width=22),
    Column("count", "int", width=8),
    Column("active", "bool", width=9),
]
ROW = [
    "Awa",
    "+221771234567",
    "A0123",
    dt.date(1990, 5, 17),
    dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),  # 09:30 UTC
    7,
    True,
]


class _Typed:
    def __str__(self) -> str:
        return "=1+1"


def _book(tmp_path: Path, **options: object) -> tuple[XlsxWriter, openpyxl.Workbook]:
    writer = XlsxWriter(COLUMNS, tmpdir=tmp_path, **options)  # type: ignore[arg-type]
    writer.rows([ROW, ["x", None, None, None, None, 5.0, False]])
    writer.close()
    book = openpyxl.load_workbook(writer.file)  # read whole: the file can go
    writer.discard()
    return writer, book


def _where(file: BinaryIO) -> tuple[str, int]:
    """The folder a temporary file was made in, as the system names an open file that has no name
    (``…/#inode (deleted)`` or ``…/name (deleted)``), and how many names it has (hard links)."""
    shown = os.readlink(f"/proc/self/fd/{file.fileno()}")
    assert shown.endswith(" (deleted)"), shown
    return os.path.dirname(shown), os.fstat(file.fileno()).st_nlink


def test_the_workbook_never_has_a_name_in_the_given_folder(tmp_path: Path) -> None:
    """The export holds personal data, and a server can be killed mid-export (out of memory, a
    restart): its workbook is a file without a name from the start, so nothing is left on disk
    (the system frees it). The rows written so far wait in the library's constant-memory file,
    anonymous as well."""
    writer = XlsxWriter(COLUMNS, tmpdir=tmp_path)
    assert _where(writer.file) == (str(tmp_path), 0)
    writer.rows([ROW])
    assert list(tmp_path.iterdir()) == []
    writer.close()
    assert list(tmp_path.iterdir()) == [] and _where(writer.file) == (str(tmp_path), 0)
    assert openpyxl.load_workbook(writer.file).active["A2"].value == "Awa"
    writer.discard()
    assert writer.file.closed
    writer.discard()  # twice is harmless


def test_without_a_folder_the_workbook_goes_to_the_systems_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the system's temporary files go
    writer = XlsxWriter(COLUMNS)
    writer.rows([ROW])
    writer.close()
    assert _where(writer.file) == (str(tmp_path), 0)
    assert openpyxl.load_workbook(writer.file).active["A2"].value == "Awa"
    writer.discard()


def test_one_sheet_named_export_by_default_and_names_cut_to_excels_31_characters(tmp_path: Path) -> None:
    _, book = _book(tmp_path)
    assert book.sheetnames == ["export"]
    _, named = _book(tmp_path, sheet_name="indicateurs des bailleurs de fonds 2026")
    assert named.sheetnames == ["indicateurs des bailleurs de fon"[:31]]


def test_header_row_is_bold_and_frozen_and_columns_have_their_widths(tmp_path: Path) -> None:
    _, book = _book(tmp_path)
    sheet = book.active
    assert [c.value for c in sheet[1]] == [c.name for c in COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert not any(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A2"
    widths = [round(sheet.column_dimensions[letter].width) for letter in "ABCDEFG"]
    assert widths == [round(c.width + 0.71) for c in COLUMNS]  # Excel adds the cell padding


def test_text_columns_are_text_columns_and_date_columns_dated_for_cells_typed_in_later(tmp_path: Path) -> None:
    # The column's own format, not only the written cells': a phone typed into an empty cell of the
    # column stays text (+221…, leading zeros) instead of becoming a number, and so does a formula
    # typed into a text column. (The name column was "General" before: the library formats whole
    # columns, and a text column's cells are all text.)
    _, book = _book(tmp_path)
    sheet = book.active
    formats = [sheet.column_dimensions[letter].number_format for letter in "ABCDEFG"]
    assert formats == ["@", "@", "@", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "General", "General"]


def test_cells_are_typed_and_formatted_by_column_kind(tmp_path: Path) -> None:
    _, book = _book(tmp_path)
    sheet = book.active
    name, phone, document, born, at, count, active = sheet[2]
    assert (phone.value, phone.data_type, phone.number_format) == ("+221771234567", "s", "@")
    assert (document.value, document.data_type, document.number_format) == ("A0123", "s", "@")
    assert (born.value, born.number_format) == (dt.datetime(1990, 5, 17), "yyyy-mm-dd")
    assert (at.value, at.number_format) == (dt.datetime(2026, 3, 1, 9, 30), "yyyy-mm-dd hh:mm:ss")  # UTC
    assert (count.value, count.data_type) == (7, "n")
    assert (active.value, active.data_type) == (True, "b")
    assert (name.data_type, name.number_format, name.quotePrefix) == ("s", "@", False)
    _, empty_phone, *_, float_count, inactive = sheet[3]
    assert empty_phone.value is None  # nothing written for a missing value
    assert (float_count.value, float_count.data_type) == (5, "n")
    assert inactive.value is False


def test_a_number_in_a_text_column_is_written_as_text(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("code")], tmpdir=tmp_path)
    writer.rows([[12], [Decimal("1.50")]])
    writer.close()
    sheet = openpyxl.load_workbook(writer.file).active
    assert [(c.value, c.data_type) for (c,) in sheet.iter_rows(min_row=2)] == [("12", "s"), ("1.50", "s")]
    writer.discard()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (2.5, "2.5"),
        (dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2026-03-01T09:30:00Z"),
        (dt.date(1990, 5, 17), "1990-05-17"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        (_Typed(), "'=1+1"),  # any other type: its text, under the formula rule
        ("Fès", "Fès"),
    ],
    ids=repr,
)
def test_csv_writes_each_python_type_as_the_export_promises(value: object, written: str) -> None:
    writer = CsvWriter([Column("v")], delimiter=";")
    data = (writer.header() + writer.rows([[value]])).decode("utf-8")
    assert data.startswith("\ufeff")
    assert data.endswith("\r\n")  # RFC 4180 line ends
    header, row = list(csv.reader(io.StringIO(data.removeprefix("\ufeff")), delimiter=";"))
    assert header == ["v"]
    assert row == [written]


def test_csv_quotes_text_and_leaves_numbers_bare() -> None:
    writer = CsvWriter([Column("a"), Column("b", "int")])
    assert writer.rows([["x", 3]]) == b'"x",3\r\n'
    with pytest.raises(ValueError, match="delimiter"):
        CsvWriter([Column("a")], delimiter="\t")


@pytest.fixture
def host_three_hours_east() -> Iterator[None]:
    """The process's local time zone is UTC+3 (POSIX ``XYZ-3``) for the test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "XYZ-3"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("host_three_hours_east")
def test_timestamps_are_written_in_utc_whatever_the_hosts_zone(tmp_path: Path) -> None:
    # 11:30 at UTC+2 is 09:30 UTC; the host's 12:30 (UTC+3) must not appear.
    writer = CsvWriter([Column("at", "datetime")])
    assert writer.rows([[ROW[4]]]) == b'"2026-03-01T09:30:00Z"\r\n'
    _, book = _book(tmp_path)
    assert book.active["E2"].value == dt.datetime(2026, 3, 1, 9, 30)


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("registrants.csv", 'attachment; filename="registrants.csv"'),
        ("Rapport Dakar.csv", 'attachment; filename="Rapport Dakar.csv"'),
        ("registrants", 'attachment; filename="registrants"'),
        ("X.csv", 'attachment; filename="X.csv"'),
        # nothing of the name left in ASCII: "export" and the last extension
        (
            "تقرير.نهائي.csv",
            "attachment; filename=\"export.csv\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1."
            "%D9%86%D9%87%D8%A7%D8%A6%D9%8A.csv",
        ),
        # the brackets became underscores, which are not the name either
        (
            "تقرير (نهائي).csv",
            "attachment; filename=\"export.csv\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%28"
            "%D9%86%D9%87%D8%A7%D8%A6%D9%8A%29.csv",
        ),
        ("تقرير!", "attachment; filename=\"export\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%21"),
        ("تقرير.csv", "attachment; filename=\"export.csv\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.csv"),
        ("تقرير", "attachment; filename=\"export\"; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1"),
        ("a/b\\c.csv", "attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''a%2Fb%5Cc.csv"),
    ],
)
def test_content_disposition_of_names_without_ascii_or_with_path_characters(filename: str, header: str) -> None:
    assert content_disposition(filename) == header
