"""One register row → the values of a new registrant, with warnings, or a rejection reason.

What rejects a row and what only drops a field (with a warning) is decided per column:

| column | blank | cannot be understood |
|---|---|---|
| Prénom(s), Nom | **rejected** (no name) | — (any text is a name; capitals made readable) |
| Date de naissance | allowed (unknown) | **rejected**: impossible date, after the registration date, more |
|   |   | than 120 years before it (bounds: :mod:`app.imports.row_dates`) |
| Date d'enregistrement | allowed | **rejected**: impossible date, after the desk's today, before 1960 |
| Sexe | ``unknown`` | ``unknown`` + warning |
| Téléphone | no phone | that number dropped + warning (the others kept) |
| Email | none | dropped + warning |
| N° passeport / N° CNI | none | dropped + warning |
| Statut | none | dropped + warning (text kept in the notes) |
| Date d'arrivée au Maroc | none | dropped + warning, text kept in the notes (unreadable, partial, after |
|   |   | the registration date, before the birth or, birth unknown, 120 years before the registration) |
| Demande, Observations | — | kept verbatim in the registrant's notes |
| Lieu de naissance, Région d'origine, Ville, Profession | none | kept as written (a region the |
|   |   | reference tables do not know is dropped + warning by the service) |

Invisible characters in those text cells and in Demande/Observations (zero-width characters,
U+FEFF, the direction embeddings, overrides and isolates the registry refuses in free text): removed
with a warning naming each one, the value kept as it is seen (the direction marks LRM, RLM and ALM,
which Arabic text carries and the registry accepts, stay). Names lose theirs without a warning, as
at the counter.

Names: NFC, trimmed, inner spaces collapsed; a name written all in capitals is stored in a
readable case (``KANE`` → ``Kane``, ``N'DIAYE`` → ``N'Diaye``), its spelling (accents,
apostrophes, hyphens) untouched; the original cell stays in the batch. The notes start with the
source (file, ``N°``, line) and the legacy registration date, parts separated by `` | `` (the
registry keeps notes on one line). A row whose number of cells differs from the header's is
rejected (malformed row), unless its extra cells are empty and most rows of the file have as many
(every line ending with a delimiter the header lacks): a row that alone has one empty cell too many
had a stray delimiter move its later cells one column on. The raw cells are kept, unevaluated, in
the batch (``ImportRow.raw``).

Dates are read in every form :mod:`app.imports.cells` knows (``14/05/1990``, ``14 mai 1990``,
``mai 1990``…); a year written with two digits is put in a century, and the report says which
when that was an assumption (always for a date of birth): :mod:`app.imports.row_dates`.

Text rule (:mod:`app.core.text`, the same for every input of the service): a cell holding a
refused character (NUL, another control character but tab and line breaks, a lone surrogate,
U+FFFE/U+FFFF) rejects its row, the reason naming the column, the character and its position;
neither PostgreSQL text nor its JSON can hold such characters, so the batch keeps that row's raw
cells with each refused character replaced by U+FFFD (the reason says so). An XLSX formula with
no value saved by the spreadsheet rejects its row too (the raw cell keeps the formula text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotated_types import MaxLen

from app.core import json_text
from app.core.explained import in_french
from app.core.i18n import number as written_number
from app.core.spreadsheet import looks_like_formula
from app.core.text import INVISIBLE, clean, describe_disallowed, disallowed_character, storable
from app.imports import cells, row_dates
from app.imports.reading import SourceRow
from app.imports.wording import field_fr
from app.registrants.normalize import (
    LIKELY_SENEGALESE,
    PhoneReading,
    normalise_document_number,
    normalise_email,
    read_phone,
    validate_document_number,
)
from app.registrants.schemas import RegistrantCreate

NOTES_MAX = 2000
NOTES_SEPARATOR = " | "
DOC_COLUMNS = (("passport_number", "passport"), ("cni_number", "cni_ecowas"))
DOC_ISSUING_COUNTRY = "SN"  # a Senegalese desk register: passports and CNI are Senegalese


@dataclass
class PreparedRow:
    """A row ready for the import service.

    ``data`` is the body of a ``RegistrantCreate`` (None when rejected); ``warnings`` lists
    ``{"field", "message", "message_fr"}`` (the same warning in English and in French);
    ``rejection`` and ``rejection_fr`` say why the row is rejected, in English and in French;
    ``fingerprint`` is the SHA-256 of the row's cells (all but ``N°``);
    ``unverified_phones`` the numbers of ``data["phones"]`` read as unverified (as written there:
    ``+212500000000`` may be either, and matching need not parse every number again to tell);
    ``phone_readings`` each number of ``data["phones"]`` → how the cell's text was read (the
    registrant's phone rows keep it: the text as typed and its flag, not parsed again).
    """

    line: int
    number: str | None
    name: str
    fingerprint: str
    raw: dict[str, str]
    data: dict[str, Any] | None = None
    registered_on: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    rejection: str | None = None
    rejection_fr: str | None = None
    unverified_phones: set[str] = field(default_factory=set)
    phone_readings: dict[str, PhoneReading] = field(default_factory=dict)
    _if_rejected: dict[int, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def warn(
        self, field_name: str, message: str, message_fr: str, *, if_rejected: tuple[str, str] | None = None
    ) -> None:
        """A warning on ``field_name``, in English and French. ``if_rejected``: its words should the
        row be rejected, when ``message`` says what is recorded (nothing of a rejected row is)."""
        self.warnings.append({"field": field_name, "message": message, "message_fr": message_fr})
        if if_rejected:
            self._if_rejected[len(self.warnings) - 1] = if_rejected

    def reject(self, reason: str, reason_fr: str) -> PreparedRow:
        """The row rejected for ``reason``; its warnings then say its cells' problems only."""
        self.rejection, self.rejection_fr = reason, reason_fr
        for i, (message, message_fr) in self._if_rejected.items():
            self.warnings[i] = {**self.warnings[i], "message": message, "message_fr": message_fr}
        self._if_rejected.clear()
        return self


def row_fingerprint(raw: dict[str, str]) -> str:
    """SHA-256 of the row's trimmed cells by field name, ignoring the register's own ``N°``."""
    content = {k: clean(v) for k, v in sorted(raw.items()) if k != "source_number"}
    return hashlib.sha256(_fingerprint_json(content).encode()).hexdigest()


_fingerprint_json = json_text.writer(sort_keys=True, ensure_ascii=False)  # json.dumps(…, the same options)


def prepare_row(
    row: SourceRow,
    *,
    desk_country: str,
    filename: str | None,
    document_patterns: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> PreparedRow:
    """Map one :class:`SourceRow` to a :class:`PreparedRow` (see the module doc for the rules);
    "the future" is after ``today``, the desk's local date (the import passes it; UTC by default)."""
    today = today or dt.datetime.now(dt.UTC).date()
    raw = dict(row.cells)

    def get(name: str) -> str:
        return raw.get(name, "")

    refused = _refused_cells(raw)
    stored = {name: storable(value) for name, value in raw.items()} if refused else raw
    number = clean(storable(get("source_number"))) or None
    given = cells.readable_name(storable(get("given_names")))
    family = cells.readable_name(storable(get("family_name")))
    prepared = PreparedRow(
        line=row.line, number=number, name=f"{given} {family}".strip(), fingerprint=row_fingerprint(stored), raw=stored
    )
    for name, value in raw.items():
        if name != "phones" and looks_like_formula(value):
            prepared.warn(
                name,
                "formula-looking cell stored as plain text, never evaluated",
                f"{field_fr(name)} : cellule qui ressemble à une formule, gardée comme texte, jamais calculée",
                if_rejected=("formula-looking cell", f"{field_fr(name)} : cellule qui ressemble à une formule"),
            )
    reasons, reasons_fr = [], []
    if refused:
        reasons.append(f"{refused[0]}; the batch keeps the row with each such character replaced by U+FFFD")
        reasons_fr.append(f"{refused[1]} ; corrigez la cellule dans le registre, puis importez-le à nouveau")
    if row.unreadable:
        reasons.append(row.unreadable)
        reasons_fr.append(row.unreadable_fr or row.unreadable)
    if reasons:  # every reason the row cannot be read as typed, none hiding another
        return prepared.reject("; ".join(reasons), " ; ".join(reasons_fr))
    if row.problem:
        return prepared.reject(f"malformed row: {row.problem}", f"ligne mal formée : {row.problem_fr or row.problem}")
    # Every reason the row is rejected is said, none hiding another; the row's other cells are
    # still read, so that its warnings tell the agent what else to correct in the register.
    rejected: list[tuple[str, str]] = []
    if not any(c.isalnum() for c in given):
        rejected.append(("no given names", "pas de prénom"))
    if not any(c.isalnum() for c in family):
        rejected.append(("no family name", "pas de nom"))

    source = f"Import du registre « {filename} »" if filename else "Import de registre"
    notes: list[str] = [f"{source} : N° {number or '?'}, ligne {row.line}."]
    registered = birth = None
    try:
        registered = row_dates.registration(get("registered_on"), today=today, warn=prepared.warn)
        birth = row_dates.birth(get("date_of_birth"), registered=registered, today=today, warn=prepared.warn)
    except ValueError as exc:
        rejected.append((str(exc), in_french(exc)))
    if registered:
        prepared.registered_on = registered.value

    data: dict[str, Any] = {
        "given_names": given,
        "family_name": family,
        "date_of_birth": birth.value if birth else None,
    }
    try:
        data["sex"] = cells.parse_sex(get("sex"))
    except ValueError as exc:
        data["sex"] = "unknown"
        prepared.warn(
            "sex",
            f"{exc}; recorded as unknown",
            f"{in_french(exc)} ; enregistré comme inconnu",
            if_rejected=(str(exc), in_french(exc)),
        )

    for name in ("place_of_birth", "origin_region", "host_city", "occupation"):
        data[name] = clean(_visible(prepared, name, get(name))) or None

    data["phones"] = _phones(prepared, get("phones"), desk_country, notes)
    data["documents"] = _documents(prepared, raw, document_patterns)

    email = clean(get("email"))
    if email:
        try:
            data["email"] = normalise_email(email)
        except ValueError as exc:
            prepared.warn(
                "email",
                f"e-mail {email!r} dropped: {exc}",
                f"e-mail « {email} » non repris : {in_french(exc, 'adresse non valide')}",
            )
            notes.append(f"Email (non repris) : {email}")

    try:
        data["status_category"], residence = cells.parse_status(get("status"))
        if residence:
            data["residence_status"] = residence
    except ValueError:
        # The column mixes occupations and legal status: a value not recognised may be a residence
        # status (sensitive), so it is kept in the restricted field only, never in the notes, the
        # warnings or the report that agents read.
        prepared.warn(
            "status",
            "unrecognised status: kept in the restricted residence status",
            "statut non reconnu : gardé dans le statut de séjour (accès restreint)",
            if_rejected=("unrecognised status", "statut non reconnu"),
        )
        data["residence_status"] = f"Statut (non reconnu) : {clean(get('status'))}"

    try:
        arrival = row_dates.arrival(
            get("arrival_date"), registered=registered, birth=birth, today=today, warn=prepared.warn
        )
    except ValueError as exc:
        arrival = None
        prepared.warn("arrival_date", str(exc), in_french(exc))
    if arrival:
        data["arrival_date"] = arrival.value
    elif clean(get("arrival_date")):
        notes.append(f"Date d'arrivée au Maroc (non reprise) : {clean(get('arrival_date'))}")

    for name, label in (("request", "Demande"), ("observations", "Observations")):
        text = clean(_visible(prepared, name, get(name)))
        if text:
            notes.append(f"{label} : {text}")
    note_text = NOTES_SEPARATOR.join(notes)  # the registry keeps notes on one line
    if len(note_text) > NOTES_MAX:
        prepared.warn(
            "notes",
            f"notes cut to {NOTES_MAX} characters (the full text is in the batch's raw cells)",
            f"notes (demande et observations) coupées à {written_number(NOTES_MAX)} caractères (le texte complet reste "
            "dans le lot importé)",
            if_rejected=(
                f"notes longer than {NOTES_MAX} characters",
                f"notes (demande et observations) de plus de {written_number(NOTES_MAX)} caractères",
            ),
        )
        note_text = note_text[: NOTES_MAX - 1] + "…"
    data["notes"] = note_text
    if rejected:
        return prepared.reject("; ".join(en for en, _ in rejected), " ; ".join(fr for _, fr in rejected))
    prepared.data = data
    return prepared


# The direction marks text may carry (LRM, RLM, ALM: Arabic text typed or pasted holds them, and the
# registry accepts them in free text); every other invisible character is removed from a text cell.
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
_TEXT_CELLS_EN = {
    "place_of_birth": "place of birth",
    "origin_region": "region of origin",
    "host_city": "city of residence",
    "occupation": "occupation",
    "request": "request",
    "observations": "observations",
}


def _removable(char: str) -> bool:
    """An invisible character a text cell loses: a format character (category Cf: zero-width
    characters, U+FEFF, the bidirectional embeddings, overrides and isolates the registry refuses)
    or another one that shows nothing (:data:`~app.core.text.INVISIBLE`), the direction marks aside."""
    return char not in _DIRECTION_MARKS and (unicodedata.category(char) == "Cf" or bool(INVISIBLE.match(char)))


def _visible(prepared: PreparedRow, name: str, cell: str) -> str:
    """A text cell (a place, the occupation, the request, the observations) without its invisible
    characters, with a warning naming each one removed: the value is kept as it is seen, never
    dropped whole for a character nobody sees (``"\u200bCouturière\u202e"`` → ``"Couturière"``).
    The batch keeps the raw cell as typed."""
    removed = [char for char in cell if _removable(char)]
    if not removed:
        return cell
    kept = "".join(char for char in cell if not _removable(char))
    codes = ", ".join(dict.fromkeys(f"U+{ord(char):04X}" for char in removed))
    plural = len(set(removed)) > 1
    shown = clean(kept)
    prepared.warn(
        name,
        f"{_TEXT_CELLS_EN.get(name, name)}: invisible character{'s' if plural else ''} {codes} removed "
        f"(pasted with the text, such as a direction control); the value is kept as {shown!r}",
        f"{field_fr(name)} : caractère{'s' if plural else ''} invisible{'s' if plural else ''} {codes} "
        f"retiré{'s' if plural else ''} (collé{'s' if plural else ''} avec le texte, comme une commande de "
        f"direction) ; valeur gardée « {shown} »",
    )
    return kept


def _refused_cells(raw: dict[str, str]) -> tuple[str, str] | None:
    """The reason a row's cells cannot be stored (the text rule of :mod:`app.core.text`), in
    English and in French, or None."""
    found = [(name, where) for name, value in raw.items() if (where := disallowed_character(value))]
    if not found:
        return None
    en = "; ".join(f"{name}: {describe_disallowed(raw[name])}" for name, _ in found)
    fr = " ; ".join(
        f"{field_fr(name)} : caractère invisible non autorisé ({code}) en position {position + 1}"
        for name, (position, code) in found
    )
    return en, fr


MAX_PHONES = next(int(c.max_length) for c in RegistrantCreate.model_fields["phones"].metadata if isinstance(c, MaxLen))
"""The most phones a registrant holds (``RegistrantCreate.phones``)."""


_FLAGS_FR = {LIKELY_SENEGALESE: "sans doute un numéro sénégalais écrit sans son indicatif"}


def phone_readings(cell: str, desk_country: str) -> dict[str, PhoneReading]:
    """How the import reads the phones of a ``Téléphone`` cell, keyed as :func:`prepare_row` puts
    them in the row's body (:attr:`PreparedRow.phone_readings`: the E.164 number, or the text as
    typed when unverified); a piece that is not a phone is left out. For a held row created later:
    its phones keep the cell's text and flag, as those of the rows the import created."""
    out: dict[str, PhoneReading] = {}
    for piece in cells.split_phones(cell):
        try:
            reading = read_phone(piece, default_region=desk_country)
        except ValueError:
            continue
        out.setdefault(reading.e164 or reading.raw, reading)
    return out


def _phones(prepared: PreparedRow, cell: str, desk_country: str, notes: list[str]) -> list[dict[str, Any]]:
    """The cell's phones: E.164 when valid, else kept unverified as typed (never dropped).

    A piece ``phonenumbers`` cannot validate but written like a phone (a new range, a typo) goes
    on the person as typed and the registry stores it unverified (``read_phone``); only a piece
    that is not a phone at all (no digits, letters), and a number past the :data:`MAX_PHONES` a
    person holds, go to the notes, each with a warning.
    """
    phones: list[dict[str, Any]] = []
    seen: set[str] = set()
    pieces = cells.split_phones(cell)
    if not pieces and clean(cell):
        return phones  # an explicit "pas de téléphone"
    for piece in pieces:
        try:
            reading = read_phone(piece, default_region=desk_country)
        except ValueError as exc:
            prepared.warn(
                "phones", f"phone {piece!r} dropped: {exc}", f"téléphone « {piece} » non repris : {in_french(exc)}"
            )
            notes.append(f"Téléphone (non repris) : {piece}")
            continue
        key = reading.e164 or f"unverified:{reading.digits}"
        if key in seen:
            continue
        seen.add(key)
        if len(phones) == MAX_PHONES:  # the person's list is full: kept in the notes, never cut silently
            prepared.warn(
                "phones",
                f"phone {piece!r} dropped: a person holds at most {MAX_PHONES} phones",
                f"téléphone « {piece} » non repris : une personne a au plus {MAX_PHONES} téléphones",
            )
            notes.append(f"Téléphone (non repris) : {piece}")
            continue
        phones.append({"number": reading.e164 or reading.raw, "whatsapp": False, "label": None})
        prepared.phone_readings[reading.e164 or reading.raw] = reading
        if reading.e164 is None:
            prepared.unverified_phones.add(reading.raw)
        if reading.flag:
            shown = reading.e164 or "an unverified number"
            prepared.warn(
                "phones",
                f"phone {piece!r} read as {shown} ({reading.flag})",
                f"téléphone « {piece} » lu comme {reading.e164} ({_FLAGS_FR.get(reading.flag, reading.flag)})"
                if reading.e164
                else f"téléphone « {piece} » gardé tel qu'il est écrit : numéro non vérifié",
                if_rejected=None
                if reading.e164
                else (f"phone {piece!r} could not be verified", f"téléphone « {piece} » : numéro non vérifié"),
            )
    return phones


def _documents(prepared: PreparedRow, raw: dict[str, str], patterns: Mapping[str, str] | None) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for column, doc_type in DOC_COLUMNS:
        value = clean(raw.get(column, ""))
        if not value:
            continue
        try:
            number = validate_document_number(doc_type, normalise_document_number(value), patterns=patterns)
        except ValueError as exc:
            prepared.warn(
                column,
                f"document number {value!r} dropped: {exc}",
                f"{field_fr(column)} « {value} » non repris : {in_french(exc)}",
            )
            continue
        documents.append({"doc_type": doc_type, "number": number, "issuing_country": DOC_ISSUING_COUNTRY})
    return documents
