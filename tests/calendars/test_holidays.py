"""Desk holidays: administrators add, remove and import them; the Sunday rule of Senegalese desks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.calendars import router as calendars_router
from app.calendars.models import DeskHoliday
from app.calendars.rules import observed_day
from app.desks.models import Desk
from tests.appointments.clock_desks import open_all_day
from tests.appointments.conftest import add_registrant, insert_appointment
from tests.appointments.helpers import CASA_TZ, local, utc_z


async def _holidays(sessionmaker) -> list[tuple[str, str, str | None]]:
    async with sessionmaker() as session:
        rows = (await session.execute(select(DeskHoliday).order_by(DeskHoliday.day))).scalars().all()
        return [(h.day.isoformat(), h.name, h.observed_from.isoformat() if h.observed_from else None) for h in rows]


async def _audit_count(sessionmaker, action: str) -> int:
    async with sessionmaker() as session:
        stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return (await session.execute(stmt)).scalar_one()


def _url(desk_id) -> str:
    return f"/api/v1/desks/{desk_id}/holidays"


async def test_admin_adds_a_holiday(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "  Aïd   al-Fitr "}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.json() == {
        "desk_id": str(desk_ids["CASA-BASE"]),
        "day": "2027-03-10",
        "name": "Aïd al-Fitr",
        "observed_from": None,
        "etag": response.headers["etag"],
        "appointments_booked": [],
    }
    assert response.headers["location"] == f"{_url(desk_ids['CASA-BASE'])}/2027-03-10"
    assert await _holidays(sessionmaker) == [("2027-03-10", "Aïd al-Fitr", None)]
    assert await _audit_count(sessionmaker, "desk_holiday.create") == 1


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
async def test_only_admins_add_holidays(client, make_staff, desk_ids, sessionmaker, role: str) -> None:
    staff = await make_staff(role, ["CASA-BASE"])
    response = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd al-Fitr"}, headers=staff.headers
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert await _holidays(sessionmaker) == []
    assert await _audit_count(sessionmaker, "desk_holiday.create") == 0


async def test_agent_cannot_remove_a_holiday(client, make_staff, desk_ids, sessionmaker) -> None:
    admin, agent = await make_staff("admin", []), await make_staff("agent", ["CASA-BASE"])
    await client.post(_url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd"}, headers=admin.headers)
    response = await client.delete(f"{_url(desk_ids['CASA-BASE'])}/2027-03-10", headers=agent.headers)
    assert response.status_code == 403
    assert await _holidays(sessionmaker) == [("2027-03-10", "Aïd", None)]


async def test_agent_reads_the_holidays_of_their_desk_only(client, make_staff, desk_ids) -> None:
    admin, agent = await make_staff("admin", []), await make_staff("agent", ["CASA-BASE"])
    for day in ("2027-03-10", "2026-12-31", "2027-11-18"):
        await client.post(_url(desk_ids["CASA-BASE"]), json={"day": day, "name": "F"}, headers=admin.headers)
    response = await client.get(_url(desk_ids["CASA-BASE"]), params={"year": 2027}, headers=agent.headers)
    assert response.status_code == 200
    assert [h["day"] for h in response.json()["items"]] == ["2027-03-10", "2027-11-18"]
    assert response.json()["year"] == 2027
    other = await client.get(_url(desk_ids["DKR-MOB"]), params={"year": 2027}, headers=agent.headers)
    assert other.status_code == 404


async def test_same_day_twice_is_409(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    await client.post(_url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd"}, headers=admin.headers)
    response = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Autre"}, headers=admin.headers
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/holiday-exists"
    assert response.json()["day"] == "2027-03-10"
    assert await _holidays(sessionmaker) == [("2027-03-10", "Aïd", None)]


async def test_the_same_day_at_two_desks_is_fine(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    for code in ("CASA-BASE", "DKR-MOB"):
        response = await client.post(
            _url(desk_ids[code]), json={"day": "2027-03-10", "name": "Korité"}, headers=admin.headers
        )
        assert response.status_code == 201
    assert len(await _holidays(sessionmaker)) == 2


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"day": "2027-02-30", "name": "X"}, ["body", "day"]),
        ({"day": "2027-03-10", "name": "   "}, ["body", "name"]),
        ({"day": "2027-03-10"}, ["body", "name"]),
        ({"day": "2027-03-10", "name": "X", "sunday_rule": "always"}, ["body", "sunday_rule"]),
        ({"day": "2027-03-10", "name": "X", "country": "SN"}, ["body", "country"]),
        ({"day": "9999-12-31", "name": "X"}, ["body", "day"]),  # no appointment may fall there
        ({"day": "1999-12-31", "name": "X"}, ["body", "day"]),
    ],
)
async def test_bad_holiday_bodies_are_422(client, make_staff, desk_ids, sessionmaker, body, loc) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(_url(desk_ids["CASA-BASE"]), json=body, headers=admin.headers)
    assert response.status_code == 422
    kind = "field-not-applicable" if "country" in body else "validation-failed"  # a field it does not take
    assert response.json()["type"] == f"/problems/{kind}"
    assert response.json()["errors"][0]["loc"] == loc
    assert await _holidays(sessionmaker) == []


async def test_admin_removes_a_holiday(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    await client.post(_url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd"}, headers=admin.headers)
    response = await client.delete(f"{_url(desk_ids['CASA-BASE'])}/2027-03-10", headers=admin.headers)
    assert response.status_code == 204
    assert await _holidays(sessionmaker) == []
    assert await _audit_count(sessionmaker, "desk_holiday.delete") == 1


async def test_removing_a_day_that_is_not_a_holiday_is_404(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    response = await client.delete(f"{_url(desk_ids['CASA-BASE'])}/2027-03-11", headers=admin.headers)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


async def test_unknown_desk_is_404(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        _url("00000000-0000-4000-8000-000000000000"), json={"day": "2027-03-10", "name": "X"}, headers=admin.headers
    )
    assert response.status_code == 404


# --- The Sunday rule ----------------------------------------------------------------------------


async def test_a_sunday_holiday_at_dakar_moves_to_monday(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        _url(desk_ids["DKR-MOB"]), json={"day": "2027-04-04", "name": "Fête de l'Indépendance"}, headers=admin.headers
    )
    assert response.status_code == 201
    assert (response.json()["day"], response.json()["observed_from"]) == ("2027-04-05", "2027-04-04")
    assert await _holidays(sessionmaker) == [("2027-04-05", "Fête de l'Indépendance", "2027-04-04")]


async def test_a_sunday_holiday_at_casablanca_stays_on_sunday(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-10-31", "name": "Fête de l'Unité"}, headers=admin.headers
    )
    assert (response.json()["day"], response.json()["observed_from"]) == ("2027-10-31", None)


async def test_the_sunday_rule_can_be_overridden(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    keep = await client.post(
        _url(desk_ids["DKR-MOB"]),
        json={"day": "2027-08-15", "name": "Assomption", "sunday_rule": "keep"},
        headers=admin.headers,
    )
    move = await client.post(
        _url(desk_ids["CASA-BASE"]),
        json={"day": "2027-10-31", "name": "Fête de l'Unité", "sunday_rule": "move_to_monday"},
        headers=admin.headers,
    )
    assert keep.json()["day"] == "2027-08-15"
    assert (move.json()["day"], move.json()["observed_from"]) == ("2027-11-01", "2027-10-31")


async def test_a_moved_holiday_onto_an_existing_one_is_409(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    await client.post(_url(desk_ids["DKR-MOB"]), json={"day": "2027-04-05", "name": "A"}, headers=admin.headers)
    response = await client.post(
        _url(desk_ids["DKR-MOB"]), json={"day": "2027-04-04", "name": "B"}, headers=admin.headers
    )
    assert response.status_code == 409
    assert response.json()["day"] == "2027-04-05"
    assert await _holidays(sessionmaker) == [("2027-04-05", "A", None)]


def test_observed_day_moves_only_sundays() -> None:
    assert observed_day(dt.date(2027, 4, 4), country="SN") == dt.date(2027, 4, 5)
    assert observed_day(dt.date(2027, 5, 1), country="SN") == dt.date(2027, 5, 1)  # Saturday
    assert observed_day(dt.date(2027, 4, 4), country="MA") == dt.date(2027, 4, 4)


# --- Import from the holidays library -----------------------------------------------------------


async def test_import_senegal_2027(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(f"{_url(desk_ids['DKR-MOB'])}/import", json={"year": 2027}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert [(h["day"], h["observed_from"]) for h in response.json()["added"]] == [
        ("2027-01-01", None),
        ("2027-03-29", None),
        ("2027-04-05", "2027-04-04"),  # Independence Day, Sunday → Monday
        ("2027-05-01", None),
        ("2027-05-06", None),
        ("2027-05-17", None),
        ("2027-08-16", "2027-08-15"),  # Assumption, Sunday → Monday
        ("2027-11-01", None),
        ("2027-12-25", None),
    ]
    assert response.json()["added"][2]["name"] == "Fête de l'Indépendance"
    assert response.json()["skipped"] == []
    assert await _audit_count(sessionmaker, "desk_holiday.import") == 1
    assert await _audit_count(sessionmaker, "desk_holiday.create") == 9


async def test_import_morocco_2027_leaves_out_islamic_holidays(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(f"{_url(desk_ids['CASA-BASE'])}/import", json={"year": 2027}, headers=admin.headers)
    assert [h["day"] for h in response.json()["added"]] == [
        "2027-01-01",
        "2027-01-11",
        "2027-01-14",
        "2027-05-01",
        "2027-07-30",
        "2027-08-14",
        "2027-08-20",
        "2027-08-21",
        "2027-10-31",
        "2027-11-06",
        "2027-11-18",
    ]


async def test_import_twice_skips_what_exists(client, make_staff, desk_ids, sessionmaker) -> None:
    admin = await make_staff("admin", [])
    url = f"{_url(desk_ids['DKR-MOB'])}/import"
    await client.post(url, json={"year": 2027}, headers=admin.headers)
    again = await client.post(url, json={"year": 2027}, headers=admin.headers)
    assert again.json()["added"] == []
    assert len(again.json()["skipped"]) == 9
    assert again.json()["skipped"][0] == {"day": "2027-01-01", "name": "Jour de l'an", "reason": "exists"}
    assert len(await _holidays(sessionmaker)) == 9


async def test_import_for_a_country_without_data_is_422(client, make_staff, sessionmaker) -> None:
    """Every ISO 3166 country the API accepts is known to the library today; a desk row with a code
    it does not know (written directly: the API would refuse "ZZ") must still get a problem."""
    admin = await make_staff("admin", [])
    async with sessionmaker() as session:
        desk = Desk(code="ZZ-TEST", name="Test", country="ZZ", city="X", time_zone="UTC", opening_hours={})
        session.add(desk)
        await session.commit()
    response = await client.post(f"{_url(desk.id)}/import", json={"year": 2027}, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/public-holidays-unavailable"
    assert await _holidays(sessionmaker) == []


async def test_agent_cannot_import(client, make_staff, desk_ids, sessionmaker) -> None:
    agent = await make_staff("agent", ["DKR-MOB"])
    response = await client.post(f"{_url(desk_ids['DKR-MOB'])}/import", json={"year": 2027}, headers=agent.headers)
    assert response.status_code == 403
    assert await _holidays(sessionmaker) == []


@pytest.mark.parametrize("year", [1999, 2101, "x"])
async def test_import_year_out_of_range_is_422(client, make_staff, desk_ids, year) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(f"{_url(desk_ids['DKR-MOB'])}/import", json={"year": year}, headers=admin.headers)
    assert response.status_code == 422


async def _booked(sessionmaker, make_staff, desk_ids, desk: str, day: str, tz, *, status: str = "booked") -> str:
    agent = await make_staff("agent", [desk])
    number = f"{desk[:3]}-2027-{len(status):06d}{day[-2:]}"
    registrant = await add_registrant(sessionmaker, desk_ids[desk], number)
    start = local(dt.date.fromisoformat(day), "10:00", tz)
    appointment = await insert_appointment(
        sessionmaker,
        desk_id=desk_ids[desk],
        agent_id=agent.id,
        registrant_id=registrant,
        starts_at=start,
        status=status,
    )
    return str(appointment)


async def test_a_holiday_on_a_day_with_appointments_booked_lists_them_to_move(
    client, make_staff, desk_ids, sessionmaker
) -> None:
    admin = await make_staff("admin", [])
    booked = await _booked(sessionmaker, make_staff, desk_ids, "CASA-BASE", "2027-03-10", CASA_TZ)
    await _booked(sessionmaker, make_staff, desk_ids, "CASA-BASE", "2027-03-10", CASA_TZ, status="cancelled")
    await _booked(sessionmaker, make_staff, desk_ids, "CASA-BASE", "2027-03-11", CASA_TZ)  # the next day
    response = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd al-Fitr"}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    ten = utc_z(local(dt.date(2027, 3, 10), "10:00", CASA_TZ))  # not the cancelled one, nor the next day's
    assert response.json()["appointments_booked"] == [{"id": booked, "starts_at": ten}]
    other = await client.post(  # another desk is not concerned
        _url(desk_ids["DKR-MOB"]), json={"day": "2027-03-10", "name": "Aïd al-Fitr"}, headers=admin.headers
    )
    assert other.json()["appointments_booked"] == []


async def test_the_holidays_listed_by_default_are_those_of_the_desk_s_current_year(
    client, make_staff, sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 2027-12-31T11:00Z it is already 2028-01-01 01:00 at a desk on UTC+14."""
    desk = await open_all_day(
        client, make_staff, sessionmaker, code="KIR-TEST", country="KI", time_zone="Pacific/Kiritimati"
    )
    admin = await make_staff("admin", [])
    for day in ("2027-12-25", "2028-01-01"):
        added = await client.post(_url(desk.id), json={"day": day, "name": "Fête"}, headers=admin.headers)
        assert added.status_code == 201, added.text
    monkeypatch.setattr(calendars_router, "utcnow", lambda: dt.datetime(2027, 12, 31, 11, tzinfo=dt.UTC))
    response = await client.get(_url(desk.id), headers=desk.agent.headers)
    assert response.status_code == 200, response.text
    assert response.json()["year"] == 2028
    assert [h["day"] for h in response.json()["items"]] == ["2028-01-01"]


async def test_a_holiday_has_an_etag_and_a_delete_with_it_removes_it(
    client, make_staff, desk_ids, sessionmaker
) -> None:
    admin = await make_staff("admin", [])
    added = await client.post(
        _url(desk_ids["CASA-BASE"]), json={"day": "2027-03-10", "name": "Aïd"}, headers=admin.headers
    )
    read = await client.get(f"{_url(desk_ids['CASA-BASE'])}/2027-03-10", headers=admin.headers)
    assert (read.status_code, read.json()["name"]) == (200, "Aïd")
    assert read.headers["etag"] == added.headers["etag"] == read.json()["etag"]
    response = await client.delete(
        f"{_url(desk_ids['CASA-BASE'])}/2027-03-10", headers={**admin.headers, "If-Match": read.headers["etag"]}
    )
    assert response.status_code == 204, response.text
    assert await _holidays(sessionmaker) == []


async def test_a_holiday_delete_with_the_etag_of_a_holiday_replaced_since_is_412(
    client, make_staff, desk_ids, sessionmaker
) -> None:
    admin = await make_staff("admin", [])
    url = _url(desk_ids["CASA-BASE"])
    await client.post(url, json={"day": "2027-03-10", "name": "Aïd"}, headers=admin.headers)
    listed = await client.get(url, params={"year": 2027}, headers=admin.headers)
    seen = listed.json()["items"][0]["etag"]
    # another administrator replaces it meanwhile
    assert (await client.delete(f"{url}/2027-03-10", headers=admin.headers)).status_code == 204
    await client.post(url, json={"day": "2027-03-10", "name": "Aïd al-Fitr"}, headers=admin.headers)
    response = await client.delete(f"{url}/2027-03-10", headers={**admin.headers, "If-Match": seen})
    assert response.status_code == 412, response.text
    assert response.json()["type"] == "/problems/precondition-failed"
    assert await _holidays(sessionmaker) == [("2027-03-10", "Aïd al-Fitr", None)]
    assert await _audit_count(sessionmaker, "desk_holiday.delete") == 1


async def test_a_holiday_unknown_to_a_read_is_404(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    response = await client.get(f"{_url(desk_ids['CASA-BASE'])}/2027-03-11", headers=admin.headers)
    assert (response.status_code, response.json()["type"]) == (404, "/problems/not-found")
