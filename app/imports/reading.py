"""Read a register file (CSV in the encodings desks have and any common delimiter, or XLSX) into text cells.

Cells are only ever text, read as a person sees them: an XLSX formula cell gives the value the
spreadsheet saved with it, never evaluated here (:mod:`app.imports.workbook`); a CSV cell is the
text between its delimiters, decoded as typed or not at all (:mod:`app.imports.encoding`). A byte
that is not UTF-8 in a UTF-8 file rejects the row holding it in a column that is read (the row's
cells keep U+FFFD in its place; the reason names column, byte, offset and line) and refuses the
file in the header line. Every refusal is raised before anything is written (see
``app.imports.errors``), and every read is bounded (:class:`~app.imports.workbook.ReadLimits`).

Delimiter of a CSV file, in this order: the ``delimiter`` the user gives; Excel's ``sep=;``
first line; else the candidate (``;``, ``,``, tab, ``|``) with which the header line names the
register's columns, the data rows below it keeping the header's width most often (a note full of
commas cannot outvote the header). When no candidate gives recognised headers and more than one
occurs in the file laying it out in columns (most of its first lines split into one same number of
cells), the answer is ``import-ambiguous-delimiter`` asking for ``delimiter``; else (prose, a
single delimiter) ``import-unrecognised-headers``: no line names the register's columns.

Sources: the standard ``csv`` module in strict mode, openpyxl read-only mode
(https://openpyxl.readthedocs.io/en/stable/optimized.html).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from app.core.i18n import number
from app.core.text import REPLACEMENT
from app.imports.encoding import (
    STRAY,
    DecodedText,
    StrayByte,
    decode_register,
    place_stray,
    stray_in_header,
    stray_reasons,
)
from app.imports.errors import (
    AmbiguousDelimiter,
    CellTooLong,
    EmptyRegister,
    TruncatedRegister,
    UnrecognisedHeaders,
    UnsupportedRegisterFormat,
)
from app.imports.workbook import Budget, ReadLimits, check_zip, over_limit, read_workbook, sheet_heads

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
DELIMITERS = (";", ",", "\t", "|")

# Header (folded: no accents, lower case, punctuation as spaces) → field of the import.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    # the register's own number of the row; the app's registrants export names its registration
    # number « N° d'inscription » (`Registration number`): imported back, the old number is kept here
    "source_number": (
        "n",
        "no",
        "num",
        "numero",
        "n ordre",
        "numero d ordre",
        "n d inscription",
        "no d inscription",
        "numero d inscription",
        "registration number",
    ),
    "registered_on": (
        "date d enregistrement",
        "date enregistrement",
        "date de l enregistrement",
        "enregistre e le",
        "enregistre le",
        "date d inscription",
        "date inscription",
        "date de l inscription",
        "inscrit e le",
        "inscrit le",
        "inscrite le",
        "inscription",
        "date",
        "registered on",
        "registration date",
        "date of registration",
        "date registered",
        "registered",
    ),
    "given_names": ("prenom s", "prenoms", "prenom", "given names", "given name", "first names", "first name"),
    "family_name": ("nom", "nom de famille", "family name", "surname", "last name"),
    "sex": ("sexe", "genre", "sex", "gender"),
    "date_of_birth": ("date de naissance", "date naissance", "ne e le", "ne le", "date of birth", "birth date"),
    "place_of_birth": ("lieu de naissance", "lieu naissance", "place of birth", "birthplace"),
    "origin_region": ("region d origine", "region origine", "region", "region of origin", "origin region"),
    "passport_number": ("n passeport", "no passeport", "numero passeport", "numero de passeport", "passeport"),
    "cni_number": ("n cni", "no cni", "numero cni", "numero de cni", "cni"),
    "phones": (
        "telephone",
        "telephones",
        "tel",
        "portable",
        "contact",
        "phone",
        "phones",
        "autres telephones",  # the registrants export's phones past its numbered columns
        "other phones",
    ),
    "email": ("email", "e mail", "courriel", "mail", "adresse email"),
    "host_city": (
        "ville de residence",
        "ville",
        "residence",
        "ville residence",
        "city of residence",
        "city",
        "host city",
    ),
    "status": ("statut", "situation", "status category"),
    "occupation": ("profession", "metier", "emploi", "occupation"),
    "arrival_date": (
        "date d arrivee au maroc",
        "date d arrivee",
        "arrivee au maroc",
        "date arrivee",
        "annee d arrivee",
        "arrival date",
        "date of arrival",
        "year of arrival",
        "arrival year",
    ),
    "request": ("demande", "demandes", "objet de la demande", "objet"),
    "observations": ("observations", "observation", "remarques", "commentaires", "commentaire"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_NUMBERED_PHONE = re.compile(r"(?:telephone|tel|portable|phone) ?\d{1,2}")
"""A numbered phone column (folded): ``Téléphone 1``, ``Tél. 2``, ``Phone 3`` (the registrants export's)."""
FIRST_COLUMN_KEPT = frozenset({"source_number"})
"""Fields read from the first of the columns that name them, the others listed as ignored: a
register numbering its rows (``N°``) and keeping a registration number (``N° d'inscription``)
too is a register, and its row's ``N°`` is the first (the batch keeps one number a row)."""
SEVERAL_COLUMNS = frozenset({"phones"})
"""Fields a register may spread over several columns (a person has several phones): their cells are
read together, in column order, ``; `` apart (:func:`app.imports.cells.split_phones`)."""
REQUIRED_FIELDS = ("given_names", "family_name")
HEADER_SEARCH_LINES = 10
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SEP_LINE = re.compile(r"^\ufeff?sep=([^\r\n\udc80-\udcff])[ \t]*(?:\r\n|\n|\r|$)", re.IGNORECASE)
DELIMITER_NAMES = {";": ";", ",": ",", "|": "|", "\t": "\t", "tab": "\t", "\\t": "\t"}
SNIFF_ROWS = 200  # rows read with each candidate delimiter to choose among them


def header_key(header: str) -> str:
    """``"Prénom(s)"`` → ``"prenom s"``; ``"N°"`` → ``"n"``: accents, case, punctuation, spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", header.replace("°", " ").replace("º", " ").casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", stripped).strip()


@dataclass(frozen=True)
class SourceRow:
    """One data row: its 1-based line in the file (the header is line 1) and its cells by field.

    ``cells`` holds the text exactly as read (not trimmed: the raw cell is kept for later export
    neutralisation); ``problem`` is set when the row itself is malformed (wrong number of cells);
    ``unreadable`` when a cell cannot be read as shown (an XLSX formula with no saved value);
    ``problem_fr`` and ``unreadable_fr`` say the same in French.
    """

    line: int
    cells: dict[str, str]
    problem: str | None = None
    unreadable: str | None = None
    problem_fr: str | None = None
    unreadable_fr: str | None = None


@dataclass
class RegisterTable:
    """A register read from a file: format, encoding, delimiter, mapped columns and rows."""

    file_format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored_columns: list[str]
    rows: list[SourceRow] = field(default_factory=list)


def read_register(
    content: bytes,
    *,
    filename: str | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
    budget: Budget | None = None,
) -> RegisterTable:
    """Read ``content`` (the whole file) as a register, within ``limits``.

    XLSX when it starts with the zip signature; a file named ``*.xlsx``/``*.xlsm`` that is not
    a zip, or a legacy ``.xls``, is refused (``UnsupportedRegisterFormat``). Anything else is
    read as delimited text, split by ``delimiter`` when given (``;``, ``,``, ``|``, tab written
    ``\\t`` or ``tab``). CPU-bound: call it from a worker thread in a server. Raises
    ``EmptyRegister``, ``UnreadableRegister``, ``TruncatedRegister``, ``UnrecognisedHeaders``,
    ``AmbiguousDelimiter`` (4xx problems) and ``RegisterTooLarge`` (413) past a bound.
    """
    limits = limits or ReadLimits()
    budget = budget or Budget(limits.max_seconds)
    name = (filename or "").lower()
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise EmptyRegister("The file is empty.", detail_fr="Le fichier est vide.")
    if content.startswith(ZIP_MAGIC):
        check_zip(content, limits)
        records, unresolved = read_workbook(content, limits, budget)
        _first_sheet_names_columns(content, records, budget)
        return _table_from_records(records, file_format="xlsx", encoding=None, delimiter=None, unresolved=unresolved)
    if content.startswith(OLE2_MAGIC) or name.endswith((".xls", ".xlsx", ".xlsm", ".ods")):
        raise UnsupportedRegisterFormat(
            "The file is named like a spreadsheet but is not an XLSX workbook (a zip); save it as .xlsx or .csv.",
            detail_fr="Le fichier porte un nom de classeur mais n'est pas un classeur XLSX (zip) ; "
            "enregistrez-le en .xlsx ou .csv.",
        )
    return _read_delimited(decode_register(content), given=parse_delimiter(delimiter), limits=limits, budget=budget)


def parse_delimiter(value: str | None) -> str | None:
    """``";"``, ``","``, ``"|"``, ``"\\t"``/``"tab"``/a TAB → the delimiter; blank → None (detect).

    Raises ``AmbiguousDelimiter`` (422) for anything else.
    """
    if value is None or value == "":
        return None
    found = DELIMITER_NAMES.get(value if value == "\t" else value.strip().lower())
    if found is None:
        raise AmbiguousDelimiter(
            f"The delimiter {value!r} is not one of ';', ',', '|' or tab (written \\t).",
            detail_fr=f"Le séparateur {value!r} n'est pas l'un de ';', ',', '|' ou tabulation (écrite \\t).",
        )
    return found


def choose_delimiter(text: str, budget: Budget) -> str:
    """The delimiter with which the header names the register's columns (see the module doc).

    Among candidates whose header line maps, the one whose following rows (up to ``SNIFF_ROWS``)
    most often have the header's number of cells wins; a tie goes to the order ``; , tab |``
    (French-locale exports use ``;``). Raises ``AmbiguousDelimiter`` or ``UnrecognisedHeaders``.
    """
    head = "\n".join(text.splitlines()[: SNIFF_ROWS + HEADER_SEARCH_LINES])
    scores: dict[str, float] = {}
    first_error: UnrecognisedHeaders | None = None
    for candidate in DELIMITERS:
        budget.check()
        records = _records(head, candidate, strict=False)
        if not records:  # the reader stopped before a first record (a cell past its size limit)
            continue
        try:
            position, _mapping = _find_header(records)
        except UnrecognisedHeaders as exc:
            first_error = first_error or _kept(exc)
            continue
        width = len(records[position][1])
        rows = records[position + 1 :]
        scores[candidate] = sum(len(cells) == width for _line, cells in rows) / max(len(rows), 1)
    if scores:
        return max(DELIMITERS, key=lambda d: (d in scores, scores.get(d, -1.0), -DELIMITERS.index(d)))
    # only delimiters that lay the file out in columns can be in doubt: prose (a letter renamed
    # .csv) holds commas and semicolons too, and its problem is that it names no column at all
    present = [d for d in DELIMITERS if d in head and _lays_out_columns(head, d)]
    if len(present) > 1:
        shown = " ".join(repr(d) for d in present)
        raise AmbiguousDelimiter(
            f"No column delimiter makes the header line name the register's columns ('Prénom(s)', 'Nom'); "
            f"the file holds {shown}. Send the delimiter in the `delimiter` field (';', ',', '|' or \\t).",
            detail_fr="Le séparateur de colonnes n'a pas pu être reconnu : aucun ne fait lire à la ligne "
            f"d'en-tête les colonnes du registre (« Prénom(s) », « Nom ») ; le fichier contient {shown}. "
            "Indiquez le séparateur de colonnes : ';', ',', '|' ou tabulation.",
            candidates=present,
        )
    if first_error is None:  # not one record read, whatever the delimiter
        raise _unreadable_head(head)
    try:
        raise first_error
    finally:
        first_error = None  # a reference cycle broken (the socket module's idiom): see _kept


def _lays_out_columns(head: str, delimiter: str) -> bool:
    """Whether ``delimiter`` splits the file's first lines ``head`` into columns: at least two
    lines (of the first ``HEADER_SEARCH_LINES`` + ``SNIFF_ROWS`` non-blank ones) have one same
    number of cells, two or more, and at least half of them have it. Prose splits into a
    different number of pieces line after line."""
    widths = Counter(len(cells) for _line, cells in _records(head, delimiter, strict=False))
    lines = sum(widths.values())
    return any(width >= 2 and count >= max(2, lines / 2) for width, count in widths.items())


def map_headers(headers: list[str]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """``(index → field, field → header as written, ignored headers)``.

    A numbered phone column (``Téléphone 1``) is a phone column; the columns of a field that may
    span several (:data:`SEVERAL_COLUMNS`) map to it together, named ``", "`` apart in ``columns``.
    A second column of a field in :data:`FIRST_COLUMN_KEPT` is ignored. Raises
    ``UnrecognisedHeaders`` when a required column (first names, family name) is missing or
    another field is named twice; it quotes the header's non-blank cells (20 at most).
    """
    by_index: dict[int, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        name = _ALIAS_TO_FIELD.get(key) or ("phones" if _NUMBERED_PHONE.fullmatch(key) else None)
        if name is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if name in columns and name in SEVERAL_COLUMNS:
            by_index[index] = name
            columns[name] = f"{columns[name]}, {header.strip()}"
            continue
        if name in columns and name in FIRST_COLUMN_KEPT:
            ignored.append(header.strip())
            continue
        if name in columns:
            first, second = _shortened(columns[name]), _shortened(header.strip())
            raise UnrecognisedHeaders(
                f"Two columns mean the same field: {first!r} and {second!r}.",
                detail_fr=f"Deux colonnes désignent le même champ : {first!r} et {second!r}.",
            )
        by_index[index] = name
        columns[name] = header.strip()
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        written = [h.strip() for h in headers if h.strip()][:20]  # an empty cell names nothing: not quoted
        shown = ", ".join(repr(_shortened(h)) for h in written)
        shown_fr = ", ".join(f"« {_shortened(h)} »" for h in written)
        raise UnrecognisedHeaders(
            "The header line does not name the register's columns (expected at least 'Prénom(s)' and 'Nom'); "
            f"found: {shown}.",
            detail_fr="La ligne d'en-tête ne nomme pas les colonnes du registre (au moins « Prénom(s) » et "
            f"« Nom » attendus) ; trouvé : {shown_fr}.",
            missing=missing,
        )
    return by_index, columns, ignored


def _read_delimited(decoded: DecodedText, *, given: str | None, limits: ReadLimits, budget: Budget) -> RegisterTable:
    """The register in ``decoded``; its stray bytes (not UTF-8 in a UTF-8 file) reject their rows,
    or refuse the file when the header holds one (:mod:`app.imports.encoding`)."""
    try:
        return _read_text(decoded, given=given, limits=limits, budget=budget)
    except UnrecognisedHeaders:
        # A stray byte among the lines where the header is looked for is the reason, not the words.
        searched = (line for line in decoded.text.splitlines() if line.strip())
        if decoded.stray and any(STRAY.search(line) for line in itertools.islice(searched, HEADER_SEARCH_LINES)):
            raise stray_in_header(decoded.stray[0]) from None
        raise


def _read_text(decoded: DecodedText, *, given: str | None, limits: ReadLimits, budget: Budget) -> RegisterTable:
    text = decoded.text.lstrip("\ufeff")
    first_line = 1
    sep = _SEP_LINE.match(text)
    if sep:  # Excel's "sep=;" line: the delimiter, and not a row
        given = given or sep.group(1)
        text, first_line = text[sep.end() :], 2
    delimiter = given or choose_delimiter(text, budget)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for record in reader:
            if len(records) % 256 == 0:
                budget.check()
            if len(records) > limits.max_rows + HEADER_SEARCH_LINES:
                raise over_limit(
                    f"more than {number(limits.max_rows, 'en')} rows",
                    f"plus de {number(limits.max_rows)} lignes",
                    "IMPORT_MAX_ROWS",
                )
            if len(record) > limits.max_columns:
                raise over_limit(
                    f"line {start + first_line - 1} has more than {limits.max_columns} cells",
                    f"la ligne {start + first_line - 1} a plus de {number(limits.max_columns)} cellules",
                    "IMPORT_MAX_COLUMNS",
                )
            records.append((start + first_line - 1, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _malformed(exc, reader.line_num + first_line - 1) from exc
    table = _table_from_records(
        records,
        file_format="csv",
        encoding=decoded.encoding,
        delimiter=delimiter,
        stray=place_stray(records, decoded.stray) if decoded.stray else None,
    )
    if len(table.rows) > limits.max_rows:
        raise over_limit(f"more than {limits.max_rows} rows", f"plus de {limits.max_rows} lignes", "IMPORT_MAX_ROWS")
    if table.rows and table.rows[-1].problem and not text.endswith(("\n", "\r")):
        last = table.rows[-1]
        raise TruncatedRegister(
            f"The last line ({last.line}) is cut: {last.problem}.",
            detail_fr=f"La dernière ligne ({last.line}) est coupée : {last.problem_fr}.",
            line=last.line,
        )
    return table


SHOWN_CHARACTERS = 80
"""Characters of a header a problem quotes back (a whole line of the file could be megabytes)."""


def _shortened(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "…"


def _malformed(exc: csv.Error, line: int) -> CellTooLong | TruncatedRegister:
    """The problem of the ``csv`` reader's ``exc`` raised near ``line``: a cell longer than the
    reader takes (``csv.field_size_limit()``, 131,072 characters by default), or a file cut or
    malformed there (most often a quote never closed)."""
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return CellTooLong(
            f"Line {line} holds a cell longer than {number(limit, 'en')} characters: no register cell is that long.",
            detail_fr=f"La ligne {line} contient une cellule de plus de {number(limit)} caractères : aucune cellule "
            "d'un registre n'est si longue.",
            line=line,
        )
    return TruncatedRegister(
        f"The file is cut or malformed near line {line}: {exc} (an unclosed quote?).",
        detail_fr=f"Le fichier est coupé ou mal formé vers la ligne {line} : {exc} (guillemet non fermé ?).",
        line=line,
    )


def _unreadable_head(text: str) -> CellTooLong | TruncatedRegister | EmptyRegister:
    """Why no delimiter reads a record of the file's first lines ``text``: the ``csv`` reader's own
    error (:func:`_malformed`), or, without one, no header line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        return _malformed(exc, reader.line_num)
    return EmptyRegister("The file holds no header line.", detail_fr="Le fichier ne contient aucun en-tête.")


def _records(text: str, delimiter: str, *, strict: bool) -> list[tuple[int, list[str]]]:
    """The records of ``text`` split by ``delimiter`` (a malformed tail is dropped: for sniffing)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    records: list[tuple[int, list[str]]] = []
    with contextlib.suppress(csv.Error):
        start = 1
        for record in reader:
            if any(c.strip() for c in record):
                records.append((start, record))
            start = reader.line_num + 1
    return records


def _table_from_records(
    records: list[tuple[int, list[str]]],
    *,
    file_format: str,
    encoding: str | None,
    delimiter: str | None,
    unresolved: dict[int, dict[int, str]] | None = None,
    stray: dict[int, dict[int, list[StrayByte]]] | None = None,
) -> RegisterTable:
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise EmptyRegister("The file holds no header line.", detail_fr="Le fichier ne contient aucun en-tête.")
    position, (by_index, columns, ignored) = _find_header(records)
    header_line, headers = records[position]
    stray = stray or {}
    if header_line in stray:
        raise stray_in_header(min((b for found in stray[header_line].values() for b in found), key=lambda b: b.offset))
    width = len(headers)
    table = RegisterTable(
        file_format=file_format, encoding=encoding, delimiter=delimiter, columns=columns, ignored_columns=ignored
    )
    data = records[position + 1 :]
    # Empty cells past the header's are the file's layout when most rows have them (every line
    # ending with a delimiter the header lacks); in a row that alone has them, a stray delimiter
    # moved its later cells one column on, and only the count shows it when the last one is empty.
    usual = Counter(len(cells) for _, cells in data).most_common(1)[0][0] if data else width
    for line, cells in data:
        extra = any(c.strip() for c in cells[width:])
        malformed = len(cells) < width or extra or len(cells) > max(width, usual)
        problem = f"{len(cells)} cells where the header has {width}" if malformed else None
        problem_fr = f"{len(cells)} cellules alors que l'en-tête en compte {width}" if malformed else None
        values = _values(cells, by_index)
        formulas = (unresolved or {}).get(line, {})
        # a formula in an ignored column costs nothing: that column is not read
        unsaved = [(headers[i].strip(), formula) for i, formula in sorted(formulas.items()) if i in by_index]
        reasons = [
            f"column {column!r} holds the formula {formula!r} with no value saved by the spreadsheet "
            "(open the file in a spreadsheet, save it and import it again, or type the value)"
            for column, formula in unsaved
        ]
        reasons_fr = [
            f"la colonne « {column} » contient la formule « {formula} » sans valeur enregistrée par le tableur "
            "(ouvrez le fichier dans un tableur, enregistrez-le et importez-le à nouveau, ou saisissez la valeur)"
            for column, formula in unsaved
        ]
        # Likewise a stray byte: only in a column that is read (then U+FFFD stands in its place).
        read = [(headers[i].strip(), found) for i, found in sorted(stray.get(line, {}).items()) if i in by_index]
        if read:
            reason, reason_fr = stray_reasons(read)
            reasons.append(reason)
            reasons_fr.append(reason_fr)
            values = {name: STRAY.sub(REPLACEMENT, value) for name, value in values.items()}
        table.rows.append(
            SourceRow(
                line=line,
                cells=values,
                problem=problem,
                unreadable="; ".join(reasons) or None,
                problem_fr=problem_fr,
                unreadable_fr=" ; ".join(reasons_fr) or None,
            )
        )
    if not table.rows:
        raise EmptyRegister(
            f"The file holds a header line (line {header_line}) and no data row.",
            detail_fr=f"Le fichier contient une ligne d'en-tête (ligne {header_line}) et aucune donnée.",
        )
    return table


def _values(cells: list[str], by_index: dict[int, str]) -> dict[str, str]:
    """A row's cells by field; a field of several columns (:data:`SEVERAL_COLUMNS`) gets its
    non-blank cells in column order, ``; `` apart (one of them alone: as written)."""
    values: dict[str, str] = {}
    for i, name in by_index.items():
        cell = cells[i] if i < len(cells) else ""
        if name in values and name in SEVERAL_COLUMNS:
            if cell.strip():
                values[name] = f"{values[name]}; {cell}" if values[name].strip() else cell
        else:
            values[name] = cell
    return values


def _names_columns(records: list[tuple[int, list[str]]]) -> bool:
    """Whether a line among the first non-blank ones of ``records`` names the register's columns."""
    written = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not written:
        return False
    try:
        _find_header(written)
    except UnrecognisedHeaders:
        return False
    return True


def _first_sheet_names_columns(content: bytes, records: list[tuple[int, list[str]]], budget: Budget) -> None:
    """Nothing when the workbook's first sheet (its rows ``records``) names the register's columns
    or the workbook has no other sheet; else ``UnrecognisedHeaders`` saying that only the first
    sheet is read, naming the workbook's sheets (``sheets``) and those that name the register's
    columns, to put first. A workbook of several registers is not guessed at: no other sheet is read."""
    written = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if written:
        try:
            _find_header(written)
            return
        except UnrecognisedHeaders as exc:
            if not exc.extra.get("missing"):
                raise  # the first sheet names columns, one field twice: its own refusal says which
    heads = sheet_heads(content, HEADER_SEARCH_LINES * 2, budget)
    if len(heads) < 2:
        return  # a single sheet: the refusal of its header (or of its emptiness) says it all
    names = [name for name, _rows in heads]
    first, others = names[0], names[1:]
    registers = [name for name, rows in heads[1:] if _names_columns(rows)]
    quoted = ", ".join(repr(_shortened(n)) for n in others)
    quoted_fr = ", ".join(f"« {_shortened(n)} »" for n in others)
    if written:
        found = [c.strip() for c in written[0][1] if c.strip()][:20]
        what = "does not name the register's columns (expected at least 'Prénom(s)' and 'Nom'); found: " + ", ".join(
            repr(_shortened(c)) for c in found
        )
        what_fr = "ne nomme pas les colonnes du registre (au moins « Prénom(s) » et « Nom » attendus) ; trouvé : " + (
            ", ".join(f"« {_shortened(c)} »" for c in found)
        )
    else:
        what, what_fr = "is empty", "est vide"
    if registers:
        these = " and ".join(repr(_shortened(n)) for n in registers)
        these_fr = " et ".join(f"« {_shortened(n)} »" for n in registers)
        verb, verb_fr = ("names", "nomme") if len(registers) == 1 else ("name", "nomment")
        hint = (
            f" {these} {verb} the register's columns: put the register's sheet first, save the workbook "
            "and import it again."
        )
        hint_fr = (
            f" {these_fr} {verb_fr} les colonnes du registre : placez la feuille du registre en premier, "
            "enregistrez le classeur et importez-le à nouveau."
        )
    else:
        hint = " None of them names the register's columns either."
        hint_fr = " Aucune d'elles ne nomme non plus les colonnes du registre."
    raise UnrecognisedHeaders(
        f"The workbook's first sheet {_shortened(first)!r} {what}; only the first sheet is read. "
        f"The workbook's other sheets: {quoted}.{hint}",
        detail_fr=f"La première feuille « {_shortened(first)} » du classeur {what_fr} ; seule la première feuille "
        f"est lue. Autres feuilles du classeur : {quoted_fr}.{hint_fr}",
        missing=list(REQUIRED_FIELDS),
        sheets=names,
    )


def _kept(exc: UnrecognisedHeaders) -> UnrecognisedHeaders:
    """``exc`` without its traceback, to be raised later: kept with its traceback in a local of a
    frame that traceback holds, it would make a reference cycle through every caller's frame (the
    rows being read), freed only by a full collection of the garbage collector."""
    return exc.with_traceback(None)


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
            first_error = first_error or _kept(exc)
    assert first_error is not None
    try:
        raise first_error
    finally:
        first_error = None  # a reference cycle broken (the socket module's idiom): see _kept
