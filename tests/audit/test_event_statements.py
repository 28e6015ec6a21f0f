"""Events written by SQL statements rather than the ORM (:func:`app.audit.chain.statement`,
:class:`app.audit.chain.DriverStatement`, :func:`app.audit.service.audited_read`): the same content,
the same hash."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import JSON, column, select, text
from sqlalchemy.exc import StatementError

from app.audit import chain
from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink
from app.core.context import Actor, RequestContext
from app.core.db import UTCDateTime
from tests.audit import vectors as v

COLUMNS = ", ".join(chain.CONTENT_FIELDS)
PARAMETERS = ", ".join(f":{name}" for name in chain.CONTENT_FIELDS)

AGENT = Actor(
    user_id=v.ACTOR_ID,
    email="agent@desk.example",
    role="agent",
    context=RequestContext(request_id=v.REQUEST_ID, ip=v.IP, user_agent=v.USER_AGENT),
)


@pytest.fixture
def postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("one statement that reads and logs: PostgreSQL (SQLite has no INSERT in a WITH)")


def _columns(event: AuditEvent) -> dict[str, object]:
    return {name: getattr(event, name) for name in chain.CONTENT_FIELDS}


async def _events(sessionmaker) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())


async def test_an_event_inserted_by_a_statement_is_stored_and_sealed_as_the_orm_would(
    postgres, sessionmaker, audit_log
) -> None:
    """The statement's parameters carry their types: the time (given here in UTC+1) is stored in
    UTC and the details as JSON, so the event hashes to the published vector."""
    insert = chain.statement(f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PARAMETERS})")
    async with sessionmaker() as session:
        await session.execute(insert, chain.values(v.CONTENT))
        await session.commit()
    [event] = await _events(sessionmaker)
    assert _columns(event) == v.COLUMNS
    assert await audit_log.seal() == 1
    async with sessionmaker() as session:
        assert (await session.execute(select(AuditLink.hash))).scalar_one() == v.HASH_V2_FIRST


def test_a_driver_statement_numbers_each_named_parameter_and_orders_the_arguments_so() -> None:
    clause = chain.statement("SELECT :request_id AS a, :occurred_at AS b, :details AS c, :request_id AS d")
    compiled = chain.DriverStatement.compile(clause)
    assert compiled.clause is clause
    assert compiled.names == ("request_id", "occurred_at", "details")
    assert re.findall(r"\$\d+", compiled.sql) == ["$1", "$2", "$3", "$1"]
    assert ":request_id" not in compiled.sql
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    arguments = compiled.arguments({"details": {"b": "Fès", "a": [1]}, "occurred_at": at, "request_id": "r", "ip": "x"})
    assert arguments == ["r", at, '{"a":[1],"b":"Fès"}']  # the canonical JSON text (CanonicalJSON)


async def test_a_statement_binds_the_time_in_utc_and_the_details_as_json(sessionmaker) -> None:
    clause = chain.statement("SELECT :occurred_at AS at, :details AS details")
    typed = clause.columns(column("at", UTCDateTime), column("details", JSON))
    async with sessionmaker() as session:
        row = (await session.execute(typed, {"occurred_at": v.OCCURRED_AT, "details": v.DETAILS})).one()
        assert row.at == v.COLUMNS["occurred_at"]
        assert row.at.utcoffset() == dt.timedelta(0)
        assert row.details == v.DETAILS
        with pytest.raises(StatementError, match="naive datetime"):
            await session.execute(typed, {"occurred_at": dt.datetime(2026, 11, 30, 10), "details": {}})


READ_DESK = "SELECT d.id AS desk_id, d.code FROM desks d WHERE d.code = :code"


@pytest.mark.parametrize("in_transaction", [False, True], ids=["alone", "in-the-request-transaction"])
async def test_an_audited_read_logs_the_read_with_the_rows_desk_only_when_found(
    postgres, sessionmaker, desk_ids, audit_log, in_transaction: bool
) -> None:
    statement = audit.audited_read(READ_DESK)
    async with sessionmaker() as session:
        if in_transaction:
            await session.execute(text("SELECT 1"))
        found = await audit.read_logged(
            session,
            statement,
            {"code": "DKR-MOB"},
            actor=AGENT,
            action="desk.read",
            entity_type="desk",
            entity_id=v.ENTITY_ID,
            details={"reason": "test"},
        )
        missing = await audit.read_logged(
            session, statement, {"code": "NOPE"}, actor=AGENT, action="desk.read", entity_type="desk", entity_id="x"
        )
        if in_transaction:
            await session.commit()
    assert found == {"desk_id": desk_ids["DKR-MOB"], "code": "DKR-MOB"}
    assert missing is None
    [event] = await _events(sessionmaker)
    columns = _columns(event)
    assert isinstance(columns.pop("occurred_at"), dt.datetime)
    assert columns == {
        "actor_id": v.ACTOR_ID,
        "actor_label": "agent@desk.example",
        "actor_role": "agent",
        "action": "desk.read",
        "entity_type": "desk",
        "entity_id": str(v.ENTITY_ID),
        "desk_id": desk_ids["DKR-MOB"],
        "request_id": v.REQUEST_ID,
        "ip": v.IP,
        "user_agent": v.USER_AGENT,
        "details": {"reason": "test"},
    }
    assert await audit_log.seal() == 1
    assert (await audit_log.verify()).ok


async def test_an_audited_read_in_a_rolled_back_transaction_logs_nothing(postgres, sessionmaker) -> None:
    statement = audit.audited_read(READ_DESK)
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))
        found = await audit.read_logged(
            session,
            statement,
            {"code": "CASA-BASE"},
            actor=AGENT,
            action="desk.read",
            entity_type="desk",
            entity_id="1",
        )
        assert found is not None
        await session.rollback()
    assert await _events(sessionmaker) == []


async def test_an_audited_read_stores_the_time_it_was_made(postgres, sessionmaker, monkeypatch) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: v.OCCURRED_AT)
    statement = audit.audited_read(READ_DESK)
    for in_transaction in (False, True):
        async with sessionmaker() as session:
            if in_transaction:
                await session.execute(text("SELECT 1"))
            await audit.read_logged(
                session,
                statement,
                {"code": "CASA-BASE"},
                actor=AGENT,
                action="desk.read",
                entity_type="desk",
                entity_id=uuid.uuid4(),
            )
            await session.commit()
    assert [e.occurred_at for e in await _events(sessionmaker)] == [v.COLUMNS["occurred_at"]] * 2
