"""Scoping across desks and the restricted residence_status field."""

from __future__ import annotations

from tests.registrants.conftest import URL, person


async def test_agent_of_casa_gets_404_for_dakar_registrant(casa_agent, dakar_agent, create, client) -> None:
    dakar = (await create(dakar_agent, person(given_names="Modou", family_name="Sarr", sex="male"))).json()
    response = await client.get(f"{URL}/{dakar['id']}", headers=casa_agent.headers)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


async def test_agent_of_casa_cannot_patch_dakar_registrant(casa_agent, dakar_agent, create, client) -> None:
    dakar = (await create(dakar_agent, person())).json()
    response = await client.patch(
        f"{URL}/{dakar['id']}", json={"occupation": "x"}, headers={**casa_agent.headers, "If-Match": '"v1"'}
    )
    assert response.status_code == 404
    again = await client.get(f"{URL}/{dakar['id']}", headers=dakar_agent.headers)
    assert again.json()["occupation"] is None


async def test_search_shows_only_own_desk(casa_agent, dakar_agent, create, client) -> None:
    await create(dakar_agent, person(given_names="Awa", family_name="Ndiaye"))
    await create(casa_agent, person(given_names="Fatou", family_name="Ndiaye"))
    casa = (await client.get(URL, params={"q": "ndiaye"}, headers=casa_agent.headers)).json()["items"]
    assert [r["given_names"] for r in casa] == ["Fatou"]
    filtered = (await client.get(URL, params={"desk": "DKR-MOB"}, headers=casa_agent.headers)).json()["items"]
    assert filtered == []


async def test_admin_sees_every_desk(make_staff, casa_agent, dakar_agent, create, client) -> None:
    admin = await make_staff("admin", [])
    await create(dakar_agent, person(given_names="Awa"))
    await create(casa_agent, person(given_names="Fatou"))
    items = (await client.get(URL, params={"q": "ndiaye"}, headers=admin.headers)).json()["items"]
    assert [r["given_names"] for r in items] == ["Fatou", "Awa"]


async def test_agent_cannot_create_at_a_foreign_desk(casa_agent, create, count_rows) -> None:
    response = await create(casa_agent, person(desk_code="DKR-MOB"))
    assert response.status_code == 404
    assert (await count_rows())["registrants"] == 0


async def test_staff_of_two_desks_must_name_one(make_staff, create) -> None:
    both = await make_staff("agent", ["CASA-BASE", "DKR-MOB"])
    response = await create(both, person())
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/desk-required"
    dakar = await create(both, person(desk_code="DKR-MOB", phones=[{"number": "77 123 45 67"}]))
    assert dakar.status_code == 201
    assert dakar.json()["registration_number"].startswith("DKR-")
    assert dakar.json()["phones"][0] == {
        "e164": "+221771234567",
        "verified": True,
        "raw": "77 123 45 67",
        "whatsapp": False,
        "label": None,
        "flag": None,
    }


async def test_agent_sending_residence_status_gets_403_and_nothing_written(casa_agent, create, count_rows) -> None:
    response = await create(casa_agent, person(residence_status="titre de séjour expiré"))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/restricted-field"
    assert (await count_rows())["registrants"] == 0


async def test_agent_cannot_patch_residence_status(casa_agent, create, client) -> None:
    created = (await create(casa_agent, person())).json()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"residence_status": "x"},
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/restricted-field"


async def test_residence_status_visible_to_supervisor_only(casa_agent, casa_supervisor, create, client) -> None:
    created = (await create(casa_supervisor, person(residence_status="carte de résidence 10 ans"))).json()
    assert created["residence_status"] == "carte de résidence 10 ans"
    by_agent = (await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)).json()
    assert by_agent["residence_status"] is None
    by_supervisor = (await client.get(f"{URL}/{created['id']}", headers=casa_supervisor.headers)).json()
    assert by_supervisor["residence_status"] == "carte de résidence 10 ans"


async def test_residence_status_masked_in_audit(casa_supervisor, create, client, audit_events, personal_values) -> None:
    created = (await create(casa_supervisor, person(residence_status="en détention"))).json()
    await client.patch(
        f"{URL}/{created['id']}",
        json={"residence_status": "libéré"},
        headers={**casa_supervisor.headers, "If-Match": '"v1"'},
    )
    (create_event,) = await audit_events(created["id"], "registrant.create")
    (update_event,) = await audit_events(created["id"], "registrant.update")
    assert create_event.details["changes"]["residence_status"] == {"before": None, "after": "***"}
    assert update_event.details["changes"] == {"residence_status": {"before": "***", "after": "***"}}
    # Masked in the erasable payload too: auditors read it, and may not read the field.
    assert (await personal_values(create_event))["changes"]["residence_status"] == {"before": None, "after": "***"}
    assert (await personal_values(update_event))["changes"] == {"residence_status": {"before": "***", "after": "***"}}


async def test_auditor_cannot_create(make_staff, create) -> None:
    auditor = await make_staff("auditor", [])
    response = await create(auditor, person(desk_code="CASA-BASE"))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


async def test_staff_of_no_desk_are_told_so_and_an_administrator_to_name_one(make_staff, create, count_rows) -> None:
    nowhere = await make_staff("agent", [])
    refused = await create(nowhere, person())
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"
    assert refused.json()["detail"].startswith("Vous n'êtes membre d'aucun guichet")
    admin = await make_staff("admin", [])
    unnamed = await create(admin, person())
    assert unnamed.status_code == 422
    assert unnamed.json()["type"] == "/problems/desk-required"
    assert unnamed.json()["detail"].startswith("Vous pouvez inscrire à n'importe quel guichet")
    assert (await count_rows())["registrants"] == 0
