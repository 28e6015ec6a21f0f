"""A named export names only the people whose ``named_export`` consent is in force when it starts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.privacy.purposes import NAMED_EXPORT_PURPOSE
from app.privacy.service import latest_in_force
from app.registrants.models import Consent, Registrant
from app.reports.export_base import ConsentGate
from app.reports.streaming import read_only_connection, stream_records, uuids_as_text
from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
PURPOSE = "Liste des bénéficiaires pour le bailleur du programme"


async def _people(world: World) -> dict[str, Any]:
    named = await world.registrant(family="Ndiaye", given="Aïssatou", phones=["+221771234567"], at=utc(2026, 2, 2))
    refused = await world.registrant(
        family="Diop", given="Mamadou", sex="male", consents=("statistics",), at=utc(2026, 2, 3)
    )
    withdrawn = await world.registrant(family="Fall", given="Astou", consents=(), at=utc(2026, 2, 4))
    withdrawn_consent = await world.consent(withdrawn, "named_export", withdrawn_at=utc(2026, 2, 20))
    expired = await world.registrant(family="Sarr", given="Modou", sex="male", consents=(), at=utc(2026, 2, 5))
    await world.consent(expired, "named_export", expires_at=utc(2026, 2, 25))
    for person, day in ((named, 2), (refused, 3), (withdrawn, 4), (expired, 5)):
        await world.case(person, service="SOCIAL", opened=dt.date(2026, 2, day))
    return {"withdrawn_consent": withdrawn_consent}


def _dicts(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


async def test_registrants_without_consent_keep_their_row_but_not_their_name(
    client, make_staff, build, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    await build(_people)
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/registrants", params={**FEB, "named": "true", "purpose": PURPOSE}, headers=admin.headers
    )
    rows = _dicts(response.content)
    assert response.status_code == 200
    assert [(r["family_name"], r["given_names"], r["phone_1"], r["sex"]) for r in rows] == [
        ("Ndiaye", "Aïssatou", "'+221771234567", "female"),  # a phone inert as every value
        ("", "", "", "male"),
        ("", "", "", "female"),
        ("", "", "", "male"),
    ]
    assert all(r["person_id"] for r in rows)
    async with sessionmaker() as session:
        finish = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.finish"))).scalar_one()
    assert (finish.details["rows_written"], finish.details["named_rows_withheld"]) == (4, 3)


async def test_a_named_export_says_how_many_rows_are_left_without_names_and_the_file_says_why(
    client, make_staff, build, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    await build(_people)
    admin = await make_staff("admin", [])
    for kind in ("registrants", "cases", "referrals", "appointments"):
        params = {**FEB, "named": "true", "purpose": PURPOSE}
        head = await client.head(f"/api/v1/exports/{kind}", params=params, headers=admin.headers)
        response = await client.get(f"/api/v1/exports/{kind}", params=params, headers=admin.headers)
        rows = _dicts(response.content)
        expected = {"registrants": 3, "cases": 3}.get(kind, 0)
        assert (head.headers["X-Export-Unnamed-Rows"], response.headers["X-Export-Unnamed-Rows"]) == (
            str(expected),
            str(expected),
        ), kind
        assert list(rows[0] if rows else [])[-1:] in ([], ["not_named_because"]), kind
    rows = _dicts(
        (
            await client.get(
                "/api/v1/exports/registrants",
                params={**FEB, "named": "true", "purpose": PURPOSE},
                headers=admin.headers,
            )
        ).content
    )
    assert [(r["family_name"], r["not_named_because"]) for r in rows] == [
        ("Ndiaye", ""),
        ("", "no named_export consent"),
        ("", "no named_export consent"),
        ("", "no named_export consent"),
    ]
    async with sessionmaker() as session:
        starts = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.start"))).scalars()
        assert [e.details["unnamed_row_count"] for e in starts] == [3, 3, 0, 0, 3]


async def test_pseudonymised_exports_and_the_named_audit_log_have_no_unnamed_count(client, make_staff, build) -> None:  # type: ignore[no-untyped-def]
    await build(_people)
    admin = await make_staff("admin", [])
    plain = await client.get("/api/v1/exports/registrants", params=FEB, headers=admin.headers)
    audit = await client.get(
        "/api/v1/exports/audit", params={**FEB, "named": "true", "purpose": PURPOSE}, headers=admin.headers
    )
    assert (plain.status_code, audit.status_code) == (200, 200)
    assert "X-Export-Unnamed-Rows" not in plain.headers and "X-Export-Unnamed-Rows" not in audit.headers
    assert "not_named_because" not in plain.text and "not_named_because" not in audit.text.split("\n")[0]


async def test_case_exports_follow_the_same_rule(client, make_staff, build) -> None:  # type: ignore[no-untyped-def]
    await build(_people)
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/cases", params={**FEB, "named": "true", "purpose": PURPOSE}, headers=admin.headers
    )
    rows = _dicts(response.content)
    assert [(r["family_name"], r["opened_on"]) for r in rows] == [
        ("Ndiaye", "2026-02-02"),
        ("", "2026-02-03"),
        ("", "2026-02-04"),
        ("", "2026-02-05"),
    ]
    assert [bool(r["case_number"]) for r in rows] == [True, False, False, False]


async def _changed_minds(world: World) -> None:
    """People who decided more than once: only the latest decision recorded so far counts."""
    later, same_time = utc(2026, 2, 15), utc(2026, 2, 12)
    people = [  # (family name, decisions in the order recorded as (granted, recorded_at, withdrawn_at))
        ("Ba", [(False, utc(2026, 2, 10), None), (True, later, None)]),  # refused, then agreed
        ("Cissé", [(True, utc(2026, 2, 10), None), (False, later, None)]),  # agreed, then refused
        ("Dia", [(True, utc(2026, 2, 10), None), (True, later, utc(2026, 2, 16))]),  # the later grant withdrawn
        ("Faye", [(True, same_time, None), (False, same_time, None)]),  # same instant: the later row counts
        ("Gaye", [(False, same_time, None), (True, same_time, None)]),
        ("Kane", [(True, utc(2026, 2, 10), None), (False, utc(2099, 1, 1), None)]),  # a refusal not yet recorded
    ]
    for i, (family, decisions) in enumerate(people):
        person = await world.registrant(family=family, consents=(), at=utc(2026, 2, 2 + i))
        await world.case(person, service="SOCIAL", opened=dt.date(2026, 2, 2 + i))
        for granted, recorded_at, withdrawn_at in decisions:
            await world.consent(
                person, "named_export", granted=granted, recorded_at=recorded_at, withdrawn_at=withdrawn_at
            )


async def test_a_person_who_changed_their_mind_is_named_by_their_latest_decision(client, make_staff, build) -> None:  # type: ignore[no-untyped-def]
    await build(_changed_minds)
    admin = await make_staff("admin", [])
    for kind in ("registrants", "cases"):
        response = await client.get(
            f"/api/v1/exports/{kind}", params={**FEB, "named": "true", "purpose": PURPOSE}, headers=admin.headers
        )
        assert response.status_code == 200
        assert [r["family_name"] for r in _dicts(response.content) if r["family_name"]] == ["Ba", "Gaye", "Kane"]


@pytest.mark.parametrize("day", [22, 26])  # before and after the expiry on 25 February
async def test_on_postgresql_the_database_decides_as_latest_in_force_in_the_statement_s_order(
    app: FastAPI, build, day: int
) -> None:  # type: ignore[no-untyped-def]
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the database decides only on PostgreSQL")
    await build(_people)
    await build(_changed_minds)
    gate = ConsentGate(NAMED_EXPORT_PURPOSE, utc(2026, 2, day))
    rows = select(Case.id, Registrant.id, Registrant.family_name).join(Registrant, Registrant.id == Case.registrant_id)
    async with read_only_connection(engine) as conn:
        table = Consent.__table__
        decisions = (
            await conn.execute(
                select(table).where(table.c.purpose == NAMED_EXPORT_PURPOSE).order_by(table.c.recorded_at, table.c.id)
            )
        ).all()
        # sorted first by columns it selects (the rows a subquery, the outer query ordered as it);
        # sorted with its decisions by one it does not
        for order, sort_first in (
            ((Registrant.family_name, Case.id), True),
            ((Case.created_at.desc(), Case.id), False),
        ):
            stmt = rows.order_by(*order)
            rewritten = str(gate.with_decisions(stmt, 1))
            assert ("export_rows" in rewritten) is sort_first
            if sort_first:
                assert rewritten.rsplit("ORDER BY", 1)[1].split() == ["export_rows.family_name,", "export_rows.id"]
            expected = [
                (*row, latest_in_force([d for d in decisions if d.registrant_id == row[1]], at=gate.at) is not None)
                for row in (await conn.execute(stmt)).all()
            ]
            decided = [
                (uuid.UUID(str(case_id)), uuid.UUID(str(rid)), family, may_name)
                async for batch in stream_records(conn, uuids_as_text(gate.with_decisions(stmt, 1)))
                for case_id, rid, family, may_name in batch
            ]
            assert decided == expected
            named = {family for *_, family, may_name in decided if may_name}
            assert named == ({"Ndiaye", "Ba", "Gaye", "Kane"} | ({"Sarr"} if day < 25 else set()))


INSTANT = utc(2026, 2, 20, 12)  # the export's instant in test_…_at_the_export_s_instant_counts


async def _at_the_instant(world: World) -> None:
    """Decisions at exactly :data:`INSTANT`, the export's instant: withdrawn then, expiring then,
    a refusal recorded then after a grant (none of them named), a grant recorded then (named)."""
    before = INSTANT - dt.timedelta(days=3)
    people: list[tuple[str, list[dict[str, Any]]]] = [
        ("Withdrawn", [{"recorded_at": before, "withdrawn_at": INSTANT}]),
        ("Expiring", [{"recorded_at": before, "expires_at": INSTANT}]),
        ("Refused", [{"recorded_at": before}, {"recorded_at": INSTANT, "granted": False}]),
        ("Granted", [{"recorded_at": INSTANT}]),
        ("Late", [{"recorded_at": INSTANT + dt.timedelta(microseconds=1)}]),
    ]
    for i, (family, decisions) in enumerate(people):
        person = await world.registrant(family=family, consents=(), at=utc(2026, 2, 2 + i))
        await world.case(person, service="SOCIAL", opened=dt.date(2026, 2, 2 + i))
        for values in decisions:
            await world.consent(person, "named_export", **values)


async def test_on_postgresql_a_decision_taking_effect_at_the_export_s_instant_counts(app: FastAPI, build) -> None:  # type: ignore[no-untyped-def]
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the database decides only on PostgreSQL")
    await build(_at_the_instant)
    gate = ConsentGate(NAMED_EXPORT_PURPOSE, INSTANT)
    rows = select(Case.id, Registrant.id, Registrant.family_name).join(Registrant, Registrant.id == Case.registrant_id)
    for order in ((Registrant.family_name, Case.id), (Case.created_at, Case.id)):
        async with read_only_connection(engine) as conn:
            decided = {
                family: may_name
                async for batch in stream_records(conn, gate.with_decisions(rows.order_by(*order), 1))
                for _, _, family, may_name in batch
            }
        assert decided == {"Withdrawn": False, "Expiring": False, "Refused": False, "Granted": True, "Late": False}


async def test_on_postgresql_records_bring_their_ids_as_the_text_of_the_uuids(app: FastAPI, build) -> None:  # type: ignore[no-untyped-def]
    engine = app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("ids are read as text only on PostgreSQL")
    person = await build(lambda world: world.registrant(family="Ndiaye"))
    stmt = uuids_as_text(select(Registrant.id, Registrant.family_name, Registrant.desk_id))
    async with read_only_connection(engine) as conn:
        found = [tuple(row) async for batch in stream_records(conn, stmt) for row in batch]
    assert found == [(str(person.id), "Ndiaye", str(person.desk_id))]
