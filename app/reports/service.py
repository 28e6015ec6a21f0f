"""Preparing exports: who may export what, the audit trail, and the file's name.

An export is audited twice, each time in its own committed transaction:

* ``export.start`` before the first byte — kind, format, named or pseudonymised, the stated
  purpose, the filters, the number of rows the query matches at that moment (for a named export
  about people, ``unnamed_row_count``: how many of them lack the consent to be named) and, for a
  file in words, its language (``labels``: ``fr``, ``en``);
* ``export.finish`` when the stream ends — the rows actually written and whether the client
  received the whole file (``completed`` is false when it disconnected or the stream failed) and,
  for a named export about people, ``named_rows_withheld``: the rows written without their names.

Errors: ``UnsupportedFormat`` (422), ``NamedExportForbidden`` (403) for a named export by anyone
but an administrator, ``ExportPurposeRequired`` (422), ``Forbidden`` (403) for a role that may not
export this kind, and the scope's errors (``InvalidPeriod``, ``UnknownDesk``, ``NotFound``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth.models import reserved_to_fr, roles_en
from app.core.config import Settings
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, not_applicable
from app.core.i18n import number
from app.core.text import nothing_as_none, visible_length, without_invisible
from app.privacy.purposes import NAMED_EXPORT_PURPOSE
from app.reports.ages import AgeBands
from app.reports.errors import ExportPurposeRequired, NamedExportForbidden, TooManyRowsForXlsx, UnsupportedFormat
from app.reports.export_base import ConsentGate, ExportContext, ExportSpec
from app.reports.export_words import LabelLanguage, export_words, labelled
from app.reports.exports import BUILDERS, REACHES_FUTURE
from app.reports.persons import copy_roots
from app.reports.pseudonyms import Pseudonymizer, pseudonym_key
from app.reports.scope import Scope, check_ends_today, resolve
from app.reports.xlsx import MAX_ROWS as XLSX_MAX_ROWS

EXPORT_FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_ROLES = {
    "registrants": frozenset({"supervisor", "admin"}),
    "cases": frozenset({"supervisor", "admin"}),
    "referrals": frozenset({"supervisor", "admin"}),
    "appointments": frozenset({"supervisor", "admin"}),
    "audit": frozenset({"auditor", "admin"}),
}
EXPORT_KINDS_FR = {
    "registrants": "personnes inscrites",
    "cases": "dossiers",
    "referrals": "orientations",
    "appointments": "rendez-vous",
    "audit": "journal d'audit",
}
MIN_PURPOSE_LENGTH = 10
_PURPOSE_VAGUE = {
    # letters, and not one character repeated: "..........", "aaaaaaaaaaaa" state no purpose
    "reason_fr": "à écrire en mots (des lettres, pas un seul caractère répété)",
    "reason_en": "to be written in words (letters, not one character repeated)",
}


def states_a_purpose(purpose: str) -> bool:
    """A named export's ``purpose`` says something: at least :data:`MIN_PURPOSE_LENGTH` visible
    characters (:func:`app.core.text.visible_length`), some of them letters, not one character
    repeated."""
    shown = "".join(without_invisible(purpose).split())
    return (
        visible_length(purpose) >= MIN_PURPOSE_LENGTH
        and any(char.isalpha() for char in shown)
        and len(set(shown.casefold())) > 1
    )


_PURPOSE_TOO_SHORT = {
    # a purpose too short: its reason (app.core.reasons.with_reason) says what counts
    "reason_fr": f"trop court (au moins {number(MIN_PURPOSE_LENGTH)}\u00a0caractères visibles)",
    "reason_en": f"too short (at least {MIN_PURPOSE_LENGTH} visible characters)",
}


def age_bands(settings: Settings) -> AgeBands:
    """The configured age bands (``REPORT_AGE_BANDS``)."""
    return AgeBands.of(settings.report_age_bands)


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    """``fmt`` lower-cased if allowed; ``UnsupportedFormat`` otherwise."""
    value = fmt.strip().lower()
    if value not in allowed:
        raise UnsupportedFormat(
            f"Format {fmt!r} is not available here; use one of: {', '.join(allowed)}.",
            detail_fr=f"Le format {fmt!r} n'est pas disponible ici ; utilisez : {', '.join(allowed)}.",
        )
    return value


@dataclass(frozen=True)
class PreparedExport:
    """An audited export ready to stream."""

    export_id: uuid.UUID
    spec: ExportSpec
    fmt: str
    filename: str
    media_type: str
    expected_rows: int
    scope: Scope
    unnamed_rows: int | None = None
    """Rows of a named export whose named columns will be empty (no consent), as counted now."""
    gate: ConsentGate | None = None


def filename_for(kind: str, *, named: bool, scope: Scope, fmt: str, desk_filter_given: bool) -> str:
    """``diaspora-desk_cases_pseudonymised_CASA-BASE_2026-01-01_2026-03-31.xlsx``-style names."""
    parts = ["diaspora-desk", kind, "named" if named else "pseudonymised"]
    if desk_filter_given:
        parts.append("+".join(scope.codes))
    parts.append(str(scope.start) if scope.start else "begin")
    if scope.end is not None:
        parts.append(str(scope.end))
    else:  # what can lie in the future (appointments) runs on past today
        parts.append("open" if kind in REACHES_FUTURE else scope.today(utcnow()).isoformat())
    return "_".join(parts) + f".{fmt}"


def check_row_count(fmt: str, rows: int) -> None:
    """Raise ``TooManyRowsForXlsx`` (422) when ``rows`` do not fit in one XLSX sheet
    (:data:`app.reports.xlsx.MAX_ROWS`); any count will do for CSV."""
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        rows_fr, limit_fr = number(rows), number(XLSX_MAX_ROWS)
        raise TooManyRowsForXlsx(
            f"{rows:,} rows do not fit in an XLSX sheet ({XLSX_MAX_ROWS:,} at most): "
            "choose a shorter period or fewer desks, or export CSV.",
            detail_fr=f"{rows_fr} lignes ne tiennent pas dans une feuille XLSX ({limit_fr} au plus) : "
            "choisissez une période plus courte ou moins de guichets, ou exportez en CSV.",
        )


async def prepare_export(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    kind: str,
    fmt: str,
    named: bool,
    purpose: str | None,
    start: dt.date | None,
    end: dt.date | None,
    desk_codes: Sequence[str],
    delimiter: str = ",",
    labels: LabelLanguage | None = None,
    record: bool = True,
) -> PreparedExport:
    """Check the request, count the rows and record ``export.start`` (flushed, not committed);
    with ``record`` false (a ``HEAD``, which sends no row) check and count only. ``labels``
    (``fr``, ``en``) writes the file's header row and coded values in that language's words
    (:mod:`app.reports.export_words`); None keeps the codes.

    Raises ``NotFound`` (unknown kind), ``UnsupportedFormat``, ``Forbidden``,
    ``FieldNotApplicable`` (422: a ``purpose`` for an export that is not named),
    ``NamedExportForbidden``, ``ExportPurposeRequired`` (no ``purpose`` of at least
    :data:`MIN_PURPOSE_LENGTH` visible characters, :func:`app.core.text.visible_length`), the
    scope's ``InvalidPeriod`` and ``NotFound``, and ``TooManyRowsForXlsx`` (422: an XLSX of more
    rows than a sheet holds, :data:`app.reports.xlsx.MAX_ROWS`; refused before anything is recorded or sent).
    """
    if kind not in BUILDERS:
        raise NotFound(f"No export named {kind!r}.", detail_fr=f"Aucun export nommé {kind!r}.")
    fmt = check_format(fmt, EXPORT_FORMATS)
    if actor.role not in KIND_ROLES[kind]:
        raise Forbidden(
            f"Exporting {kind} needs the role {roles_en(KIND_ROLES[kind])}.",
            detail_fr=f"L'export « {EXPORT_KINDS_FR[kind]} » est réservé {reserved_to_fr(KIND_ROLES[kind])}.",
        )
    purpose = nothing_as_none((purpose or "").strip())
    if purpose is not None and not named:  # a stated purpose is never silently dropped
        raise not_applicable(
            ["purpose"],
            why_en="a purpose is stated for a named export only (named=true).",
            why_fr="la finalité ne s'indique que pour un export nominatif (avec données personnelles).",
            where="query",
        )
    if named:
        if actor.role != "admin":
            raise NamedExportForbidden(
                "Named exports (with personal data) are for administrators only.",
                detail_fr="Les exports nominatifs (avec données personnelles) sont réservés aux administrateurs.",
            )
        # the characters that show: twelve zero-width spaces state no purpose
        if purpose is None or not states_a_purpose(purpose):
            short = "missing" if purpose is None else "string_too_short"
            vague = purpose is not None and visible_length(purpose) >= MIN_PURPOSE_LENGTH
            raise ExportPurposeRequired(
                f"State the purpose of this named export in `purpose`, in words (at least {MIN_PURPOSE_LENGTH} "
                "visible characters, with letters, not one character repeated).",
                detail_fr=f"Indiquez en mots la finalité de cet export nominatif (au moins "
                f"{number(MIN_PURPOSE_LENGTH)} caractères visibles, avec des lettres, pas un seul caractère répété).",
                errors=[
                    {
                        "loc": ["query", "purpose"],
                        "type": "value_error" if vague else short,
                        "msg": "letters, not one character repeated"
                        if vague
                        else f"at least {MIN_PURPOSE_LENGTH} visible characters",
                        "ctx": {"min_length": MIN_PURPOSE_LENGTH},
                        # the characters that count are the visible ones: said so, not « (au moins 10
                        # caractères) », which twelve spaces would seem to meet
                        **({} if purpose is None else _PURPOSE_VAGUE if vague else _PURPOSE_TOO_SHORT),
                    }
                ],
            )
    scope = await resolve(session, actor=actor, start=start, end=end, desk_codes=desk_codes, period_required=False)
    if kind not in REACHES_FUTURE:
        check_ends_today(scope, utcnow())
    # A named export hands people's identities outside the desk: each person is named only under
    # their named_export consent in force now (the audit log is not about registrants: not gated).
    gate = ConsentGate(NAMED_EXPORT_PURPOSE, utcnow()) if named and kind != "audit" else None
    # A named export's pseudonymous ids come from a key of its own, drawn for it and forgotten:
    # stable within the file, they cannot link its names to any pseudonymised export's rows.
    key = secrets.token_bytes(32) if named else pseudonym_key(settings)
    roots = {str(copy): str(root) for copy, root in (await copy_roots(session)).items()} if kind != "audit" else {}
    context = ExportContext(
        roots=roots,
        scope=scope,
        named=named,
        pseudonym=Pseudonymizer(key),
        bands=age_bands(settings),
        desk_filter_given=bool(desk_codes),
        gate=gate,
        labels=labels,
    )
    spec = BUILDERS[kind](context)
    if labels is not None:
        spec = labelled(spec, await export_words(session, labels))
    expected = int((await session.execute(spec.count)).scalar_one())
    check_row_count(fmt, expected)
    unnamed = int((await session.execute(spec.unnamed)).scalar_one()) if spec.unnamed is not None else None
    export_id = context.export_id
    if record:
        await audit.record(
            session,
            actor=actor,
            action="export.start",
            entity_type="export",
            entity_id=export_id,
            desk_id=scope.desk_ids[0] if len(scope.desk_ids) == 1 else None,
            details={
                "kind": kind,
                "format": fmt,
                "named": named,
                "purpose": purpose,
                **({"consent_purpose": gate.purpose} if gate is not None else {}),
                "filters": {
                    "start": scope.start,
                    "end": scope.end,
                    "desks": scope.codes,
                    "desk_filter": bool(desk_codes),
                    "delimiter": delimiter if fmt == "csv" else None,
                },
                "row_count": expected,
                **({"unnamed_row_count": unnamed} if unnamed is not None else {}),
                **({"labels": labels} if labels is not None else {}),
            },
        )
    return PreparedExport(
        export_id=export_id,
        spec=spec,
        fmt=fmt,
        filename=filename_for(kind, named=named, scope=scope, fmt=fmt, desk_filter_given=bool(desk_codes)),
        media_type=MEDIA_TYPES[fmt],
        expected_rows=expected,
        unnamed_rows=unnamed,
        scope=scope,
        gate=gate,
    )


async def record_finish(
    session: AsyncSession, *, actor: Actor, prepared: PreparedExport, rows_written: int, completed: bool
) -> None:
    """Record ``export.finish`` (rows written, completed or interrupted); the caller commits."""
    await audit.record(
        session,
        actor=actor,
        action="export.finish",
        entity_type="export",
        entity_id=prepared.export_id,
        desk_id=prepared.scope.desk_ids[0] if len(prepared.scope.desk_ids) == 1 else None,
        details={
            "kind": prepared.spec.kind,
            "named": prepared.spec.named,
            "rows_written": rows_written,
            "completed": completed,
            **({"named_rows_withheld": prepared.gate.withheld} if prepared.gate is not None else {}),
        },
    )
