"""Desks: scoped reads, administrator edits, validation."""


async def test_agent_lists_only_their_desks(client, make_staff) -> None:
    agent = await make_staff("agent", ["DKR-MOB"])
    response = await client.get("/api/v1/desks", headers=agent.headers)
    assert [d["code"] for d in response.json()] == ["DKR-MOB"]


async def test_admin_lists_every_desk(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.get("/api/v1/desks", headers=admin.headers)
    assert [d["code"] for d in response.json()] == ["CASA-BASE", "DKR-MOB"]


async def test_other_desk_is_404_for_an_agent(client, make_staff, desk_ids) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.get(f"/api/v1/desks/{desk_ids['DKR-MOB']}", headers=agent.headers)
    assert response.status_code == 404
    own = await client.get(f"/api/v1/desks/{desk_ids['CASA-BASE']}", headers=agent.headers)
    assert own.json()["time_zone"] == "Africa/Casablanca"


async def test_desk_validation_rejects_bad_country_zone_and_hours(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/desks",
        json={
            "code": "ABJ-1",
            "name": "Abidjan",
            "country": "XX",
            "city": "Abidjan",
            "time_zone": "GMT+1",
            "opening_hours": {"8": [["09:00", "08:00"]]},
        },
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert sorted(e["loc"][-1] for e in response.json()["errors"]) == ["country", "opening_hours", "time_zone"]


async def test_create_desk_is_idempotent_with_a_key(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "ABJ-1", "name": "Abidjan", "country": "ci", "city": "Abidjan", "time_zone": "Africa/Abidjan"}
    headers = {**admin.headers, "Idempotency-Key": "desk-abj-1"}
    first = await client.post("/api/v1/desks", json=body, headers=headers)
    again = await client.post("/api/v1/desks", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["country"] == "CI"
    other = await client.post("/api/v1/desks", json={**body, "city": "Yamoussoukro"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    listing = await client.get("/api/v1/desks", headers=admin.headers)
    assert [d["code"] for d in listing.json()].count("ABJ-1") == 1


async def test_duplicate_desk_code_is_409(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"code": "CASA-BASE", "name": "x", "country": "MA", "city": "x", "time_zone": "Africa/Casablanca"}
    response = await client.post("/api/v1/desks", json=body, headers=admin.headers)
    assert response.status_code == 409


async def test_malformed_json_is_a_400_problem(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/desks", content=b'{"code": "X",', headers={**admin.headers, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-body"


async def test_an_agent_lists_the_other_active_desks_by_code_for_a_transfer(client, make_staff) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.get("/api/v1/desks/directory", headers=agent.headers)
    assert response.status_code == 200, response.text
    assert [d["code"] for d in response.json()] == ["CASA-BASE", "DKR-MOB"]
    assert set(response.json()[1]) == {"code", "name", "country", "city"}


async def test_the_desk_directory_leaves_out_inactive_desks_and_auditors(client, make_staff, desk_ids) -> None:
    admin = await make_staff("admin", [])
    current = await client.get(f"/api/v1/desks/{desk_ids['DKR-MOB']}", headers=admin.headers)
    closed = await client.patch(
        f"/api/v1/desks/{desk_ids['DKR-MOB']}",
        json={"is_active": False},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert closed.status_code == 200, closed.text
    agent = await make_staff("agent", ["CASA-BASE"])
    response = await client.get("/api/v1/desks/directory", headers=agent.headers)
    assert [d["code"] for d in response.json()] == ["CASA-BASE"]
    auditor = await make_staff("auditor", [])
    assert (await client.get("/api/v1/desks/directory", headers=auditor.headers)).status_code == 403
