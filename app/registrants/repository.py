"""Queries over registrants: duplicate blocking and the search behind ``GET /registrants?q=``.

Search keys are computed in Python (:mod:`app.registrants.normalize`) and matched with plain
``LIKE`` over space-padded key strings, so results are identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.registrants import matching
from app.registrants.models import IdentityDocument, Registrant, RegistrantPhone
from app.registrants.normalize import normalise_document_number, parse_phone

BLOCK_LIMIT = 200
_REGISTRATION = re.compile(r"^[A-Z0-9]+-\d{4}-\d{1,9}$")
_PHONE_LIKE = re.compile(r"^[\d\s+().\-/]+$")
_DOC_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\s\-./]{3,63}$")


def with_children(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` loading phones, documents and consents eagerly (relationships are ``lazy="raise"``).

    Phones and documents (at most 10 each) are joined into the same query, consents (which grow
    over time) come in a second one: two round trips per registrant instead of four.
    """
    return stmt.options(
        joinedload(Registrant.phones), joinedload(Registrant.documents), selectinload(Registrant.consents)
    )


def _scoped(stmt: Select[Any], desk_ids: Iterable[uuid.UUID] | None) -> Select[Any]:
    if desk_ids is None:
        return stmt
    return stmt.where(Registrant.desk_id.in_(list(desk_ids)))


async def duplicate_pool(
    session: AsyncSession,
    *,
    keys: matching.PersonKeys,
    family_phonetic: str,
    given_phonetic: str,
    birth_year: int | None,
    desk_ids: Iterable[uuid.UUID] | None,
    exclude_id: uuid.UUID | None,
) -> list[Registrant]:
    """Registrants sharing a block with ``keys``: a phone, a document number, the full birth date,
    the birth year with a family or given name key, or both phonetic name keys."""
    blocks: list[ColumnElement[bool]] = []
    if keys.phones:
        blocks.append(
            Registrant.id.in_(select(RegistrantPhone.registrant_id).where(RegistrantPhone.e164.in_(keys.phones)))
        )
    if keys.documents:
        blocks.append(
            Registrant.id.in_(select(IdentityDocument.registrant_id).where(IdentityDocument.number.in_(keys.documents)))
        )
    if keys.date_of_birth and len(keys.date_of_birth) == 10:
        blocks.append(Registrant.date_of_birth == keys.date_of_birth)
    if birth_year is not None:
        blocks.append(
            and_(
                Registrant.birth_year == birth_year,
                or_(
                    Registrant.family_name_phonetic == family_phonetic,
                    Registrant.given_names_phonetic == given_phonetic,
                ),
            )
        )
    blocks.append(
        and_(Registrant.family_name_phonetic == family_phonetic, Registrant.given_names_phonetic == given_phonetic)
    )
    stmt = _scoped(select(Registrant).where(or_(*blocks)), desk_ids)
    if exclude_id is not None:
        stmt = stmt.where(Registrant.id != exclude_id)
    stmt = stmt.options(selectinload(Registrant.phones), selectinload(Registrant.documents)).limit(BLOCK_LIMIT)
    return list((await session.execute(stmt)).scalars().all())


@dataclass(frozen=True)
class SearchFilters:
    """Filters of the registrant list; ``created_from``/``created_to`` are inclusive UTC bounds."""

    q: str | None = None
    desk_ids: Sequence[uuid.UUID] | None = None
    sex: str | None = None
    status_category: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _q_condition(q: str, regions: Sequence[str]) -> ColumnElement[bool] | None:
    """One condition matching ``q`` as a name, phone, document or registration number."""
    q = q.strip()
    if not q:
        return None
    options: list[ColumnElement[bool]] = []
    upper = q.upper()
    if _REGISTRATION.match(upper):
        options.append(Registrant.registration_number == upper)
    digits = re.sub(r"\D", "", q)
    if _PHONE_LIKE.match(q) and len(digits) >= 6:
        numbers = set()
        for region in regions:
            try:
                numbers.add(parse_phone(q, default_region=region).e164)
            except ValueError:
                continue
        national = digits.lstrip("0")
        phone_match: ColumnElement[bool] = (
            RegistrantPhone.e164.like("%" + national) if len(national) >= 8 else literal(False)
        )
        if numbers:
            phone_match = or_(phone_match, RegistrantPhone.e164.in_(numbers))
        options.append(Registrant.id.in_(select(RegistrantPhone.registrant_id).where(phone_match)))
    if _DOC_LIKE.match(q) and any(c.isdigit() for c in q):
        number = normalise_document_number(q)
        options.append(
            Registrant.id.in_(select(IdentityDocument.registrant_id).where(IdentityDocument.number == number))
        )
    name_tokens = matching.tokens(q)
    if name_tokens and not digits:
        keys = literal(" ") + Registrant.given_names_key + literal(" ") + Registrant.family_name_key + literal(" ")
        phon = (
            literal(" ")
            + Registrant.given_names_phonetic
            + literal(" ")
            + Registrant.family_name_phonetic
            + literal(" ")
        )
        per_token = [
            or_(
                # a prefix for 3+ letters ("Ndia"); a short name is a whole word: "Sy" never finds "Sylla"
                keys.like(f"% {_like_escape(tok)}{'%' if len(tok) >= 3 else ' %'}", escape="\\"),
                phon.like(f"% {_like_escape(matching.phonetic(tok))} %", escape="\\"),
            )
            for tok in name_tokens
        ]
        options.append(and_(*per_token))
    if not options:
        return literal(False)
    return or_(*options)


def search_query(filters: SearchFilters, *, regions: Sequence[str]) -> Select[Any]:
    """The filtered select (unordered: the caller paginates by ``(created_at, id)``).

    ``regions`` are the countries used to read a phone written without country code.
    """
    stmt = _scoped(select(Registrant), filters.desk_ids)
    if filters.sex:
        stmt = stmt.where(Registrant.sex == filters.sex)
    if filters.status_category:
        stmt = stmt.where(Registrant.status_category == filters.status_category)
    if filters.created_from:
        stmt = stmt.where(Registrant.created_at >= filters.created_from)
    if filters.created_to:
        stmt = stmt.where(Registrant.created_at <= filters.created_to)
    if filters.q:
        condition = _q_condition(filters.q, regions)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


_CHILDREN = ("phones", "documents", "consents")
_RECORD_SQL = """
SELECT {columns},
  (SELECT coalesce(json_agg(json_build_object('e164', p.e164, 'whatsapp', p.whatsapp, 'label', p.label,
                                              'flag', p.flag) ORDER BY p.position, p.id), '[]')
   FROM registrant_phones p WHERE p.registrant_id = r.id) AS phones,
  (SELECT coalesce(json_agg(json_build_object('doc_type', d.doc_type, 'number', d.number,
                                              'issuing_country', d.issuing_country, 'expires_on', d.expires_on)
                            ORDER BY d.position, d.id), '[]')
   FROM identity_documents d WHERE d.registrant_id = r.id) AS documents,
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'purpose', c.purpose, 'granted', c.granted,
                                              'channel', c.channel, 'notice_version', c.notice_version,
                                              'language', c.language, 'partner_name', c.partner_name,
                                              'recorded_at', {recorded_at}, 'recorded_by', c.recorded_by,
                                              'withdrawn_at', {withdrawn_at}, 'expires_at', {expires_at})
                            ORDER BY c.recorded_at, c.id), '[]')
   FROM consents c WHERE c.registrant_id = r.id) AS consents
FROM registrants r
WHERE r.id = :registrant_id AND (CAST(:desk_ids AS uuid[]) IS NULL OR r.desk_id = ANY(CAST(:desk_ids AS uuid[])))
"""


def _utc_text(column: str) -> str:
    # JSON renders timestamptz in the session's time zone: spell it out in UTC instead.
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def record_sql(fields: Iterable[str]) -> str:
    """PostgreSQL: one registrant's ``fields`` and its phones, documents and consents (as JSON
    arrays, in the ORM relationships' order) in one SELECT. Named parameters: ``registrant_id``,
    and ``desk_ids`` (the desks in scope; null for all)."""
    columns = ", ".join(f"r.{name}" for name in fields if name not in _CHILDREN)
    return _RECORD_SQL.format(
        columns=columns,
        recorded_at=_utc_text("c.recorded_at"),
        withdrawn_at=_utc_text("c.withdrawn_at"),
        expires_at=_utc_text("c.expires_at"),
    )
