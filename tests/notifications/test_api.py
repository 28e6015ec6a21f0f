"""The staff API around notifications: the person's chosen channel (If-Match, bad values), the
documents-missing request (bad inputs, closed cases), desk scoping."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.notifications.models import Notification


async def test_the_chosen_channel_is_recorded_with_if_match_and_used(client, make_staff, make_person, sessionmaker):
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await make_person()
    url = f"/api/v1/registrants/{person}/notification-preferences"
    first = await client.get(url, headers=agent.headers)
    assert (first.status_code, first.headers["ETag"], first.json()) == (
        200,
        '"v0"',
        {"registrant_id": str(person), "channel": None, "language": None, "version": 0},
    )
    missing = await client.put(url, json={"channel": "email"}, headers=agent.headers)
    stale = await client.put(url, json={"channel": "email"}, headers={**agent.headers, "If-Match": '"v3"'})
    chosen = await client.put(
        url, json={"channel": "email", "language": "en"}, headers={**agent.headers, "If-Match": '"v0"'}
    )
    assert [r.status_code for r in (missing, stale, chosen)] == [428, 412, 200]
    assert (chosen.headers["ETag"], chosen.json()["channel"], chosen.json()["language"]) == ('"v1"', "email", "en")

    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(person), "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    assert case.status_code == 201
    async with sessionmaker() as session:
        row = (await session.execute(select(Notification).where(Notification.event == "case_received"))).scalar_one()
        update = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "notification.preference_update"))
        ).scalar_one()
    assert (row.channel, row.language, row.recipient) == ("email", "en", "awa.ndiaye@example.org")
    assert update.details["changes"]["channel"] == {"before": None, "after": "email"}

    opted_out = await client.put(url, json={"channel": "none"}, headers={**agent.headers, "If-Match": '"v1"'})
    assert opted_out.status_code == 200
    await client.post(
        f"/api/v1/cases/{case.json()['id']}/transitions",
        json={"to": "qualified"},
        headers={**agent.headers, "If-Match": case.headers["ETag"]},
    )
    async with sessionmaker() as session:
        status_change = (
            await session.execute(select(Notification).where(Notification.event == "case_status_changed"))
        ).scalar_one()
    assert (status_change.status, status_change.reason) == ("skipped", "opted_out")


async def test_bad_preferences_are_refused_and_other_desks_get_404(client, make_staff, make_person) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    dakar = await make_staff("agent", ["DKR-MOB"])
    auditor = await make_staff("auditor", [])
    person = await make_person()
    url = f"/api/v1/registrants/{person}/notification-preferences"
    headers = {**agent.headers, "If-Match": '"v0"'}
    bodies = (
        {"channel": "pigeon"},
        {"language": "Français"},
        {"language": "zz"},  # no such language (ISO 639): was stored
        {"language": "qaa"},  # reserved for local use, no language
        {"channel": "sms", "extra": 1},
        {"channel": 3},
    )
    for body in bodies:
        response = await client.put(url, json=body, headers=headers)
        kind = "field-not-applicable" if "extra" in body else "validation-failed"  # README: API conventions
        assert (response.status_code, response.json()["type"]) == (422, f"/problems/{kind}"), body
    assert (await client.get(url, headers=dakar.headers)).status_code == 404
    assert (await client.put(url, json={}, headers={**dakar.headers, "If-Match": '"v0"'})).status_code == 404
    assert (await client.put(url, json={}, headers={**auditor.headers, "If-Match": '"v0"'})).status_code == 403
    listed = await client.get(f"/api/v1/registrants/{person}/notifications?limit=0", headers=agent.headers)
    assert listed.status_code == 422
    bad_cursor = await client.get(f"/api/v1/registrants/{person}/notifications?cursor=zzz", headers=agent.headers)
    assert bad_cursor.status_code == 400


async def test_documents_missing_refuses_bad_input_and_closed_cases(client, make_staff, make_person) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    person = await make_person()
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(person), "service_type": "INFO_ONLY", "channel": "walk_in"},
        headers=agent.headers,
    )
    url = f"/api/v1/cases/{case.json()['id']}/documents-missing"
    for body in ({"documents": []}, {"documents": [""]}, {"documents": ["x" * 201]}, {"documents": "passport"}):
        response = await client.post(url, json=body, headers=agent.headers)
        kind = "field-not-applicable" if "extra" in body else "validation-failed"  # README: API conventions
        assert (response.status_code, response.json()["type"]) == (422, f"/problems/{kind}"), body
    too_long = await client.post(
        url, json={"documents": ["x" * 201]}, headers={**agent.headers, "Accept-Language": "fr"}
    )
    [error] = too_long.json()["errors"]  # a label's length, not a count of items
    assert (error["loc"], error["type"], error["reason"]) == (
        ["body", "documents", "0"],
        "string_too_long",
        "trop long (200\u00a0caractères au plus)",
    )
    none_listed = await client.post(url, json={}, headers=agent.headers)
    assert none_listed.status_code == 422 and none_listed.json()["field"] == "documents"
    named = await client.post(url, json={"documents": [" passport ", "acte de\tnaissance\r\n"]}, headers=agent.headers)
    assert (named.status_code, named.json()["documents"], named.json()["notification_status"]) == (
        201,
        ["passport", "acte de naissance"],  # pasted white space is one space (the one-line rule)
        "queued",
    )
    closed = await client.post(
        f"/api/v1/cases/{case.json()['id']}/transitions",
        json={"to": "resolved", "outcome_category": "information"},
        headers={**supervisor.headers, "If-Match": case.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    after_close = await client.post(url, json={"documents": ["passport"]}, headers=agent.headers)
    assert (after_close.status_code, after_close.json()["type"]) == (409, "/problems/case-not-open")
    timeline = await client.get(f"/api/v1/cases/{case.json()['id']}/timeline", headers=agent.headers)
    kinds = [e["kind"] for e in timeline.json()["items"]]
    assert kinds.count("documents_requested") == 1


async def test_the_subject_access_archive_lists_the_messages_without_their_text(
    client, make_staff, make_person, sessionmaker
) -> None:
    from app.privacy.access import collect
    from app.registrants.models import Registrant

    agent = await make_staff("agent", ["CASA-BASE"])
    person = await make_person()
    await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(person), "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    async with sessionmaker() as session:
        data = await collect(session, registrant=await session.get(Registrant, person))
    [message] = data["notifications"]
    assert (message["event"], message["channel"], message["recipient"], message["status"]) == (
        "case_received",
        "whatsapp",
        "+212612345678",
        "queued",
    )
    assert not {"context", "dedupe_key", "message_id"} & set(message)
