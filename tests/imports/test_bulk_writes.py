"""The import's bulk path: rows written in bulk belong to the transaction, and a registrant built as
column values is the one the registry builds one at a time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditPayload
from app.core import bulk
from app.core.context import Actor
from app.desks.models import Desk
from app.registrants import bulk as registrant_bulk
from app.registrants import prepare
from app.registrants import service as registrants
from app.registrants.models import Registrant
from app.registrants.schemas import RegistrantCreate

PAYLOADS = cast(Table, AuditPayload.__table__)


def _payload() -> dict[str, object]:
    now = dt.datetime.now(dt.UTC)
    value = {"a": [1, "é"]}
    return {"id": uuid.uuid4(), "registrant_id": uuid.uuid4(), "salt": "00", "value": value, "created_at": now}


async def _payloads(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(AuditPayload))).scalar_one())


async def test_rows_written_in_bulk_roll_back_with_their_transaction(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    before = await _payloads(sessionmaker)
    async with sessionmaker() as session:
        # the bulk insert is the transaction's first statement (on PostgreSQL a COPY sent on the
        # driver connection): it must still be part of the transaction the session rolls back
        await bulk.insert_rows(session, PAYLOADS, [_payload(), _payload()])
        await session.rollback()
    assert await _payloads(sessionmaker) == before
    row = _payload()
    async with sessionmaker() as session:
        await bulk.insert_rows(session, PAYLOADS, [row])
        await session.commit()
    async with sessionmaker() as session:
        stored = (await session.execute(select(AuditPayload).where(AuditPayload.id == row["id"]))).scalar_one()
    assert (stored.value, stored.created_at) == ({"a": [1, "é"]}, row["created_at"])


def test_a_registrant_built_in_bulk_has_the_values_of_one_built_one_by_one() -> None:
    actor = Actor(user_id=uuid.uuid4(), email="admin@example.org", role="admin")
    desk = Desk(id=uuid.uuid4(), code="CASA-BASE", country="MA", time_zone="Africa/Casablanca", number_prefix="CASA")
    data = RegistrantCreate.model_validate(
        {
            "given_names": "Ndèye Fatou",
            "family_name": "N'DIAYE",
            "sex": "female",
            "date_of_birth": "1994-03",
            "place_of_birth": "Thiès",
            "host_city": "Casablanca",
            "email": "Fatou.Ndiaye@Example.org",
            "phones": [{"number": "06 12 34 56 78"}, {"number": "+212612345678"}, {"number": "0099 1234"}],
            "documents": [{"doc_type": "passport", "number": "a0 123 4567", "issuing_country": "sn"}],
            "occupation": "couturière",
            "arrival_date": "2019-05-02",
            "notes": "Import du registre",
        }
    )
    common = {"actor": actor, "desk": desk, "data": data, "find_area": lambda *_: None, "source": "import"}
    one = registrants.build(**common, source_ref="line 2", registered_on=dt.date(2020, 1, 2))  # type: ignore[arg-type]
    new = registrant_bulk.build(**common, source_ref="line 2", registered_on=dt.date(2020, 1, 2))  # type: ignore[arg-type]
    orm = one.registrant
    skipped = {"id", "registration_number", "created_at", "updated_at", "version"}
    columns = [c.name for c in cast(Table, Registrant.__table__).columns if c.name not in skipped]
    assert {c: new.values[c] for c in columns} == {c: getattr(orm, c) for c in columns}
    assert (new.values["version"], new.values["created_at"] == new.values["updated_at"]) == (1, True)
    phone_columns = ("e164", "verified", "raw", "digits", "whatsapp", "label", "flag", "position")
    assert new.phones == [{c: getattr(p, c) for c in phone_columns} for p in orm.phones]
    assert len(new.phones) == 2  # the same number written twice is one phone; "0099 1234" is kept unverified
    document_columns = ("doc_type", "number", "issuing_country", "expires_on", "position")
    assert new.documents == [{c: getattr(d, c) for c in document_columns} for d in orm.documents]
    assert new.keys == one.keys
    assert prepare.snapshot_of(new.values, new.phones, new.documents) == prepare.snapshot(orm)
