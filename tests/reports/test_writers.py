"""Export writers: CSV read back with the csv module, XLSX with openpyxl, formula injection, filenames."""

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from app.core.config import Settings
from app.reports.pseudonyms import Pseudonymizer, pseudonym_key
from app.reports.writers import Column, CsvWriter, content_disposition
from app.reports.xlsx import XlsxWriter

COLUMNS = [
    Column("name"),
    Column("phone", "phone"),
    Column("document", "document"),
    Column("born", "date"),
    Column("at", "datetime"),
    Column("count", "int"),
]
ROWS = [
    [
        "Aïssatou Ndèye",
        "+221771234567",
        "A01234567",
        dt.date(1990, 5, 17),
        dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        3,
    ],
    ['=HYPERLINK("http://example.org","x")', "+212612345678", "0012345", None, None, 0],
    ["@SUM(A1)", None, "-12", dt.date(2000, 1, 1), None, None],
]


def _csv(delimiter: str = ",") -> bytes:
    writer = CsvWriter(COLUMNS, delimiter=delimiter)
    return writer.header() + writer.rows(ROWS)


def test_csv_starts_with_a_bom_and_reads_back_equal() -> None:
    data = _csv()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["name", "phone", "document", "born", "at", "count"]
    assert rows[1] == ["Aïssatou Ndèye", "'+221771234567", "A01234567", "1990-05-17", "2026-03-01T09:30:00Z", "3"]


def test_csv_semicolon_option() -> None:
    rows = list(csv.reader(io.StringIO(_csv(";").decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "Aïssatou Ndèye"
    assert rows[1][3] == "1990-05-17"


def test_csv_formula_like_cells_and_phones_are_inert() -> None:
    rows = list(csv.reader(io.StringIO(_csv().decode("utf-8-sig"))))
    assert rows[2][0] == '\'=HYPERLINK("http://example.org","x")'
    assert rows[3][0] == "'@SUM(A1)"
    assert rows[3][2] == "'-12"
    assert rows[2][1] == "'+212612345678"  # a spreadsheet would make it 2.12613E+11
    assert rows[2][2] == "0012345"


def test_csv_text_fields_are_quoted_so_a_separator_cannot_open_a_new_cell() -> None:
    writer = CsvWriter([Column("a")], delimiter=",")
    assert writer.rows([["x;=cmd|' /C calc'!A0"]]) == b"\"x;=cmd|' /C calc'!A0\"\r\n"


# OWASP "CSV Injection": every trigger a spreadsheet evaluates, including after leading white
# space (LibreOffice and Excel skip it), and the full-width forms; each written through the writer.
INJECTIONS = [
    '=HYPERLINK("http://example.org","x")',
    ' =HYPERLINK("http://example.org","x")',
    "\n=1+1",
    "\r\n=1+1",
    "\u00a0=1+1",
    "  @SUM(A1)",
    "+1+1",
    "+22177 123",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\tx",
    "＝1+1",
    " ＋1",
    "+221771234567",
    "+212612345678",
]
PLAIN = ["Diop", "a=b", "", "N'Diaye", "  Diop", "1=1", "221771234567"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_csv_writer_writes_every_formula_trigger_with_an_apostrophe(value: str) -> None:
    writer = CsvWriter([Column("a")])
    rows = list(csv.reader(io.StringIO((writer.header() + writer.rows([[value]])).decode("utf-8-sig"))))
    assert rows[1] == ["'" + value]


@pytest.mark.parametrize("value", PLAIN)
def test_csv_writer_keeps_plain_text_verbatim(value: str) -> None:
    writer = CsvWriter([Column("a")])
    rows = list(csv.reader(io.StringIO((writer.header() + writer.rows([[value]])).decode("utf-8-sig"))))
    assert rows[1] == [value]


def test_xlsx_writer_writes_every_formula_trigger_as_a_string_cell_in_a_text_column(tmp_path: Path) -> None:
    writer = XlsxWriter([Column("a")], tmpdir=tmp_path)
    writer.rows([[v] for v in INJECTIONS + PLAIN])
    writer.close()
    sheet = openpyxl.load_workbook(writer.file).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # The writer stores a CR as the OOXML escape _x000D_, which Excel decodes and openpyxl does not.
    values = [unescape(c.value or "") for c in cells]
    assert values == INJECTIONS + PLAIN
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    # Text format on each cell and on the column: what is re-entered there stays text. (No quote
    # prefix any more: the library styles columns, not single cells; see app/reports/xlsx.py.)
    # ("" is an empty cell, no cell at all in the file: the column's format is its format.)
    assert [c.number_format for c in cells if c.value is not None] == ["@"] * (len(INJECTIONS + PLAIN) - 1)
    assert sheet.column_dimensions["A"].number_format == "@"
    writer.discard()


def test_xlsx_reads_back_typed_and_inert(tmp_path: Path) -> None:
    writer = XlsxWriter(COLUMNS, sheet_name="registrants", tmpdir=tmp_path)
    assert writer.rows(ROWS) == 3
    writer.close()
    book = openpyxl.load_workbook(writer.file)
    sheet = book["registrants"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["name", "phone", "document", "born", "at", "count"]
    assert values[1] == [
        "Aïssatou Ndèye",
        "+221771234567",
        "A01234567",
        dt.datetime(1990, 5, 17),
        dt.datetime(2026, 3, 1, 9, 30),
        3,
    ]
    injected = sheet["A3"]
    assert injected.value == '=HYPERLINK("http://example.org","x")'
    assert injected.data_type == "s"  # a string cell, never a formula
    assert injected.number_format == "@"  # in a text cell: re-editing it keeps it text
    assert sheet["A4"].data_type == "s" and sheet["A4"].value == "@SUM(A1)"
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "+221771234567"
    assert sheet["C3"].value == "0012345"  # leading zeros kept: a text cell
    assert sheet["D2"].is_date
    writer.discard()
    assert writer.file.closed


def test_content_disposition_has_ascii_fallback_and_utf8_name() -> None:
    assert content_disposition("cases.csv") == 'attachment; filename="cases.csv"'
    assert content_disposition("indicateurs été.xlsx") == (
        "attachment; filename=\"indicateurs ete.xlsx\"; filename*=UTF-8''indicateurs%20%C3%A9t%C3%A9.xlsx"
    )
    assert content_disposition('a"b\r\n.csv') == "attachment; filename=\"a_b__.csv\"; filename*=UTF-8''a%22b%0D%0A.csv"


def _settings(tmp_path: Path, **kw: str) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **kw)  # type: ignore[arg-type,call-arg]


def test_pseudonyms_are_stable_and_differ_across_keys_and_kinds(tmp_path: Path) -> None:
    person = uuid.UUID("0b1f6f1e-6a53-4b8e-9a51-2f3a4c5d6e7f")
    one = Pseudonymizer(pseudonym_key(_settings(tmp_path, secret_key="k" * 40)))
    again = Pseudonymizer(pseudonym_key(_settings(tmp_path, secret_key="k" * 40)))
    other = Pseudonymizer(pseudonym_key(_settings(tmp_path, secret_key="j" * 40)))
    dedicated = Pseudonymizer(pseudonym_key(_settings(tmp_path, secret_key="k" * 40, pseudonym_key="p" * 32)))
    value = one("registrant", person)
    assert value is not None and value.startswith("P-") and len(value) == 22
    assert again("registrant", person) == value
    assert other("registrant", person) != value
    assert dedicated("registrant", person) != value
    assert one("case", person) != value
    assert str(person) not in value and person.hex[:20] not in value


def test_pseudonym_key_is_not_the_signing_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path, secret_key="k" * 40)
    assert pseudonym_key(settings) != settings.signing_key().encode()
    assert len(pseudonym_key(settings)) == 32
