"""The shape shared by every export: its spec (columns, count, row source) and its context."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import anyio
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause
from sqlalchemy.sql.util import ClauseAdapter

from app.core.ids import new_id
from app.privacy.purposes import REFERRAL_PURPOSE
from app.privacy.service import in_force, latest_in_force
from app.registrants.models import Consent
from app.reports.ages import AgeBands
from app.reports.pseudonyms import Pseudonymizer
from app.reports.scope import Scope
from app.reports.streaming import AnySelect, Batch, RowSource, closing, stream_batches, stream_records, uuids_as_text
from app.reports.writers import Column

NOT_NAMED_BECAUSE = Column("not_named_because", width=24)
"""The last column of a named export about people: empty where the row's named columns are
filled, :data:`NO_NAMED_CONSENT` where they are empty for want of the person's consent."""
NO_NAMED_CONSENT = "no named_export consent"


@dataclass(frozen=True)
class ExportSpec:
    """An export ready to run: columns, a count of its rows and the row source; ``unnamed``, for a
    named export about people, counts the rows whose named columns will be empty (no consent)."""

    kind: str
    named: bool
    columns: list[Column]
    count: Select[int]
    source: RowSource
    unnamed: Select[int] | None = None
    sheet_name: str | None = None
    """The XLSX sheet's name (None: ``kind``)."""


class _Decision(NamedTuple):
    """A consent row as :func:`~app.privacy.service.latest_in_force` reads it."""

    registrant_id: uuid.UUID
    id: int
    purpose: str
    granted: bool
    recorded_at: dt.datetime
    withdrawn_at: dt.datetime | None
    expires_at: dt.datetime | None
    partner_id: uuid.UUID | None


# Each person's latest decision for the purpose recorded at or before the instant (``$3``), the
# one ``latest_in_force`` keeps when a purpose has no partners: ordered by ``(recorded_at, id)``.
_LATEST_DECISIONS_SQL = (
    "SELECT DISTINCT ON (registrant_id) registrant_id, id, purpose, granted, recorded_at, withdrawn_at, "
    "expires_at, partner_id FROM consents WHERE registrant_id = ANY($1::uuid[]) AND purpose = $2 "
    "AND recorded_at <= $3 ORDER BY registrant_id, recorded_at DESC, id DESC"
)


@dataclass
class ConsentGate:
    """Named exports name only the people whose consent for ``purpose`` is in force at ``at``
    (the rule of :func:`app.privacy.service.latest_in_force`); the others' rows keep their
    pseudonymised columns and have the named ones left empty, with :data:`NOT_NAMED_BECAUSE`'s
    cell saying why (the file's reader must not take them for people without a phone or a name);
    ``withheld`` counts those rows."""

    purpose: str
    at: dt.datetime
    withheld: int = field(default=0)

    async def allowed(self, conn: AsyncConnection, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``ids`` (registrant ids, one batch) may be named."""
        wanted = set(ids)
        if not wanted:
            return set()
        if conn.dialect.name == "postgresql" and self.purpose != REFERRAL_PURPOSE:
            # One decision per person, the one that counts: in force or not (the same answer as
            # latest_in_force over all of them, which a partner-scoped purpose would need).
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            rows = await driver.fetch(_LATEST_DECISIONS_SQL, list(wanted), self.purpose, self.at)
            at = self.at
            return {d.registrant_id for d in map(_Decision._make, rows) if in_force(d, at)}
        table = Consent.__table__
        rows = await conn.execute(
            select(table)
            .where(table.c.registrant_id.in_(wanted), table.c.purpose == self.purpose)
            .order_by(table.c.registrant_id, table.c.recorded_at, table.c.id)
        )
        return self._in_force(rows)

    def with_decisions(self, stmt: AnySelect, person: int) -> AnySelect:
        """PostgreSQL: ``stmt``'s rows, in its order, each with one more column (the last): whether
        the person whose registrant id is ``stmt``'s column ``person`` may be named. The database
        decides, by :func:`~app.privacy.service.latest_in_force`'s rule for a purpose without
        partners: their latest decision for :attr:`purpose` recorded at or before :attr:`at`
        (by ``recorded_at``, then ``id``) is in force at :attr:`at`
        (:func:`~app.privacy.service.in_force`); no decision, not named. A purpose with partners
        needs every decision and cannot use it.

        The rows are sorted first and each one's decision is looked up (``LATERAL``) as it is
        read, while the export works on the rows before: the first rows come once the sort is
        done, not once every row has its decision (for 100,000 cases, ~0.2 s instead of ~0.4 s).
        A statement ordered by a column it does not select is sorted with its decisions instead."""
        table = Consent.__table__.c
        at = self.at
        rows = stmt.subquery("export_rows")
        # The statement's ORDER BY (where SQLAlchemy keeps it), in terms of the subquery's columns
        # where it orders by selected ones: the outer query's order, which PostgreSQL then knows
        # the sorted subquery already has.
        order = [ClauseAdapter(rows).traverse(clause) for clause in stmt._order_by_clauses]
        sort_first = all(
            column.table is rows
            for clause in order
            for column in visitors.iterate(clause)
            if isinstance(column, ColumnClause)
        )
        in_force_at: ColumnElement[bool] = and_(
            table.granted,
            or_(table.withdrawn_at.is_(None), table.withdrawn_at > at),
            or_(table.expires_at.is_(None), table.expires_at > at),
        )
        latest = (
            select(in_force_at.label("in_force"))
            .where(
                table.registrant_id == (rows.c[person] if sort_first else stmt.selected_columns[person]),
                table.purpose == self.purpose,
                table.recorded_at <= at,
            )
            .order_by(table.recorded_at.desc(), table.id.desc())
            .limit(1)
            .lateral("named_consent")
        )
        may_name = func.coalesce(latest.c.in_force, false())  # no decision: not named
        if not sort_first:
            return stmt.outerjoin(latest, true()).add_columns(may_name)
        return select(*rows.c, may_name).select_from(rows.outerjoin(latest, true())).order_by(*order)

    def _in_force(self, rows: Iterable[Any]) -> set[uuid.UUID]:
        by_person: dict[uuid.UUID, list[Any]] = {}
        for row in rows:
            by_person.setdefault(row.registrant_id, []).append(row)
        return {rid for rid, decisions in by_person.items() if latest_in_force(decisions, at=self.at) is not None}

    def unnamed_count(self, stmt: AnySelect, person: int) -> Select[int]:
        """How many of ``stmt``'s rows will have their named cells left empty: those whose person
        (the registrant id in ``stmt``'s column ``person``) may not be named, by the rule of
        :meth:`with_decisions` (a purpose without partners), in SQL that SQLite runs too."""
        table = Consent.__table__.c
        at = self.at
        rows = stmt.order_by(None).subquery("export_rows")
        latest = (
            select(
                and_(
                    table.granted,
                    or_(table.withdrawn_at.is_(None), table.withdrawn_at > at),
                    or_(table.expires_at.is_(None), table.expires_at > at),
                )
            )
            .where(table.registrant_id == list(rows.c)[person], table.purpose == self.purpose, table.recorded_at <= at)
            .order_by(table.recorded_at.desc(), table.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        return select(func.count()).select_from(rows).where(~func.coalesce(latest, false()))

    def blank(self, row: list[Any], width: int) -> list[Any]:
        """``row`` with its last ``width`` (named) cells emptied and :data:`NOT_NAMED_BECAUSE`'s
        cell (after them) saying why; counted in ``withheld``."""
        self.withheld += 1
        return row[: len(row) - width] + [None] * width + [NO_NAMED_CONSENT]


@dataclass(frozen=True)
class ExportContext:
    """What an export builder needs; ``export_id`` names the export's own audit events.

    ``roots``: each transfer copy's registrant id → the id of the record that stands for the
    person (:func:`app.reports.persons.copy_roots`), both as text."""

    scope: Scope
    named: bool
    pseudonym: Pseudonymizer
    bands: AgeBands
    desk_filter_given: bool
    gate: ConsentGate | None = None
    export_id: uuid.UUID = field(default_factory=new_id)
    roots: Mapping[str, str] = field(default_factory=dict)
    labels: str | None = None
    """``fr``/``en`` for a file in words: the cells a builder writes as sentences (a registrant's
    ``other_documents``, an unverified phone) are written in that language; None, in English."""

    def person(self, registrant_id: uuid.UUID | str | None) -> str | None:
        """The pseudonymous ``person_id`` of a registrant (a UUID or its text): a transfer copy has
        its root's, so one person has one ``person_id`` at every desk; None for None."""
        if registrant_id is None:
            return None
        key = str(registrant_id)
        return self.pseudonym("registrant", self.roots.get(key, key))


def map_batches(
    stmt: AnySelect,
    convert: Callable[[Any], Sequence[Any]],
    *,
    gate: ConsentGate | None = None,
    person: int | None = None,
    named_width: int = 0,
    by_position: bool = False,
) -> RowSource:
    """Rows of ``stmt`` converted batch by batch; with a ``gate``, the last ``named_width`` cells
    of rows whose person (the registrant id in column ``person``) may not be named are emptied, and
    every row gets :data:`NOT_NAMED_BECAUSE`'s cell last (the builder adds the column).
    ``by_position``: ``convert`` reads rows only by index (and never past its own columns), and
    takes an id (UUID column) only to make its pseudonym, so PostgreSQL rows may come straight from
    asyncpg (:func:`~app.reports.streaming.stream_records`), ids as text
    (:func:`~app.reports.streaming.uuids_as_text`), each with whether its person may be named
    (:meth:`ConsentGate.with_decisions`)."""

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        postgresql = conn.dialect.name == "postgresql"
        if gate is None or person is None:
            if by_position:
                rows = stream_records(conn, uuids_as_text(stmt) if postgresql else stmt)
            else:
                rows = stream_batches(conn, stmt)
            async with closing(rows) as batches:
                async for batch in batches:
                    converted = [convert(row) for row in batch]
                    del batch  # its records are freed now, not once the rows are written
                    yield converted
                    del converted
            return
        if by_position and postgresql and gate.purpose != REFERRAL_PURPOSE:
            async with closing(stream_records(conn, uuids_as_text(gate.with_decisions(stmt, person)))) as decided:
                async for batch in decided:
                    converted = [
                        (*convert(row), None) if row[-1] else gate.blank(list(convert(row)), named_width)
                        for row in batch
                    ]
                    del batch  # its records are freed now, not once the rows are written
                    yield converted
                    del converted
            return
        allowed: set[uuid.UUID] = set()

        async def consents(batch: Batch) -> None:
            nonlocal allowed
            assert gate is not None and person is not None
            allowed = await gate.allowed(conn, {row[person] for row in batch})

        rows = stream_records(conn, stmt, before_next=consents) if by_position else stream_batches(conn, stmt)
        async with closing(rows) as batches:
            async for batch in batches:
                if not by_position:
                    await consents(batch)
                converted = [
                    (*convert(row), None) if row[person] in allowed else gate.blank(list(convert(row)), named_width)
                    for row in batch
                ]
                del batch
                yield converted
                del converted

    return source


def counted_first(source: RowSource, count: Select[int], given: Callable[[int], None]) -> RowSource:
    """``source``, once ``count`` has been read in its snapshot and ``given`` its result: a count
    of the very rows it will read (before the response's headers go out)."""

    async def counted(conn: AsyncConnection) -> AsyncIterator[Batch]:
        with anyio.CancelScope(shield=True):  # as the rows' own count (app.reports.streaming)
            found = int((await conn.execute(count)).scalar_one())
        given(found)
        async with closing(source(conn)) as batches:
            async for batch in batches:
                yield batch

    return counted


def count_of(stmt: AnySelect) -> Select[int]:
    return select(func.count()).select_from(stmt.order_by(None).subquery())
