"""A registration is written as plain column values (``app.registrants.bulk``), and later reads
and writes go through the ORM: what is stored must read back as the same person, with the match
keys an update of the file would store again."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import selectinload

from app.core.context import Actor
from app.desks.models import Desk
from app.registrants import bulk, prepare
from app.registrants import keys as match_keys
from app.registrants.models import Registrant, RegistrantKey
from app.registrants.schemas import RegistrantCreate

BODY: dict[str, Any] = {
    "given_names": "Ndèye Fatou",
    "family_name": "N'DIAYE",
    "sex": "female",
    "date_of_birth": "1994-03",
    "place_of_birth": "Thiès",
    "origin_region": "Thiès",
    "host_city": "Casablanca",
    "email": "Fatou.Ndiaye@Example.org",
    "phones": [{"number": "06 12 34 56 78", "whatsapp": True}, {"number": "+212612345678"}, {"number": "0099 1234"}],
    "documents": [{"doc_type": "passport", "number": "a0 123 4567", "issuing_country": "sn"}],
    "languages": ["wo", "fr"],
    "occupation": "couturière",
    "arrival_date": "2019-05-02",
    "notes": "Vient pour un titre de séjour",
    "consents": [
        {"purpose": p, "granted": g, "channel": "paper_form", "notice_version": "v1", "language": lang}
        for p, g, lang in (
            ("contact_sms_whatsapp", True, "fr"),
            ("statistics", False, "fr"),
            ("service_delivery", True, "wo"),
        )
    ],
}


async def test_a_registration_reads_back_as_the_values_it_was_stored_from(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    response = await create(casa_agent, BODY, confirm=True)
    assert response.status_code == 201, response.text
    registrant_id = uuid.UUID(response.json()["id"])
    async with sessionmaker() as session:
        stored = (
            await session.execute(
                select(Registrant)
                .where(Registrant.id == registrant_id)
                .options(
                    selectinload(Registrant.phones),
                    selectinload(Registrant.documents),
                    selectinload(Registrant.consents),
                )
            )
        ).scalar_one()
        desk = await session.get_one(Desk, stored.desk_id)
        keys = (
            await session.execute(select(RegistrantKey).where(RegistrantKey.registrant_id == registrant_id))
        ).scalars()
        stored_keys = sorted((k.kind, k.value) for k in keys)
    # the keys an update of the file recomputes from the ORM object are those the registration stored
    assert stored_keys == sorted((k["kind"], k["value"]) for k in match_keys.rows_of(stored))
    assert {v for k, v in stored_keys if k == "t"} == {"876543216212", "43219900"}  # verified, unverified
    actor = Actor(user_id=stored.created_by, email="agent@example.org", role="agent")
    data = RegistrantCreate.model_validate(BODY)
    find = await _areas(sessionmaker, desk, data)
    new = bulk.build(
        actor=actor, desk=desk, data=data, find_area=find, source="counter", registered_on=stored.registered_on
    )
    skipped = {"id", "registration_number", "created_at", "updated_at"}
    columns = [c.name for c in cast(Table, Registrant.__table__).columns if c.name not in skipped]
    assert {c: getattr(stored, c) for c in columns} == {c: new.values[c] for c in columns}
    assert stored.origin_region_code is not None and stored.version == 1
    assert new.keys == match_keys.person_of(stored)
    assert prepare.snapshot(stored) == prepare.snapshot_of(new.values, new.phones, new.documents)
    phone_columns = ("e164", "verified", "raw", "digits", "whatsapp", "label", "flag", "position")
    assert [{c: getattr(p, c) for c in phone_columns} for p in stored.phones] == new.phones
    assert [p.e164 for p in stored.phones] == ["+212612345678", None]  # one number written twice is one phone
    document_columns = ("doc_type", "number", "issuing_country", "expires_on", "position")
    assert [{c: getattr(d, c) for c in document_columns} for d in stored.documents] == new.documents
    consents = sorted(stored.consents, key=lambda c: c.id)  # ids given in the order sent
    assert [(c.purpose, c.granted, c.language) for c in consents] == [
        ("contact_sms_whatsapp", True, "fr"),
        ("statistics", False, "fr"),
        ("service_delivery", True, "wo"),
    ]
    assert {c.recorded_by for c in consents} == {stored.created_by}
    assert all(c.recorded_at.tzinfo is not None and c.recorded_at <= dt.datetime.now(dt.UTC) for c in consents)
    # the response's consents carry the ids stored
    assert [(c["id"], c["purpose"]) for c in response.json()["consents"]] == [(c.id, c.purpose) for c in consents]


async def _areas(sessionmaker: Any, desk: Desk, data: RegistrantCreate) -> prepare.AreaFinder:
    async with sessionmaker() as session:
        fields = data.model_dump(include={"origin_region", "origin_departement", "host_region"})
        return await prepare.area_finder(session, country=desk.country, fields=fields)
