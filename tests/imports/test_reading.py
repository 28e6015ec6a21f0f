"""Reading register files: encodings, delimiters, headers, XLSX, and every kind of bad file."""

import io
import zipfile

import pytest

from app.imports.errors import (
    EmptyRegister,
    TruncatedRegister,
    UnreadableRegister,
    UnrecognisedHeaders,
    UnsupportedRegisterFormat,
)
from app.imports.reading import header_key, read_register
from tests.imports.conftest import HEADER, csv_file, register_bytes, xlsx_file

ROW = "1;01-06-2019;Lamine;Dieng;M;03/10/1980;Dakar;Ziguinchor;;;76-301-38-80;;Tétouan;;;;;"


def test_shared_register_is_windows_1252_semicolon_with_every_column_mapped() -> None:
    table = read_register(register_bytes(), filename="registre_casablanca_2019_2021.csv")
    assert (table.file_format, table.encoding, table.delimiter) == ("csv", "cp1252", ";")
    assert len(table.rows) == 2000
    assert len(table.columns) == 18
    assert table.ignored_columns == []
    assert table.rows[0].line == 2
    assert table.rows[0].cells["given_names"] == "Lamine Serigne"
    assert table.rows[1].cells["date_of_birth"] == "13/12/1978"
    assert table.rows[-1].cells["occupation"] == "Commerçant"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("N°", "n"),
        ("Prénom(s)", "prenom s"),
        ("  PRÉNOM(S) ", "prenom s"),
        ("Date d'arrivée au Maroc", "date d arrivee au maroc"),
        ("N° CNI", "n cni"),
    ],
)
def test_header_keys_ignore_accents_case_and_spacing(header: str, key: str) -> None:
    assert header_key(header) == key


def test_utf8_with_bom_comma_and_variant_headers() -> None:
    content = "\ufeffNO,prenoms,NOM,sexe,Date de Naissance,telephone,Remarque\n7,Awa,Ndiaye,F,1990,770000000,x\n"
    table = read_register(content.encode("utf-8"))
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.columns == {
        "source_number": "NO",
        "given_names": "prenoms",
        "family_name": "NOM",
        "sex": "sexe",
        "date_of_birth": "Date de Naissance",
        "phones": "telephone",
    }
    assert table.ignored_columns == ["Remarque"]
    assert table.rows[0].cells["given_names"] == "Awa"


def test_tab_delimited_utf8() -> None:
    table = read_register("Prénom\tNom\nAwa\tDiop\n".encode())
    assert (table.encoding, table.delimiter, table.rows[0].cells["family_name"]) == ("utf-8", "\t", "Diop")


def test_quoted_cell_with_the_delimiter_and_a_line_break_keeps_the_next_line_number() -> None:
    content = csv_file('1;01/06/2019;Awa;Diop;F;;;;;;;;;;;;"Demande; urgente\r\nsur deux lignes";', ROW)
    table = read_register(content)
    assert table.rows[0].cells["request"] == "Demande; urgente\r\nsur deux lignes"
    assert [r.line for r in table.rows] == [2, 4]


def test_row_with_missing_cells_in_the_middle_is_marked_malformed() -> None:
    table = read_register(csv_file("1;01/06/2019;Awa;Diop", ROW))
    assert table.rows[0].problem == "4 cells where the header has 18"
    assert table.rows[1].problem is None


def test_empty_file_is_refused() -> None:
    with pytest.raises(EmptyRegister, match=r"The file is empty\."):
        read_register(b"")


def test_blank_file_is_refused() -> None:
    with pytest.raises(EmptyRegister):
        read_register(b"\r\n  \r\n")


def test_header_only_file_is_refused() -> None:
    with pytest.raises(EmptyRegister, match=r"header line \(line 1\) and no data row"):
        read_register(csv_file())


def test_truncated_last_line_is_refused_with_its_line() -> None:
    content = register_bytes()[:5000]  # cut in the middle of a row, no final line break
    with pytest.raises(TruncatedRegister) as caught:
        read_register(content)
    assert caught.value.extra["line"] == 29
    assert caught.value.detail_en is not None
    assert caught.value.detail_en.startswith("The last line (29) is cut: ")


def test_unclosed_quote_at_the_end_is_refused() -> None:
    with pytest.raises(TruncatedRegister, match="unclosed quote"):
        read_register(csv_file(ROW) + b'2;01/06/2019;Awa;Diop;F;;;;;;;;;;;;"Demande coup')


def test_wrong_headers_are_refused_naming_what_was_found() -> None:
    with pytest.raises(UnrecognisedHeaders, match="found: 'Produit', 'Prix'"):
        read_register(b"Produit;Prix\nRiz;12\n")


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(UnrecognisedHeaders, match="Two columns mean the same field: 'Nom' and 'NOM'"):
        read_register(b"Prenom;Nom;NOM\nAwa;Diop;Diop\n")


def test_binary_content_is_unreadable() -> None:
    with pytest.raises(UnreadableRegister, match="not text in any encoding"):
        read_register(bytes(range(256)) * 40)


def test_utf8_bom_followed_by_invalid_utf8_is_unreadable() -> None:
    with pytest.raises(UnreadableRegister, match="not valid UTF-8"):
        read_register(b"\xef\xbb\xbfPr\xe9nom;Nom\n")


def test_file_named_xlsx_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(UnsupportedRegisterFormat, match="not an XLSX workbook"):
        read_register(csv_file(ROW), filename="registre.xlsx")


def test_legacy_xls_is_refused() -> None:
    with pytest.raises(UnsupportedRegisterFormat):
        read_register(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, filename="registre.bin")


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnsupportedRegisterFormat, match="not a readable XLSX workbook"):
        read_register(out.getvalue(), filename="registre.xlsx")


def test_xlsx_cells_are_read_as_shown_and_a_formula_without_saved_value_is_marked() -> None:
    import datetime as dt

    data = [1, dt.datetime(2019, 6, 1), "Awa", "DIOP", "F", "03/10/1980", "Dakar", "Thiès", None, None]
    data += [212612345678, None, "Casablanca", None, None, None, "Carte consulaire", '=HYPERLINK("http://x","y")']
    content = xlsx_file([HEADER.split(";"), data])
    table = read_register(content, filename="registre.xlsx")
    assert (table.file_format, table.encoding, table.delimiter) == ("xlsx", None, None)
    cells = table.rows[0].cells
    assert (cells["source_number"], cells["registered_on"], cells["phones"]) == ("1", "01/06/2019", "212612345678")
    assert cells["observations"] == '=HYPERLINK("http://x","y")'  # openpyxl saves no value: kept as written
    assert cells["passport_number"] == ""
    assert table.rows[0].unreadable is not None
    assert "'Observations' holds the formula" in table.rows[0].unreadable


def test_a_formula_in_an_ignored_column_costs_nothing() -> None:
    content = xlsx_file([["Prénom(s)", "Nom", "Colonne libre"], ["Awa", "Diop", "=1+1"]])
    table = read_register(content, filename="r.xlsx")
    assert table.rows[0].unreadable is None
    assert table.ignored_columns == ["Colonne libre"]


def test_sep_line_with_a_given_delimiter_the_given_one_wins() -> None:
    table = read_register("sep=,\nPrénom(s);Nom\nAwa;Diop\n".encode(), delimiter=";")
    assert table.delimiter == ";"
    assert [(r.line, r.cells["family_name"]) for r in table.rows] == [(3, "Diop")]


def test_a_tab_register_with_commas_and_semicolons_in_notes_is_read_with_tabs() -> None:
    content = "Prénom(s)\tNom\tObservations\nAwa\tDiop\ta;b;c,d,e\nFatou\tSarr\t;;;;\n".encode()
    table = read_register(content)
    assert table.delimiter == "\t"
    assert [r.cells["observations"] for r in table.rows] == ["a;b;c,d,e", ";;;;"]


def test_xlsx_with_a_header_only_is_refused() -> None:
    with pytest.raises(EmptyRegister):
        read_register(xlsx_file([HEADER.split(";")]), filename="r.xlsx")


def test_short_windows_1252_file_is_not_mistaken_for_another_code_page() -> None:
    table = read_register(csv_file(ROW))
    assert table.encoding == "cp1252"
    assert table.columns["source_number"] == "N°"
    assert table.rows[0].cells["host_city"] == "Tétouan"


def test_title_lines_above_the_header_are_skipped() -> None:
    title = "Registre des Sénégalais - Casablanca 2019-2021\r\n\r\n"
    content = (title + HEADER + "\r\n" + ROW + "\r\n").encode("cp1252")
    table = read_register(content)
    assert (table.delimiter, len(table.columns)) == (";", 18)
    assert [(r.line, r.cells["family_name"]) for r in table.rows] == [(4, "Dieng")]


def test_xlsx_title_row_above_the_header_is_skipped() -> None:
    content = xlsx_file([["Registre 2019-2021"], [], ["Prénom(s)", "Nom"], ["Awa", "DIOP"]])
    table = read_register(content, filename="r.xlsx")
    assert [(r.line, r.cells["family_name"]) for r in table.rows] == [(4, "DIOP")]


def test_a_row_with_one_empty_cell_too_many_is_malformed_when_the_other_rows_have_none() -> None:
    """A stray delimiter in the middle of a row moves every later cell one column to the right; when
    the moved last cell is empty, only the count shows it (a city would be read as a status)."""
    shifted = "2;01/06/2019;Awa;Diop;F;;;;;;0612345678;;;Casablanca;Étudiante;Couturière;;;"
    table = read_register(csv_file(ROW, shifted, ROW))
    assert [r.problem for r in table.rows] == [None, "19 cells where the header has 18", None]
    assert table.rows[1].problem_fr == "19 cellules alors que l'en-tête en compte 18"


def test_trailing_empty_cells_on_every_row_are_the_files_layout() -> None:
    """Some registers end every line with a delimiter the header lacks: not a fault of any row."""
    table = read_register(csv_file(ROW + ";", ROW + ";"))
    assert [r.problem for r in table.rows] == [None, None]
