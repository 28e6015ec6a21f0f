"""The SQL of a report's scope against a real database: which rows a period and the desks take in.

Instants worked out by hand from the IANA zones: in June 2026 Africa/Casablanca is UTC+1 (Morocco
moved to permanent UTC+0 only on 2026-09-20, IANA tz 2026c) and Africa/Dakar is UTC+0 all year.
A period is inclusive local dates of each desk (the reports' documented rule); a desk the actor
does not belong to does not exist for them (BRIEF §3).
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.context import Actor
from app.core.errors import NotFound
from app.core.periods import InvalidPeriod
from app.registrants.models import Registrant
from app.reports.scope import Scope, resolve
from tests.reports.conftest import World

JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
Z = dt.UTC


def _admin() -> Actor:
    return Actor(user_id=uuid.uuid4(), email="admin@desk.example", role="admin")


async def _scope(sessionmaker, actor: Actor, **kwargs) -> Scope:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return await resolve(session, actor=actor, start=JUNE[0], end=JUNE[1], **kwargs)


async def test_an_instant_is_in_the_period_by_its_local_date_at_its_desk(build, sessionmaker) -> None:
    instants = {
        "casa-before": ("CASA-BASE", dt.datetime(2026, 5, 31, 22, 59, 59, 999999, tzinfo=Z)),  # 23:59:59 May 31
        "casa-first": ("CASA-BASE", dt.datetime(2026, 5, 31, 23, 0, tzinfo=Z)),  # 00:00 June 1 local
        "casa-last": ("CASA-BASE", dt.datetime(2026, 6, 30, 22, 59, 59, tzinfo=Z)),  # 23:59:59 June 30
        "casa-after": ("CASA-BASE", dt.datetime(2026, 6, 30, 23, 0, tzinfo=Z)),  # 00:00 July 1 local
        "dakar-before": ("DKR-MOB", dt.datetime(2026, 5, 31, 23, 30, tzinfo=Z)),  # May 31 in Dakar
        "dakar-first": ("DKR-MOB", dt.datetime(2026, 6, 1, 0, 0, tzinfo=Z)),
        "dakar-last": ("DKR-MOB", dt.datetime(2026, 6, 30, 23, 30, tzinfo=Z)),  # still June 30 in Dakar
        "dakar-after": ("DKR-MOB", dt.datetime(2026, 7, 1, 0, 0, tzinfo=Z)),
    }

    async def world(w: World) -> dict[uuid.UUID, str]:
        return {(await w.registrant(desk=desk, at=at)).id: name for name, (desk, at) in instants.items()}

    names = await build(world)
    scope = await _scope(sessionmaker, _admin())
    assert [d.zone for d in scope.desks] == [ZoneInfo("Africa/Casablanca"), ZoneInfo("Africa/Dakar")]
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Registrant.id).where(scope.instant_filter(Registrant.desk_id, Registrant.created_at))
        )
        found = sorted(names[r] for r in rows.scalars())
    assert found == ["casa-first", "casa-last", "dakar-first", "dakar-last"]

    open_ended = Scope(start=None, end=None, desks=scope.desks)
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Registrant.id).where(open_ended.instant_filter(Registrant.desk_id, Registrant.created_at))
        )
        assert len(rows.all()) == len(instants)


async def test_a_local_date_is_in_the_period_from_its_first_to_its_last_day(build, sessionmaker) -> None:
    days = {"before": dt.date(2026, 5, 31), "first": dt.date(2026, 6, 1), "last": dt.date(2026, 6, 30)}
    days["after"] = dt.date(2026, 7, 1)

    async def world(w: World) -> dict[uuid.UUID, str]:
        registrant = await w.registrant()
        return {(await w.case(registrant, opened=day)).id: name for name, day in days.items()}

    names = await build(world)
    scope = await _scope(sessionmaker, _admin())
    async with sessionmaker() as session:
        rows = await session.execute(select(Case.id).where(scope.date_filter(Case.desk_id, Case.opened_on)))
        assert sorted(names[r] for r in rows.scalars()) == ["first", "last"]


async def test_a_scope_without_desks_takes_in_nothing(build, sessionmaker) -> None:
    async def world(w: World) -> None:
        registrant = await w.registrant(at=dt.datetime(2026, 6, 10, 10, tzinfo=Z))
        await w.case(registrant, opened=dt.date(2026, 6, 10))

    await build(world)
    nowhere = Scope(start=JUNE[0], end=JUNE[1], desks=())
    async with sessionmaker() as session:
        instant = select(Registrant.id).where(nowhere.instant_filter(Registrant.desk_id, Registrant.created_at))
        day = select(Case.id).where(nowhere.date_filter(Case.desk_id, Case.opened_on))
        assert ((await session.execute(instant)).all(), (await session.execute(day)).all()) == ([], [])


async def test_an_agent_names_their_own_desk_and_not_another(sessionmaker, desk_ids) -> None:
    agent = Actor(
        user_id=uuid.uuid4(), email="a@desk.example", role="agent", desk_ids=frozenset({desk_ids["CASA-BASE"]})
    )
    assert (await _scope(sessionmaker, agent, desk_codes=["CASA-BASE"])).codes == ["CASA-BASE"]
    assert (await _scope(sessionmaker, agent)).codes == ["CASA-BASE"]  # no code: the desks they see
    assert (await _scope(sessionmaker, _admin())).codes == ["CASA-BASE", "DKR-MOB"]
    with pytest.raises(NotFound) as refused:
        await _scope(sessionmaker, agent, desk_codes=["DKR-MOB"])
    assert (refused.value.detail_en, refused.value.detail_fr) == (
        "No such desk: DKR-MOB.",
        "Guichet introuvable : DKR-MOB.",
    )


async def test_a_report_scope_needs_a_period_unless_told_otherwise(sessionmaker) -> None:
    async with sessionmaker() as session:
        with pytest.raises(InvalidPeriod):
            await resolve(session, actor=_admin(), start=None, end=None)
        whole = await resolve(session, actor=_admin(), start=None, end=None, period_required=False)
    assert (whole.start, whole.end) == (None, None)
