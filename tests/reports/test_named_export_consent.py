"""A named export names only the people whose ``named_export`` consent is in force when it starts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
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
        ("Ndiaye", "Aïssatou", "+221771234567", "female"),
        ("", "", "", "male"),
        ("", "", "", "female"),
        ("", "", "", "male"),
    ]
    assert all(r["person_id"] for r in rows)
    async with sessionmaker() as session:
        finish = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.finish"))).scalar_one()
    assert (finish.details["rows_written"], finish.details["named_rows_withheld"]) == (4, 3)


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
