"""Search filters by city of residence and age, and the readable history of a person's file."""

from __future__ import annotations

import datetime as dt

from tests.registrants.conftest import URL, person


def _years_ago(years: int, days: int = 0) -> str:
    today = dt.date.today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:
        born = today.replace(year=today.year - years, day=28)
    return (born + dt.timedelta(days=days)).isoformat()


async def test_city_and_age_narrow_the_search(casa_agent, create, client) -> None:
    people = {
        "thirty_today": person(given_names="Awa", host_city="Casablanca", date_of_birth=_years_ago(30)),
        "thirty_tomorrow": person(given_names="Binta", host_city="casablanca ", date_of_birth=_years_ago(30, days=1)),
        "year_only": person(given_names="Coumba", host_city="Rabat", date_of_birth="1950"),
        "no_birth": person(given_names="Dieynaba", host_city="Casablanca", date_of_birth=None),
    }
    for body in people.values():
        body["family_name"] = "Sarr"
    ids = {}
    for key, body in people.items():
        response = await create(casa_agent, body, confirm=True)
        assert response.status_code == 201, response.text
        ids[response.json()["id"]] = key

    async def found(**params: object) -> set[str]:
        response = await client.get(URL, params={"q": "Sarr", **params}, headers=casa_agent.headers)
        assert response.status_code == 200, response.text
        return {ids[item["id"]] for item in response.json()["items"]}

    assert await found() == set(people)
    assert await found(city="CASABLANCA") == {"thirty_today", "thirty_tomorrow", "no_birth"}
    assert await found(age_min=30) == {"thirty_today", "year_only"}  # 29 until tomorrow
    assert await found(age_max=29) == {"thirty_tomorrow"}
    assert await found(age_min=30, age_max=30) == {"thirty_today"}
    assert await found(age_min=70) == {"year_only"}  # 1950 counts from 1 January 1950
    assert await found(city="Casablanca", age_max=30) == {"thirty_today", "thirty_tomorrow"}
    assert await found(city="Dakar") == set()


async def test_the_city_filter_reads_a_city_as_search_reads_a_name(casa_agent, create, client) -> None:
    """A city stored in capitals with an accent (as registers write it) is found however it is
    typed, the same on both databases (SQLite's lower() folds ASCII letters only): case, accents,
    marks pasted from a messaging app and fullwidth letters do not matter."""
    created = await create(casa_agent, person(family_name="Mbow", host_city="KÉNITRA"), confirm=True)
    assert created.status_code == 201, created.text
    for city in ("KÉNITRA", "Kénitra", "kenitra", "\u200fKénitra\u200e", "Ｋｅｎｉｔｒａ"):
        response = await client.get(URL, params={"city": city}, headers=casa_agent.headers)
        assert [r["id"] for r in response.json()["items"]] == [created.json()["id"]], city
    response = await client.get(URL, params={"city": "Kenitra Nord"}, headers=casa_agent.headers)
    assert response.json()["items"] == []


async def test_bad_filters_are_problems_naming_the_parameter(casa_agent, client) -> None:
    for params in ({"age_min": -1}, {"age_max": 131}, {"age_min": "trente"}, {"city": ""}, {"city": "x" * 121}):
        response = await client.get(URL, params=params, headers=casa_agent.headers)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["errors"][0]["loc"][-1] == next(iter(params)), response.text
    response = await client.get(URL, params={"age_min": 40, "age_max": 30}, headers=casa_agent.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["query", "age_min"], "type": "age_range", "msg": "age_min is above age_max"}
    ]


async def test_history_lists_writes_field_by_field_newest_first_and_is_audited(
    casa_agent, dakar_agent, create, client, audit_events
) -> None:
    created = await create(casa_agent, person(host_city="Casablanca", name_arabic="فاطو انجاي"))
    assert created.status_code == 201, created.text
    record = created.json()
    await client.get(f"{URL}/{record['id']}", headers=casa_agent.headers)  # reads are not changes
    await client.get(f"/api/v1/registrants/{record['id']}/cases", headers=casa_agent.headers)
    # the lists and searches opening the file are reads too (document.list, registrant.search)
    await client.get(f"/api/v1/registrants/{record['id']}/documents", headers=casa_agent.headers)
    await client.get(f"{URL}?q=Fatou", headers=casa_agent.headers)
    changed = await client.patch(
        f"{URL}/{record['id']}",
        json={"host_city": "Rabat"},
        headers={**casa_agent.headers, "If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    consent = await client.post(
        f"{URL}/{record['id']}/consents",
        json={"purpose": "statistics", "granted": False, "channel": "in_person", "notice_version": "2026-01",
              "language": "wo"},
        headers=casa_agent.headers,
    )  # fmt: skip
    assert consent.status_code == 201, consent.text

    response = await client.get(f"{URL}/{record['id']}/history", headers=casa_agent.headers)
    assert response.status_code == 200, response.text
    history = response.json()
    assert [h["action"] for h in history] == ["registrant.consent_add", "registrant.update", "registrant.create"]
    consent_entry, update, creation = history
    assert (consent_entry["purpose"], consent_entry["granted"]) == ("statistics", False)
    assert update["changes"] == [{"field": "host_city", "before": "Casablanca", "after": "Rabat"}]
    assert update["actor_label"] == casa_agent.email
    assert update["actor_role"] == "agent"
    assert {"field": "name_arabic", "before": None, "after": "فاطو انجاي"} in creation["changes"]
    assert len(await audit_events(record["id"], "registrant.history_read")) == 1

    hidden = await client.get(f"{URL}/{record['id']}/history", headers=dakar_agent.headers)
    assert hidden.status_code == 404
    assert (await client.get(f"{URL}/not-an-id/history", headers=casa_agent.headers)).status_code == 422
    assert len(await audit_events(record["id"], "registrant.history_read")) == 1


async def test_the_history_lists_no_read_of_the_file(casa_agent, create, client) -> None:
    """Reading the person's messages (``notification.list``, ``notification.preference_read``) and
    comparing the file with another before a merge (``registrant.merge_preview``) are reads: the
    history of writes lists none of them (the web client reads the messages with every opening of
    the file). Before: the first and the last were listed, "acted on the file"."""
    record = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"), confirm=True)).json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sar"), confirm=True)).json()
    for path in (f"{URL}/{record['id']}/notifications", f"{URL}/{record['id']}/notification-preferences"):
        assert (await client.get(path, headers=casa_agent.headers)).status_code == 200
    preview = await client.get(
        "/api/v1/registrant-merges/preview",
        params={"survivor_id": record["id"], "merged_id": other["id"]},
        headers=casa_agent.headers,
    )
    assert preview.status_code == 200, preview.text
    response = await client.get(f"{URL}/{record['id']}/history", headers=casa_agent.headers)
    assert [h["action"] for h in response.json()] == ["registrant.create"]


async def test_history_shows_the_reason_given_for_a_correction(casa_agent, create, client) -> None:
    created = await create(casa_agent, person(host_city="Casablanca"))
    assert created.status_code == 201, created.text
    record = created.json()
    corrected = await client.patch(
        f"{URL}/{record['id']}",
        json={"host_city": "Rabat", "reason": "La personne a présenté son bail"},
        headers={**casa_agent.headers, "If-Match": created.headers["etag"]},
    )
    assert corrected.status_code == 200, corrected.text
    plain = await client.patch(
        f"{URL}/{record['id']}",
        json={"host_city": "Fès"},
        headers={**casa_agent.headers, "If-Match": corrected.headers["etag"]},
    )
    assert plain.status_code == 200, plain.text
    history = (await client.get(f"{URL}/{record['id']}/history", headers=casa_agent.headers)).json()
    assert [(h["action"], h["reason"]) for h in history] == [
        ("registrant.update", None),
        ("registrant.update", "La personne a présenté son bail"),
        ("registrant.create", None),
    ]
