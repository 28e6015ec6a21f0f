"""The XLSX export writer's own promises, read back with openpyxl: a text column holds only text,
an empty export keeps its header, a failure or an abandoned export leaves no process and no file,
and rows are never held faster than they are written (a bounded hand-over). Also the small report
files, which another writer lays out (no header row)."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import tracemalloc
from pathlib import Path
from typing import BinaryIO

import openpyxl
import pytest

from app.reports import xlsx
from app.reports.files import report_xlsx
from app.reports.schemas import ReportOut, TableOut
from app.reports.writers import Column
from app.reports.xlsx import CUT_MARK, MAX_TEXT, XlsxWriter, excel_serial
from tests.reports.xlsx_values import Held, Unprintable, writer_processes


def _read(file: BinaryIO) -> list[list[object]]:
    return [[c.value for c in row] for row in openpyxl.load_workbook(file).active.iter_rows()]


def test_every_value_in_a_text_column_is_text_as_the_csv_writes_it(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("v"), Column("n", "int")], tmpdir=tmp_path)
    at = dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    writer.rows([[dt.date(1990, 5, 17), 1], [at, 2], [True, 3], [2.5, 4], ["Fès", 5]])
    writer.close()
    sheet = openpyxl.load_workbook(writer.file).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["1990-05-17", "2026-03-01T09:30:00Z", "true", "2.5", "Fès"]
    assert all((c.data_type, c.number_format) == ("s", "@") for c in cells)
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [1, 2, 3, 4, 5]
    writer.discard()


def test_values_in_typed_columns_keep_their_type_and_anything_else_is_text(tmp_path: Path) -> None:
    columns = [Column("n", "int"), Column("on", "date"), Column("ok", "bool")]
    writer = XlsxWriter(columns, tmpdir=tmp_path)
    writer.rows([[float("nan"), "unknown", None], [7, dt.date(2026, 3, 1), False], [True, 12, "x"]])
    writer.close()
    sheet = openpyxl.load_workbook(writer.file).active
    assert [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [("nan", "s"), ("unknown", "s"), (None, "n")],
        [(7, "n"), (dt.datetime(2026, 3, 1), "d"), (False, "b")],
        [(True, "b"), ("12", "s"), ("x", "s")],
    ]
    writer.discard()


def test_text_longer_than_an_excel_cell_is_cut_to_its_limit_and_says_so(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("details"), Column("on", "date")], tmpdir=tmp_path)
    writer.rows([["é" * (MAX_TEXT + 10), "x" * (MAX_TEXT + 1)], ["é" * MAX_TEXT, None]])
    writer.close()
    [cut, cut_too], [whole, _] = _read(writer.file)[1:]
    assert cut == "é" * (MAX_TEXT - len(CUT_MARK)) + CUT_MARK and len(cut) == MAX_TEXT
    assert cut_too == "x" * (MAX_TEXT - len(CUT_MARK)) + CUT_MARK
    assert whole == "é" * MAX_TEXT, "a text that fits is not marked"
    writer.discard()


def test_timestamps_keep_fractions_of_a_second_in_utc(tmp_path: Path) -> None:
    """The library writes a ``datetime`` to the second: two audit events of one second would read
    alike. Written as Excel's day number, the fraction stays (openpyxl reads it to the millisecond)."""
    writer = XlsxWriter([Column("at", "datetime"), Column("on", "date")], tmpdir=tmp_path)
    at = dt.datetime(2026, 12, 2, 18, 13, 57, 429_945, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    writer.rows([[at, at]])
    writer.close()
    book = openpyxl.load_workbook(writer.file)
    [read, on] = next(book.active.iter_rows(min_row=2))
    assert read.is_date and read.number_format == "yyyy-mm-dd hh:mm:ss"
    assert abs(read.value - dt.datetime(2026, 12, 2, 17, 13, 57, 429_945)) < dt.timedelta(milliseconds=1)
    assert on.number_format == "yyyy-mm-dd" and on.value.date() == dt.date(2026, 12, 2)
    assert excel_serial(dt.datetime(1900, 3, 1, 12, tzinfo=dt.UTC)) == 61.5, "Excel's day 61 is 1900-03-01"
    writer.discard()


def test_an_export_without_rows_has_its_header_row(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("name"), Column("born", "date")], tmpdir=tmp_path)
    writer.close()
    book = openpyxl.load_workbook(writer.file)
    assert _read(writer.file) == [["name", "born"]]
    assert book.active.freeze_panes == "A2"
    writer.discard()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sheet_name": "a/b"}, "sheet name"),
        ({"sheet_name": ""}, "sheet name"),
        ({"columns": [Column("a"), Column("a", "int")]}, "distinct"),
    ],
)
def test_a_sheet_excel_refuses_is_refused_at_once_and_leaves_nothing(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    columns = options.pop("columns", [Column("a")])
    with pytest.raises(ValueError, match=message):
        XlsxWriter(columns, tmpdir=tmp_path, **options)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    assert writer_processes() == []


def test_a_value_the_library_refuses_midway_fails_close_and_leaves_no_process_and_no_file(tmp_path: Path) -> None:
    # A lone surrogate is a str that is not Unicode text: the library cannot encode it.
    writer = XlsxWriter([Column("name"), Column("n", "int")], tmpdir=tmp_path)
    with pytest.raises(UnicodeEncodeError, match="surrogates"):
        for i in range(10):
            writer.rows([[f"Diop {i}", i]] * 200 + ([["Nd\ud800iaye", 0]] if i == 4 else []))
        writer.close()
    writer.discard()
    assert writer_processes() == []
    assert list(tmp_path.iterdir()) == []


def test_an_error_converting_a_value_fails_close_and_leaves_no_process_and_no_file(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("name")], tmpdir=tmp_path)
    writer.rows([["Awa"], [Unprintable()]])
    with pytest.raises(ValueError, match="no text for this value"):
        writer.close()
    with pytest.raises(ValueError, match="no text for this value"):  # and again: nothing more is written
        writer.rows([["Fatou"]])
    assert writer_processes() == []
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_row_of_the_wrong_width_fails_close(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("a"), Column("b")], tmpdir=tmp_path)
    writer.rows([["x", "y"], ["z"]])
    with pytest.raises(ValueError, match="zip"):
        writer.close()
    writer.discard()
    assert list(tmp_path.iterdir()) == [] and writer_processes() == []


def test_an_export_discarded_midway_stops_its_process_and_deletes_its_file(tmp_path: Path) -> None:
    release = tmp_path / "release"
    writer = XlsxWriter([Column("name")], tmpdir=tmp_path)
    writer.rows([[Held(release)]])
    writer.rows([["Awa"]] * 500)  # waiting behind the held one
    assert writer_processes() != []
    writer.discard()
    assert writer_processes() == []
    assert list(tmp_path.iterdir()) == []
    writer.discard()  # twice is harmless


def test_rows_wait_for_the_writer_so_only_a_few_batches_are_ever_held(tmp_path: Path) -> None:
    """40 batches of 500 rows, the writer held up on the first row: the batches handed over fill
    the pipe (64 KB) and no more are taken (the caller waits), so memory stays flat whatever the
    size of the export; once released, every row is written."""
    release = tmp_path / "release"
    writer = XlsxWriter([Column("name"), Column("n", "int")], tmpdir=tmp_path)
    handed: list[int] = []

    def feed() -> None:
        writer.rows([[Held(release), -1]])
        for b in range(40):
            writer.rows([[f"Personne {b * 500 + i}", b * 500 + i] for i in range(500)])
            handed.append(b)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        time.sleep(0.5)  # time enough for a hand-over that does not wait to take them all
        waiting = len(handed)
        time.sleep(0.3)
        assert len(handed) == waiting < 10 and feeder.is_alive()
    finally:
        release.touch()
        feeder.join(10)
    assert len(handed) == 40
    writer.close()
    book = openpyxl.load_workbook(writer.file, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert len(rows) == 1 + 1 + 20_000
    assert rows[1] == ("held", -1) and rows[-1] == ("Personne 19999", 19_999)
    writer.discard()


def test_writing_20000_rows_holds_a_few_batches_at_most(tmp_path: Path) -> None:
    """Python memory traced while 20,000 rows are handed over and written (40 batches of 500, each
    ~100 KB): the peak is that of a few batches. A writer keeping its rows (or their records) would
    hold them all, several MB; the library's own rows go to its temporary file."""
    writer = XlsxWriter([Column("name"), Column("n", "int"), Column("on", "date")], tmpdir=tmp_path)
    tracemalloc.start()
    try:
        for b in range(40):
            writer.rows([[f"Personne {b * 500 + i}", i, dt.date(2026, 1, 1)] for i in range(500)])
        writer.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    book = openpyxl.load_workbook(writer.file, read_only=True)
    assert sum(1 for _ in book.active.iter_rows()) == 20_001
    book.close()
    writer.discard()


def test_the_report_file_starts_with_its_title_freezes_nothing_and_keeps_labels_inert() -> None:
    table = TableOut(
        name="registrations",
        rows_dimension="host_city",
        rows=["Casablanca", '=HYPERLINK("http://example.org","x")'],
        columns=["count"],
        values=[[12], [None]],
        column_totals=[None],
        total=15,
    )
    report = ReportOut(
        report="registrations", start=dt.date(2026, 2, 1), end=None, desks=["CASA-BASE"], suppression_threshold=5,
        tables=[table],
    )  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(report_xlsx(report))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["registrations 2026-02-01.. CASA-BASE", None, None, None],
        ["table", "host_city", "count", "total"],
        ["registrations", "Casablanca", 12, 12],
        ["registrations", '=HYPERLINK("http://example.org","x")', "x", "x"],
        ["registrations", "total", "x", 15],
    ]
    assert sheet.freeze_panes is None
    label = sheet["B4"]
    assert (label.data_type, label.number_format, label.quotePrefix) == ("s", "@", True)
    assert (sheet["B3"].number_format, sheet["B3"].quotePrefix) == ("@", False)
    assert (sheet["C3"].data_type, sheet["C4"].data_type) == ("n", "s")


def test_a_writer_process_that_cannot_start_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python that cannot run the writer (here, one whose module does not exist): the error is
    the writer's, and neither the process nor the file remains."""
    monkeypatch.setattr(xlsx, "WRITER_MODULE", "app.reports.no_such_writer")
    writer = XlsxWriter([Column("name")], tmpdir=tmp_path)
    with pytest.raises(RuntimeError, match="writer process stopped"):
        writer.rows([["Awa"]] * 50_000)  # more than the pipe holds: the dead writer is noticed
    with pytest.raises(RuntimeError, match="writer process stopped"):
        writer.close()
    writer.discard()
    assert writer_processes() == []
    assert list(tmp_path.iterdir()) == []
