"""Read a register file (CSV in any common encoding and delimiter, or XLSX) into text cells.

Cells are only ever text: nothing is evaluated, a spreadsheet formula stays the string it was
(``=HYPERLINK(…)``), XLSX is opened with openpyxl in read-only mode without computing anything.
Every refusal is raised before anything is written (see ``app.imports.errors``).

Sources: charset-normalizer (https://charset-normalizer.readthedocs.io) for the encoding,
the standard ``csv`` module in strict mode, openpyxl read-only mode
(https://openpyxl.readthedocs.io/en/stable/optimized.html).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes

from app.imports.errors import (
    EmptyRegister,
    TruncatedRegister,
    UnreadableRegister,
    UnrecognisedHeaders,
    UnsupportedRegisterFormat,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
DELIMITERS = (";", ",", "\t", "|")
WESTERN_ENCODINGS = ("cp1252", "iso8859_15", "latin_1", "mac_roman")

# Header (folded: no accents, lower case, punctuation as spaces) → field of the import.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "source_number": ("n", "no", "num", "numero", "n ordre", "numero d ordre"),
    "registered_on": ("date d enregistrement", "date enregistrement", "date de l enregistrement"),
    "given_names": ("prenom s", "prenoms", "prenom"),
    "family_name": ("nom", "nom de famille"),
    "sex": ("sexe", "genre"),
    "date_of_birth": ("date de naissance", "date naissance", "ne e le", "ne le"),
    "place_of_birth": ("lieu de naissance", "lieu naissance"),
    "origin_region": ("region d origine", "region origine", "region"),
    "passport_number": ("n passeport", "no passeport", "numero passeport", "numero de passeport", "passeport"),
    "cni_number": ("n cni", "no cni", "numero cni", "numero de cni", "cni"),
    "phones": ("telephone", "telephones", "tel", "portable", "contact"),
    "email": ("email", "e mail", "courriel", "mail", "adresse email"),
    "host_city": ("ville de residence", "ville", "residence", "ville residence"),
    "status": ("statut", "situation"),
    "occupation": ("profession", "metier", "emploi"),
    "arrival_date": ("date d arrivee au maroc", "date d arrivee", "arrivee au maroc", "date arrivee"),
    "request": ("demande", "demandes", "objet de la demande", "objet"),
    "observations": ("observations", "observation", "remarques", "commentaires", "commentaire"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
REQUIRED_FIELDS = ("given_names", "family_name")
HEADER_SEARCH_LINES = 10
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(header: str) -> str:
    """``"Prénom(s)"`` → ``"prenom s"``; ``"N°"`` → ``"n"``: accents, case, punctuation, spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", header.replace("°", " ").replace("º", " ").casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", stripped).strip()


@dataclass(frozen=True)
class SourceRow:
    """One data row: its 1-based line in the file (the header is line 1) and its cells by field.

    ``cells`` holds the text exactly as read (not trimmed: the raw cell is kept for later export
    neutralisation); ``problem`` is set when the row itself is malformed (wrong number of cells).
    """

    line: int
    cells: dict[str, str]
    problem: str | None = None


@dataclass
class RegisterTable:
    """A register read from a file: format, encoding, delimiter, mapped columns and rows."""

    file_format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored_columns: list[str]
    rows: list[SourceRow] = field(default_factory=list)


def read_register(content: bytes, *, filename: str | None = None) -> RegisterTable:
    """Read ``content`` (the whole file) as a register.

    XLSX when it starts with the zip signature; a file named ``*.xlsx``/``*.xlsm`` that is not
    a zip, or a legacy ``.xls``, is refused (``UnsupportedRegisterFormat``). Anything else is
    read as delimited text. Raises ``EmptyRegister``, ``UnreadableRegister``,
    ``TruncatedRegister`` and ``UnrecognisedHeaders`` (all 4xx problems).
    """
    name = (filename or "").lower()
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise EmptyRegister("The file is empty.", detail_fr="Le fichier est vide.")
    if content.startswith(ZIP_MAGIC):
        return _read_xlsx(content)
    if content.startswith(OLE2_MAGIC) or name.endswith((".xls", ".xlsx", ".xlsm", ".ods")):
        raise UnsupportedRegisterFormat(
            "The file is named like a spreadsheet but is not an XLSX workbook (a zip); save it as .xlsx or .csv.",
            detail_fr="Le fichier porte un nom de classeur mais n'est pas un classeur XLSX (zip) ; "
            "enregistrez-le en .xlsx ou .csv.",
        )
    text, encoding = decode_text(content)
    return _read_delimited(text, encoding)


def decode_text(content: bytes) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM) if valid, else charset-normalizer's best guess.

    Raises ``UnreadableRegister`` for binary content or when no encoding fits.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _unreadable("it starts with a UTF-8 mark but is not valid UTF-8") from exc
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = from_bytes(content)
    best = matches.best()
    if best is None or (b"\x00" in content and not best.encoding.startswith("utf_16")):
        raise _unreadable("it is not text in any encoding we recognise (binary content?)")
    encoding, text = best.encoding, str(best)
    # On a short file several single-byte code pages fit equally well (charset-normalizer may rank
    # ISO 8859-14 first); a French-locale spreadsheet export is Windows-1252, so among the
    # encodings that fit, the first-ranked match that a usual Western code page explains wins.
    preferred = next(
        (
            name
            for match in matches
            for name in WESTERN_ENCODINGS
            if name in match.could_be_from_charset or name == match.encoding
        ),
        None,
    )
    if preferred and preferred != encoding:
        with contextlib.suppress(UnicodeDecodeError):
            encoding, text = preferred, content.decode(preferred)
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    if controls > max(2, len(text) // 1000):
        raise _unreadable(f"it decodes as {encoding} but holds {controls} control characters")
    return text, encoding


def _unreadable(why: str) -> UnreadableRegister:
    return UnreadableRegister(
        f"The file cannot be read as a register: {why}.",
        detail_fr=f"Le fichier ne peut pas être lu comme un registre : {why}.",
    )


def sniff_delimiter(head: str) -> str:
    """The delimiter that splits one of the first lines most (``;`` for French-locale exports).

    Counting on the first lines (a title line may come before the header) is steadier than
    ``csv.Sniffer`` on registers whose cells hold commas and slashes.
    """
    lines = [line for line in head.splitlines()[:HEADER_SEARCH_LINES] if line.strip()]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def map_headers(headers: list[str]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """``(index → field, field → header as written, ignored headers)``.

    Raises ``UnrecognisedHeaders`` when a required column (first names, family name) is missing
    or one field is named twice.
    """
    by_index: dict[int, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = _ALIAS_TO_FIELD.get(header_key(header))
        if name is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if name in columns:
            raise UnrecognisedHeaders(
                f"Two columns mean the same field: {columns[name]!r} and {header.strip()!r}.",
                detail_fr=f"Deux colonnes désignent le même champ : {columns[name]!r} et {header.strip()!r}.",
            )
        by_index[index] = name
        columns[name] = header.strip()
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        shown = ", ".join(repr(h.strip()) for h in headers[:20])
        raise UnrecognisedHeaders(
            "The header line does not name the register's columns (expected at least 'Prénom(s)' and 'Nom'); "
            f"found: {shown}.",
            detail_fr="La ligne d'en-tête ne nomme pas les colonnes du registre (au moins « Prénom(s) » et "
            f"« Nom » attendus) ; trouvé : {shown}.",
            missing=missing,
        )
    return by_index, columns, ignored


def _read_delimited(text: str, encoding: str) -> RegisterTable:
    delimiter = sniff_delimiter(text.lstrip("\ufeff")[:20_000])
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TruncatedRegister(
            f"The file is cut or malformed near line {reader.line_num}: {exc} (an unclosed quote?).",
            detail_fr=f"Le fichier est coupé ou mal formé vers la ligne {reader.line_num} : {exc} "
            "(guillemet non fermé ?).",
            line=reader.line_num,
        ) from exc
    table = _table_from_records(records, file_format="csv", encoding=encoding, delimiter=delimiter)
    if table.rows and table.rows[-1].problem and not text.endswith(("\n", "\r")):
        last = table.rows[-1]
        raise TruncatedRegister(
            f"The last line ({last.line}) is cut: {last.problem}.",
            detail_fr=f"La dernière ligne ({last.line}) est coupée : {last.problem}.",
            line=last.line,
        )
    return table


def _table_from_records(
    records: list[tuple[int, list[str]]], *, file_format: str, encoding: str | None, delimiter: str | None
) -> RegisterTable:
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise EmptyRegister("The file holds no header line.", detail_fr="Le fichier ne contient aucun en-tête.")
    position, (by_index, columns, ignored) = _find_header(records)
    header_line, headers = records[position]
    width = len(headers)
    table = RegisterTable(
        file_format=file_format, encoding=encoding, delimiter=delimiter, columns=columns, ignored_columns=ignored
    )
    for line, cells in records[position + 1 :]:
        extra = any(c.strip() for c in cells[width:])
        problem = f"{len(cells)} cells where the header has {width}" if len(cells) < width or extra else None
        values = {name: (cells[i] if i < len(cells) else "") for i, name in by_index.items()}
        table.rows.append(SourceRow(line=line, cells=values, problem=problem))
    if not table.rows:
        raise EmptyRegister(
            f"The file holds a header line (line {header_line}) and no data row.",
            detail_fr=f"Le fichier contient une ligne d'en-tête (ligne {header_line}) et aucune donnée.",
        )
    return table


def _find_header(
    records: list[tuple[int, list[str]]],
) -> tuple[int, tuple[dict[int, str], dict[str, str], list[str]]]:
    """The index of the header record and its mapping.

    The header is the first line naming the register's columns: spreadsheets often carry a title
    line above it (searched within the first ``HEADER_SEARCH_LINES`` non-blank lines). Raises the
    ``UnrecognisedHeaders`` of the first line when none qualifies.
    """
    first_error: UnrecognisedHeaders | None = None
    for position, (_line, headers) in enumerate(records[:HEADER_SEARCH_LINES]):
        try:
            return position, map_headers(headers)
        except UnrecognisedHeaders as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def _read_xlsx(content: bytes) -> RegisterTable:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnsupportedRegisterFormat(
            f"The file starts like a zip but is not a readable XLSX workbook ({type(exc).__name__}).",
            detail_fr=f"Le fichier commence comme un zip mais n'est pas un classeur XLSX lisible "
            f"({type(exc).__name__}).",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        records = [
            (index, [xlsx_cell_text(v) for v in values])
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable(f"the workbook's first sheet is damaged ({type(exc).__name__})") from exc
    finally:
        workbook.close()
    return _table_from_records(records, file_format="xlsx", encoding=None, delimiter=None)


def xlsx_cell_text(value: Any) -> str:
    """A workbook cell as text: dates as ``dd/mm/yyyy`` (as a French sheet shows them), integral
    numbers without ``.0`` (a phone typed as a number), formulas as their text, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
