"""PATCH bodies (:class:`app.core.partial.PartialUpdate`): a field sent as null is cleared where the
record may lack it and refused (422 ``null_not_allowed``) everywhere else, never ignored with a 200
nor failing with a 500; a JSON object holding one key twice is refused (400), never read as its last
value (:class:`app.core.routing.StrictJSONRoute`)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.appointments.schemas import AppointmentReschedule
from app.cases.catalogue_schemas import PartnerUpdate, ServiceTypeUpdate
from app.cases.schemas import CaseUpdate, ReferralUpdate
from app.core.partial import PartialUpdate
from app.desks.schemas import DeskUpdate
from app.registrants.schemas import RegistrantUpdate
from app.selfservice.schemas import ContactUpdate
from app.users.schemas import UserUpdate

ANY = str(uuid.uuid4())  # the body is refused before the record is looked up
REFUSED = [
    ("/api/v1/registrants/{}", "languages"),  # answered 500 (the response model refused the null)
    ("/api/v1/registrants/{}", "phones"),  # was ignored, the version bumped
    ("/api/v1/registrants/{}", "documents"),
    ("/api/v1/registrants/{}", "given_names"),
    ("/api/v1/registrants/{}", "sex"),
    ("/api/v1/cases/{}", "description"),  # were ignored
    ("/api/v1/cases/{}", "priority"),
    ("/api/v1/cases/{}", "due_date"),
    ("/api/v1/cases/{}/referrals/{}", "outcome"),
    ("/api/v1/cases/{}/referrals/{}", "status"),
    ("/api/v1/partners/{}", "name"),
    ("/api/v1/service-types/{}", "label_fr"),
    ("/api/v1/users/{}", "full_name"),
    ("/api/v1/users/{}", "desk_codes"),
    ("/api/v1/desks/{}", "opening_hours"),
    ("/api/v1/appointments/{}", "agent_id"),
]


@pytest.mark.parametrize(("path", "field"), REFUSED)
async def test_null_for_a_value_the_record_must_keep_is_refused(
    client: httpx.AsyncClient, make_staff: Any, path: str, field: str
) -> None:
    admin = await make_staff("admin", ["CASA-BASE"])
    body: dict[str, Any] = {field: None}
    if path.startswith("/api/v1/appointments"):
        body |= {"starts_at": "2030-03-01T10:00:00Z", "ends_at": "2030-03-01T10:30:00Z"}
    response = await client.patch(path.format(ANY, ANY), json=body, headers={**admin.headers, "If-Match": '"v1"'})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"loc": ["body", field], "type": "null_not_allowed"} in [
        {"loc": e["loc"], "type": e["type"]} for e in response.json()["errors"]
    ]


@pytest.mark.parametrize(
    "model",
    [
        RegistrantUpdate, ContactUpdate, CaseUpdate, ReferralUpdate, PartnerUpdate, ServiceTypeUpdate, UserUpdate,
        DeskUpdate, AppointmentReschedule,
    ],
)  # fmt: skip
def test_every_clearable_field_is_a_field(model: type[PartialUpdate]) -> None:
    assert set(model.model_fields) >= model.CLEARABLE


async def test_null_clears_a_value_the_record_may_lack(client: httpx.AsyncClient, make_staff: Any) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Sarr", "sex": "female", "email": "awa@example.org"}
    created = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    assert created.status_code == 201, created.text
    url = f"/api/v1/registrants/{created.json()['id']}"
    cleared = await client.patch(
        url, json={"email": None, "languages": []}, headers={**agent.headers, "If-Match": created.headers["etag"]}
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["email"], cleared.json()["languages"]) == (None, [])


async def test_a_refused_null_changes_nothing(client: httpx.AsyncClient, make_staff: Any) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": "Awa", "family_name": "Sarr", "sex": "female", "phones": [{"number": "+221771234567"}]}
    created = await client.post("/api/v1/registrants", json=body, headers=agent.headers)
    url = f"/api/v1/registrants/{created.json()['id']}"
    refused = await client.patch(url, json={"phones": None}, headers={**agent.headers, "If-Match": '"v1"'})
    assert refused.status_code == 422
    after = await client.get(url, headers=agent.headers)
    assert after.headers["etag"] == created.headers["etag"]
    assert [p["e164"] for p in after.json()["phones"]] == ["+221771234567"]


@pytest.mark.parametrize(
    "text",
    [
        '{"given_names": "Awa", "family_name": "Sarr", "sex": "female", "given_names": "Coumba"}',
        '{"given_names": "Awa", "family_name": "Sarr", "sex": "female",'
        ' "phones": [{"number": "771234567", "number": "781234567"}]}',
    ],
    ids=["top-level", "nested"],
)
async def test_a_key_sent_twice_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, make_staff: Any, text: str
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    headers = {**agent.headers, "Content-Type": "application/json"}
    response = await client.post("/api/v1/registrants", content=text.encode(), headers=headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"].endswith("/malformed-body")
    assert problem["errors"][0]["type"] == "duplicate_key"
    assert ('"given_names"' if "Coumba" in text else '"number"') in problem["detail"]
    listed = await client.get("/api/v1/registrants", headers=agent.headers)
    assert listed.json()["items"] == []


async def test_a_key_sent_twice_in_a_patch_is_refused(client: httpx.AsyncClient, make_staff: Any) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    text = b'{"notes": "first", "notes": "second"}'
    headers = {**agent.headers, "Content-Type": "application/json", "If-Match": '"v1"'}
    response = await client.patch(f"/api/v1/registrants/{ANY}", content=text, headers=headers)
    assert response.status_code == 400
    assert '"notes"' in response.json()["detail"]
