"""What a person sends is stored or refused, never silently dropped: a field a move (or an
update) does not take answers 422 ``field-not-applicable`` naming it, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import Db, etag, move, open_case
from tests.conftest import Staff

NOT_APPLICABLE = "/problems/field-not-applicable"
JUSTIFICATION = "Hospitalisé sans pouvoir consentir, rapatriement urgent."


async def _timeline_kinds(client: httpx.AsyncClient, staff: Staff, case_id: str) -> list[str]:
    response = await client.get(f"/api/v1/cases/{case_id}/timeline", headers=staff.headers)
    return [e["kind"] for e in response.json()["items"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outcome_category", "social"),
        ("outcome_note", "note typed"),
        ("reason", "because"),
        ("to_desk", "DKR-MOB"),
        ("requested_status", "resolved"),
        ("consent_id", 1),
        ("legal_basis", "vital_interest"),
        ("legal_basis_note", "Hospitalisé, ne peut pas consentir."),
    ],
)
async def test_a_field_a_move_does_not_take_is_refused_naming_it(
    field: str, value: Any, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = await etag(client, agent, case["id"])
    response = await move(client, agent, case["id"], "qualified", **{field: value})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["type"], body["field"]) == (NOT_APPLICABLE, field)
    assert body["errors"] == [
        {
            "loc": ["body", field],
            "msg": "does not apply: a move from 'received' to 'qualified' takes only the new status.",
            "type": "not_applicable",
            # French by default: what the screen shows beside the field it names
            "reason": "sans objet : un passage de « reçu » à « qualifié » prend seulement le nouveau statut.",
        }
    ]
    assert await etag(client, agent, case["id"]) == before
    assert await _timeline_kinds(client, agent, case["id"]) == ["case_opened"]


async def test_every_field_not_taken_is_named(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(
        client, agent, case["id"], "resolved", outcome_category="social", reason="because", to_desk="DKR-MOB"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "reason"
    assert [e["loc"] for e in body["errors"]] == [["body", "reason"], ["body", "to_desk"]]
    assert body["detail"] == (  # French by default, in words: no field names, no status codes
        "Ces champs sont sans objet : un passage de « reçu » à « résolu » prend le résultat, la note de clôture."
    )


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("resolved", {"outcome_category": "social", "requested_status": "closed_withdrawn"}, "requested_status"),
        ("pending_closure", {"outcome_category": "social", "reason": "because"}, "reason"),
        ("transferred", {"to_desk": "DKR-MOB", "outcome_category": "social"}, "outcome_category"),
    ],
)
async def test_a_move_taking_fields_refuses_the_others(
    target: str, body: dict[str, Any], field: str, client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("desk_transfer",)))
    response = await move(client, agent, case["id"], target, **body)
    assert (response.status_code, response.json()["type"], response.json()["field"]) == (422, NOT_APPLICABLE, field)
    current = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert current.json()["status"] == "received"


async def test_a_reopen_refuses_an_outcome(client: httpx.AsyncClient, agent: Staff, make_registrant, db: Db) -> None:
    case = await open_case(client, agent, await make_registrant())
    await db.set_case(case["id"], status="resolved", outcome_category="social")
    response = await move(client, agent, case["id"], "in_follow_up", reason="new facts", outcome_category="legal")
    assert (response.status_code, response.json()["field"]) == (422, "outcome_category")


async def test_the_optional_fields_of_a_move_are_stored(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(
        client,
        agent,
        case["id"],
        "pending_closure",
        outcome_category="social",
        outcome_note="Logement trouvé",
        requested_status="closed_withdrawn",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["outcome_note"], body["closure_requested_status"]) == ("Logement trouvé", "closed_withdrawn")


async def test_null_is_no_value_and_is_not_refused(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "qualified", reason=None, to_desk=None, legal_basis=None)
    assert (response.status_code, response.json()["status"]) == (200, "qualified")


async def test_a_transfer_on_another_basis_refuses_a_consent_id(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, supervisor, await make_registrant(consents=("desk_transfer",)))
    response = await move(
        client,
        supervisor,
        case["id"],
        "transferred",
        to_desk="DKR-MOB",
        consent_id=1,
        legal_basis="vital_interest",
        legal_basis_note=JUSTIFICATION,
    )
    assert response.status_code == 422, response.text
    assert (response.json()["type"], response.json()["field"]) == (NOT_APPLICABLE, "consent_id")
    current = await client.get(f"/api/v1/cases/{case['id']}", headers=supervisor.headers)
    assert current.json()["status"] == "received"


async def test_a_short_transfer_note_names_the_transition_field(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, supervisor, await make_registrant(consents=()))
    response = await move(
        client,
        supervisor,
        case["id"],
        "transferred",
        to_desk="DKR-MOB",
        legal_basis="legal_obligation",
        legal_basis_note="short",
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["type"], body["field"]) == ("/problems/legal-basis-justification-required", "legal_basis_note")
    assert "legal_basis_note" in body["detail"]


async def test_a_short_referral_justification_names_the_referral_field(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant, partner: dict[str, Any]
) -> None:
    case = await open_case(client, supervisor, await make_registrant(consents=()))
    response = await client.post(
        f"/api/v1/cases/{case['id']}/referrals",
        headers=supervisor.headers,
        json={"partner_id": partner["id"], "legal_basis": "vital_interest", "legal_basis_justification": "short"},
    )
    assert (response.status_code, response.json()["field"]) == (422, "legal_basis_justification")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"legal_basis_justification": JUSTIFICATION}, "legal_basis_justification"),
        ({"consent_id": 1, "legal_basis": "vital_interest", "legal_basis_justification": JUSTIFICATION}, "consent_id"),
    ],
)
async def test_a_referral_refuses_what_its_legal_basis_does_not_keep(
    body: dict[str, Any],
    field: str,
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_registrant,
    partner: dict[str, Any],
) -> None:
    case = await open_case(client, supervisor, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/referrals"
    response = await client.post(url, headers=supervisor.headers, json={"partner_id": partner["id"], **body})
    assert response.status_code == 422, response.text
    assert (response.json()["type"], response.json()["field"]) == (NOT_APPLICABLE, field)
    assert (await client.get(url, headers=supervisor.headers)).json() == []


async def test_a_due_date_reason_without_a_due_date_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    before = await etag(client, agent, case["id"])
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**agent.headers, "If-Match": before},
        json={"due_date_reason": "only reason"},
    )
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [
        (["body", "due_date_reason"], "not_applicable")
    ]
    assert await etag(client, agent, case["id"]) == before
