"""Queries over registrants: duplicate blocking and the search behind ``GET /registrants?q=``.

Search keys are computed in Python (:mod:`app.registrants.keys`) and looked up in the indexed
``registrant_keys`` table by equality or prefix range, so results are identical on SQLite and
PostgreSQL and the cost grows with the matches, not the registry.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    any_,
    func,
    intersect,
    literal,
    literal_column,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.core import numbering
from app.core.text import ZERO_WIDTH_SPACE, normalise_typed_identifier
from app.desks.models import Desk
from app.registrants import keys, matching, search_plan, sounding
from app.registrants.models import NAME_TERMS_SQL, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.normalize import normalise_document_number, parse_phone

FILE_KINDS = ("", "T")
"""The series of the numbers a file is given (:mod:`app.core.numbering`): ``""`` at registration
(``CASA-2026-000001``), ``"T"`` when a transfer copies the person to a desk
(``DKR-2026-T-000001``). Search finds a file by either (``C`` numbers are cases')."""
_REGISTRATION = re.compile(
    r"^(?P<prefix>[A-Z0-9]+)-(?P<year>\d{4})(?:-(?P<kind>"
    + "|".join(k for k in FILE_KINDS if k)
    + r"))?-(?P<serial>\d{1,9})$"
)
_PHONE_LIKE = re.compile(r"^[\d\s+().\-/]+$")
_DOC_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\s\-./]{3,63}$")
_SERIAL = re.compile(r"^\d{1,9}$")


def _padded_registration(number: re.Match[str]) -> str:
    """``CASA-2026-2`` → ``CASA-2026-000002``, ``DKR-2026-T-7`` → ``DKR-2026-T-000007`` (a match of
    ``_REGISTRATION``): the number as printed (:func:`app.core.numbering.format_number`)."""
    return numbering.format_number(number["prefix"], number["kind"] or "", int(number["year"]), int(number["serial"]))


FIRST_NUMBER_YEAR = 2000
"""The first year searched for a serial typed alone (registers imported from earlier desks' books
keep their own numbers as ``source_number``; every ``registration_number`` is this product's)."""


def _numbers_of_serial(serial: int) -> Select[Any]:
    """The registration numbers ending in ``serial`` (printed on 6 digits) for every desk's prefix,
    every year from :data:`FIRST_NUMBER_YEAR` to next year and every series of :data:`FILE_KINDS`:
    a few rows per desk and year."""
    years = range(FIRST_NUMBER_YEAR, dt.datetime.now(dt.UTC).year + 2)
    numbers = union_all(
        *(
            select((Desk.number_prefix + numbering.format_number("", kind, year, serial)).label("n"))
            for year in years
            for kind in FILE_KINDS
        )
    )
    return select(numbers.subquery().c.n)


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


@dataclass(frozen=True)
class SearchFilters:
    """Filters of the registrant list; ``created_from``/``created_to`` are inclusive UTC bounds."""

    q: str | None = None
    desk_ids: Sequence[uuid.UUID] | None = None
    sex: str | None = None
    status_category: str | None = None
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    city: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    today: dt.date | None = None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _age_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """Ages in whole years on ``filters.today``, from the partial ISO date of birth.

    A partial date counts from its first day (``1990`` is 1990-01-01, ``1990-05`` 1990-05-01): ISO
    strings of one calendar compare like the dates, and the shorter prefix sorts first. A person
    without a date of birth matches no age filter.
    """
    today = filters.today or dt.date.today()
    dob = Registrant.date_of_birth
    found: list[ColumnElement[bool]] = []
    if filters.age_min is not None:  # born on or before today minus age_min years
        found.append(dob <= _years_before(today, filters.age_min).isoformat())
    if filters.age_max is not None:  # born after today minus (age_max + 1) years
        found.append(dob > _years_before(today, filters.age_max + 1).isoformat())
    if found:
        found.append(dob.is_not(None))
    return found


# SQLite refuses a compound SELECT of more than 500 terms (SQLITE_MAX_COMPOUND_SELECT): longer
# unions and intersections are nested, each level at most this many terms.
_COMPOUND_TERMS = 400


def _union_ids(selects: Sequence[Select[Any]]) -> Select[Any]:
    """One select of the ids of any of ``selects`` (each selecting one id column)."""
    if len(selects) == 1:
        return selects[0]
    if len(selects) > _COMPOUND_TERMS:
        return _union_ids(
            [_union_ids(selects[i : i + _COMPOUND_TERMS]) for i in range(0, len(selects), _COMPOUND_TERMS)]
        )
    merged = union(*selects).subquery()
    return select(merged.c[0])


def _intersect_ids(selects: Sequence[Select[Any]]) -> Select[Any]:
    """One select of the ids found by every one of ``selects`` (each selecting one id column)."""
    if len(selects) == 1:
        return selects[0]
    if len(selects) > _COMPOUND_TERMS:
        return _intersect_ids(
            [_intersect_ids(selects[i : i + _COMPOUND_TERMS]) for i in range(0, len(selects), _COMPOUND_TERMS)]
        )
    # each side wrapped in a subquery: SQLite allows no parenthesised compound select
    both = intersect(*(select(s.subquery().c[0]) for s in selects)).subquery()
    return select(both.c[0])


def name_tokens(q: str) -> list[str]:
    """The name tokens ``q`` is searched by (none when it holds a digit: a phone or a number),
    each once (a word twice narrows nothing: ``ﷺ`` folds to four words, and 200 of them are
    not 800 lookups); a zero-width space parts two words, as in a name
    (:func:`app.registrants.normalize.clean_name`), and so does a symbol, taken out before the
    normalisation could spell it in letters (``№`` → ``No``: :func:`app.registrants.matching.without_symbols`)."""
    q = normalise_typed_identifier(matching.without_symbols(q.replace(ZERO_WIDTH_SPACE, " ")))
    return [] if not q or re.search(r"\d", q) else list(dict.fromkeys(matching.tokens(q)))


def unsearchable(*, q: str | None, city: str | None) -> list[str]:
    """The search texts given that hold nothing to search by once normalised (``"q"``,
    ``"city"``): invisible characters, tatweel, marks or punctuation alone. ``q`` searches by a
    digit (a phone, a document or a registration number) or a name token; ``city`` by its words,
    read like a name's, white space alone included. ``q`` absent is not searched at all, so never
    listed here (the router takes an empty ``q`` for an absent one)."""
    found = []
    if q is not None and not re.search(r"\d", normalise_typed_identifier(q)) and not name_tokens(q):
        found.append("q")
    if city is not None and not matching.tokens(city):
        found.append("city")
    return found


def _by_number(condition: ColumnElement[bool]) -> list[Select[Any]]:
    """The ids of the files whose registration number meets ``condition``, a merged file's as its
    survivor's (the merged file itself is never listed): however its number is typed, whole or
    its serial alone, a merged number finds the person."""
    return [
        select(Registrant.id).where(condition),
        select(Registrant.merged_into_id).where(condition, Registrant.merged_into_id.is_not(None)),
    ]


def _q_ids(q: str, regions: Sequence[str], heard: Mapping[str, Sequence[str]] | None = None) -> Select[Any] | None:
    """The ids of the registrants matching ``q`` as a name, phone, document or registration number
    (one select: a union of index lookups), or None for an empty ``q``.

    ``q`` is first normalised like every typed identifier
    (:func:`app.core.text.normalise_typed_identifier`). A phone matches by its E.164 form in any of
    ``regions``, by its digits exactly (unverified numbers included) or, from 6 digits on, by the end
    of a verified number (its indexed reversed-digits key: ``612345678`` finds ``+212612345678``).
    A name matches when every token does, by its phonetic keys, (from 3 letters) as the start of
    a name word, or as one of the words of the other script it sounds like (``heard``, by token:
    :func:`app.registrants.sounding.words`); a compound given name joined or parted either way
    (``Elhadji`` finds ``El Hadji``, ``Mame Diarra`` finds ``Mamediarra``:
    :func:`app.registrants.search_plan.plan`).
    """
    tokens = name_tokens(q)
    q = normalise_typed_identifier(q)
    if not q:
        return None
    options: list[Select[Any]] = []
    upper = q.upper()
    if registration := _REGISTRATION.match(upper):
        options.extend(_by_number(Registrant.registration_number == _padded_registration(registration)))
    if _SERIAL.match(q) and int(q) > 0:
        # the serial part alone ("000002" or "2"): every desk's number of that serial in every
        # year, looked up by the unique index (never a scan of the registry)
        options.extend(_by_number(Registrant.registration_number.in_(_numbers_of_serial(int(q)))))
    digits = re.sub(r"\D", "", q)
    if _PHONE_LIKE.match(q) and len(digits) >= 6:
        numbers = set()
        for region in regions:
            try:
                numbers.add(parse_phone(q, default_region=region).e164)
            except ValueError:
                continue
        national = digits.lstrip("0")
        # a suffix of a verified number (6+ digits) is a prefix of its reversed-digits key; an
        # unverified number (no E.164 form, no key) is found by its digits exactly
        if len(national) >= 6:
            options.append(keys.prefix_ids("t", national[::-1]))
        options.append(select(RegistrantPhone.registrant_id).where(RegistrantPhone.digits == digits))
        if numbers:
            options.append(select(RegistrantPhone.registrant_id).where(RegistrantPhone.e164.in_(sorted(numbers))))
    if _DOC_LIKE.match(q) and any(c.isdigit() for c in q):
        number = normalise_document_number(q)
        options.append(select(IdentityDocument.registrant_id).where(IdentityDocument.number == number))
    if tokens:
        options.append(_intersect_ids([_unit_ids(unit) for unit in search_plan.plan(tokens, heard)]))
    if not options:
        return select(Registrant.id).where(literal(False))
    return with_survivors(_union_ids(options))


def with_survivors(ids: Select[Any]) -> Select[Any]:
    """``ids`` (one id column) and the survivor of each file among them merged into another: a
    merged file keeps its match keys, phones and documents it did not give the survivor, so its
    spellings, numbers and documents find the person (never the merged file itself, which search
    leaves out), and stop doing so once unmerged. The survivors are read through the index on
    ``merged_into_id`` (merged files only) and the primary key."""
    found = ids.subquery()
    survivors = select(Registrant.merged_into_id).where(
        Registrant.merged_into_id.is_not(None), Registrant.id.in_(select(found.c[0]))
    )
    return _union_ids([select(found.c[0]), survivors])


def _leaf_ids(leaf: search_plan.Leaf) -> Select[Any]:
    """The ids a :class:`~app.registrants.search_plan.Leaf` finds (index lookups of the match keys)."""
    found = [keys.equal_ids("n", key) for key in leaf.keys]
    found += [keys.equal_ids("w", word) for word in leaf.words]
    if leaf.prefix:
        found.append(keys.prefix_ids("w", leaf.prefix))
    return _union_ids(found)


def _unit_ids(unit: search_plan.Unit) -> Select[Any]:
    """The ids a :data:`~app.registrants.search_plan.Unit` finds: any alternative, all its leaves."""
    return _union_ids([_intersect_ids([_leaf_ids(leaf) for leaf in alternative]) for alternative in unit])


NAME_TERMS = literal_column(NAME_TERMS_SQL, postgresql.ARRAY(Text))
"""PostgreSQL: :data:`app.registrants.models.NAME_TERMS_SQL` as a column of a registrants query."""


Terms = list[list[list[str]]]
"""PostgreSQL: one :data:`~app.registrants.search_plan.Unit` as name terms: its alternatives, each
its leaves' terms (a registrant matches when it carries a term of every leaf of one alternative)."""


async def name_terms(session: AsyncSession, tokens: Sequence[str]) -> list[Terms]:
    """PostgreSQL: the units of the search of ``tokens`` (:func:`name_tokens`,
    :func:`app.registrants.search_plan.plan`) as :data:`NAME_TERMS` a registrant must carry, as the
    match keys decide: for each leaf, ``n:`` + its phonetic keys, and ``w:`` + its words, every
    word of the registry starting with its prefix (a loose index scan of the ``w`` keys) and, a
    searched word, every word of the other script it sounds like
    (:func:`app.registrants.sounding.words`). A leaf matching nothing has no terms."""
    heard = await sounding.words(session, tokens)
    units = search_plan.plan(tokens, heard)
    starting = await keys.words_starting(session, search_plan.prefixes(units))
    return [
        [
            [
                sorted(
                    {f"n:{key}" for key in leaf.keys if key}
                    | {f"w:{word}" for word in (*leaf.words, *starting.get(leaf.prefix or "", ()))}
                )
                for leaf in alternative
            ]
            for alternative in unit
        ]
        for unit in units
    ]


def _merged_named(named: Sequence[ColumnElement[bool]]) -> Any:
    """PostgreSQL: the survivors of the merged files whose names match every one of ``named``
    (:func:`name_condition`), one scalar subquery: the merged file is read through the partial GIN
    index ``ix_registrants_merged_name_terms`` (merged files only, revision 2601), the unqualified
    :data:`NAME_TERMS` naming the subquery's own row."""
    merged: Select[Any] = select(literal_column("merged_into_id")).select_from(
        Registrant.__table__.alias("merged_file")
    )
    return merged.where(literal_column("merged_into_id").is_not(None), *named).scalar_subquery()


def search_query(
    filters: SearchFilters,
    *,
    regions: Sequence[str],
    few: bool = False,
    terms: Sequence[Terms] | None = None,
    heard: Mapping[str, Sequence[str]] | None = None,
) -> Select[Any]:
    """The filtered select (unordered: the caller paginates by ``(created_at, id)``); files merged
    into another are left out.

    ``regions`` are the countries used to read a phone written without country code. PostgreSQL
    only: ``few``: ``q`` matches few registrants (a phone, a document or a number), so their ids
    are collected first (``id = ANY(ARRAY(…))``, index lookups) and only their rows read.
    ``terms``: ``q`` is a name, matched as its :func:`name_terms` (one ``NAME_TERMS && ARRAY[…]``
    per leaf, those of an alternative joined by ``AND``, a unit's alternatives by ``OR``; the terms
    written into the statement so that the planner weighs them: a common name is walked newest
    first, two common tokens intersected in the GIN index). ``heard``: the words of the other
    script each name token of ``q`` sounds like (:func:`app.registrants.sounding.words`), when ``q``
    is matched through the match keys.
    """
    stmt = _scoped(select(Registrant).where(Registrant.merged_into_id.is_(None)), filters.desk_ids)
    if filters.sex:
        stmt = stmt.where(Registrant.sex == filters.sex)
    if filters.status_category:
        stmt = stmt.where(Registrant.status_category == filters.status_category)
    if filters.created_from:
        stmt = stmt.where(Registrant.created_at >= filters.created_from)
    if filters.created_to:
        stmt = stmt.where(Registrant.created_at <= filters.created_to)
    if filters.city:
        # the city's match key ("c": its folded words, as every registrant's city is keyed), so a
        # city is read as a name is: case, accents, pasted marks and fullwidth letters aside, the
        # same on both databases (SQLite's lower() folds ASCII only: "KÉNITRA" was never found)
        city = " ".join(matching.tokens(filters.city))[: matching.KEY_VALUE_LENGTH]
        stmt = stmt.where(Registrant.id.in_(keys.equal_ids("c", city)) if city else literal(False))
    for age_condition in _age_conditions(filters):
        stmt = stmt.where(age_condition)
    if terms is not None:
        named = [name_condition(unit) for unit in terms]
        stmt = stmt.where(or_(and_(*named), Registrant.id == any_(func.array(_merged_named(named)))))
    elif filters.q:
        ids = _q_ids(filters.q, regions, heard)
        if ids is not None and few:  # PostgreSQL: the ids first, then their rows (see search_query)
            stmt = stmt.where(Registrant.id == any_(func.array(ids.scalar_subquery())))
        elif ids is not None:
            stmt = stmt.where(Registrant.id.in_(ids))
    return stmt


def name_condition(unit: Terms) -> ColumnElement[bool]:
    """PostgreSQL: a registrant matches one unit of :func:`name_terms`: every leaf of one of its
    alternatives (``NAME_TERMS && ARRAY[…]`` each, GIN-indexed)."""
    return or_(*(and_(*(_overlap(leaf) for leaf in alternative)) for alternative in unit))


def _overlap(terms: Sequence[str]) -> ColumnElement[bool]:
    """PostgreSQL: the registrant carries one of ``terms`` (``NAME_TERMS && ARRAY[…]``)."""
    if not terms:
        return literal(False)
    wanted = postgresql.array[Any]([literal(term, Text, literal_execute=True) for term in terms], type_=Text)
    overlap: ColumnElement[bool] = NAME_TERMS.overlap(wanted)
    return overlap


_CHILDREN = ("phones", "documents", "consents")
_RECORD_SQL = """
SELECT {columns},
  (SELECT coalesce(json_agg(json_build_object('e164', p.e164, 'verified', p.verified, 'raw', p.raw,
                                              'whatsapp', p.whatsapp, 'label', p.label, 'flag', p.flag)
                            ORDER BY p.position, p.id), '[]')
   FROM registrant_phones p WHERE p.registrant_id = r.id) AS phones,
  (SELECT coalesce(json_agg(json_build_object('doc_type', d.doc_type, 'number', d.number,
                                              'issuing_country', d.issuing_country, 'expires_on', d.expires_on)
                            ORDER BY d.position, d.id), '[]')
   FROM identity_documents d WHERE d.registrant_id = r.id) AS documents,
  (SELECT coalesce(json_agg(json_build_object('id', c.id, 'purpose', c.purpose, 'granted', c.granted,
                                              'channel', c.channel, 'notice_version', c.notice_version,
                                              'language', c.language, 'partner_name', c.partner_name,
                                              'partner_id', c.partner_id,
                                              'recorded_at', {recorded_at}, 'recorded_by', c.recorded_by,
                                              'withdrawn_at', {withdrawn_at}, 'expires_at', {expires_at})
                            ORDER BY c.recorded_at, c.id), '[]')
   FROM consents c WHERE c.registrant_id = r.id) AS consents
FROM registrants r
WHERE r.id = :registrant_id AND r.merged_into_id IS NULL
  AND (CAST(:desk_ids AS uuid[]) IS NULL OR r.desk_id = ANY(CAST(:desk_ids AS uuid[])))
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
