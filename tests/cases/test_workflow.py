"""The workflow: every (from, to) pair of statuses against the workflow as specified (written out
here, not read from the code's table), and the rules each transition carries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cases.conftest import Db, etag, move, open_case, refer
from tests.conftest import Staff

# The workflow as specified (BRIEF "Case"; the cases specification, item 4): the chain
# received → qualified → oriented → referred → in_follow_up → resolved | closed_no_response |
# closed_withdrawn | transferred, with reopen. Decisions written down with it: `oriented` may go
# straight to `in_follow_up` (oriented, nothing to refer) and `in_follow_up` back to `referred`
# (a second partner); a case may be closed, transferred or put to supervisor approval
# (`pending_closure`) from any open status; a supervisor closes a pending closure with any closing
# status or sends it back to `in_follow_up`; a closed case reopens to `in_follow_up`; `transferred`
# is final (the sender's read-only trace). Order matters: it is the order the API lists them in.
LEAVE = ["resolved", "closed_no_response", "closed_withdrawn", "transferred", "pending_closure"]
SPEC: dict[str, list[str]] = {
    "received": ["qualified", *LEAVE],
    "qualified": ["oriented", "referred", *LEAVE],
    "oriented": ["referred", "in_follow_up", *LEAVE],
    "referred": ["in_follow_up", *LEAVE],
    "in_follow_up": ["referred", *LEAVE],
    "pending_closure": ["resolved", "closed_no_response", "closed_withdrawn", "in_follow_up"],
    "resolved": ["in_follow_up"],
    "closed_no_response": ["in_follow_up"],
    "closed_withdrawn": ["in_follow_up"],
    "transferred": [],
}
STATUSES = list(SPEC)
ALLOWED = [(s, t) for s in STATUSES for t in SPEC[s]]
FORBIDDEN = [(s, t) for s in STATUSES for t in STATUSES if t not in SPEC[s]]

# Everything any transition may need: an outcome, a reason, a receiving desk (the registrant
# consented to transfers); a pending referral is created before the case is put in ``source``.
FULL_BODY: dict[str, Any] = {"outcome_category": "social", "reason": "new facts", "to_desk": "DKR-MOB"}
CLOSING = ("resolved", "closed_no_response", "closed_withdrawn")


def needed_body(source: str, target: str) -> dict[str, Any]:
    """What the move asks for, as specified (a field a move does not take is refused): an outcome
    to close or ask for closure, a reason to reopen or send a closure request back, the receiving
    desk to transfer."""
    if target in (*CLOSING, "pending_closure"):
        return {"outcome_category": FULL_BODY["outcome_category"]}
    if target == "in_follow_up" and source in (*CLOSING, "pending_closure"):
        return {"reason": FULL_BODY["reason"]}
    if target == "transferred":
        return {"to_desk": FULL_BODY["to_desk"]}
    return {}


def test_the_code_knows_exactly_the_specified_statuses() -> None:
    from app.cases.workflow import STATUSES as CODE_STATUSES

    assert sorted(CODE_STATUSES) == sorted(STATUSES)
    assert (len(ALLOWED), len(FORBIDDEN)) == (39, 61)


async def _case_in(
    status: str, client: httpx.AsyncClient, staff: Staff, make_registrant, partner: dict[str, Any], db: Db
) -> dict[str, Any]:
    registrant = await make_registrant(consents=("desk_transfer", "partner_referral"))
    case = await open_case(client, staff, registrant, service_type="SOCIAL")
    await refer(client, staff, case["id"], partner["id"])
    extra: dict[str, Any] = {}
    if status == "pending_closure":
        extra = {"outcome_category": "social", "closure_requested_status": "resolved"}
    elif status in ("resolved", "closed_no_response", "closed_withdrawn"):
        extra = {"outcome_category": "social"}
    await db.set_case(case["id"], status=status, **extra)
    return case


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{s}->{t}" for s, t in ALLOWED])
async def test_allowed_transition(
    source: str, target: str, client: httpx.AsyncClient, supervisor: Staff, make_registrant, partner, db: Db
) -> None:
    case = await _case_in(source, client, supervisor, make_registrant, partner, db)
    response = await move(client, supervisor, case["id"], target, **needed_body(source, target))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target
    assert response.json()["allowed_transitions"] == SPEC[target]


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=[f"{s}->{t}" for s, t in FORBIDDEN])
async def test_forbidden_transition_is_409_naming_the_allowed_ones(
    source: str, target: str, client: httpx.AsyncClient, supervisor: Staff, make_registrant, partner, db: Db
) -> None:
    case = await _case_in(source, client, supervisor, make_registrant, partner, db)
    before = await etag(client, supervisor, case["id"])
    response = await move(client, supervisor, case["id"], target, **FULL_BODY)
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "/problems/transition-not-allowed"
    assert body["current_status"] == source
    assert body["allowed"] == SPEC[source]
    assert await etag(client, supervisor, case["id"]) == before


async def test_a_new_case_is_received_with_its_allowed_transitions(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    assert case["status"] == "received"
    assert case["allowed_transitions"] == [
        "qualified",
        "resolved",
        "closed_no_response",
        "closed_withdrawn",
        "transferred",
        "pending_closure",
    ]


async def test_closing_without_an_outcome_category_is_refused(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "closed_withdrawn")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/transition-requirement-missing"
    assert response.json()["field"] == "outcome_category"


async def test_resolving_with_no_outcome_is_refused(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "resolved", outcome_category="no_outcome")
    assert response.status_code == 422


async def test_closing_records_the_outcome_and_the_time(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "resolved", outcome_category="economic", outcome_note="job found")
    body = response.json()
    assert (body["status"], body["outcome_category"], body["outcome_note"]) == ("resolved", "economic", "job found")
    assert body["closed_at"] is not None


async def test_an_unknown_outcome_category_is_422(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "resolved", outcome_category="happiness")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"


async def test_referred_needs_a_pending_referral(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    await move(client, agent, case["id"], "qualified")
    response = await move(client, agent, case["id"], "referred")
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/referral-required"
    # A sentence for a person, not a developer's route.
    assert response.json()["detail"] == "Enregistrez d'abord l'orientation vers un partenaire, puis changez le statut."


async def test_a_declined_referral_does_not_count_for_referred(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner, db: Db
) -> None:
    case = await open_case(client, agent, await make_registrant())
    referral = await refer(client, agent, case["id"], partner["id"])
    await db.set_referral(referral["id"], status="declined")
    await move(client, agent, case["id"], "qualified")
    response = await move(client, agent, case["id"], "referred")
    assert response.status_code == 409


async def test_reopening_needs_a_reason_and_clears_the_outcome(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await move(client, agent, case["id"], "resolved", outcome_category="social")
    without = await move(client, agent, case["id"], "in_follow_up")
    assert without.status_code == 422
    assert without.json()["field"] == "reason"
    reopened = await move(client, agent, case["id"], "in_follow_up", reason="the person came back")
    body = reopened.json()
    assert (body["status"], body["outcome_category"], body["closed_at"]) == ("in_follow_up", None, None)


async def test_a_transition_without_if_match_is_428(client: httpx.AsyncClient, agent: Staff, make_registrant) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.post(
        f"/api/v1/cases/{case['id']}/transitions", headers=agent.headers, json={"to": "qualified"}
    )
    assert response.status_code == 428


async def test_a_transition_with_a_stale_etag_is_412_and_changes_nothing(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    stale = await etag(client, agent, case["id"])
    await move(client, agent, case["id"], "qualified")
    response = await client.post(
        f"/api/v1/cases/{case['id']}/transitions",
        headers={**agent.headers, "If-Match": stale},
        json={"to": "resolved", "outcome_category": "social"},
    )
    assert response.status_code == 412
    current = await client.get(f"/api/v1/cases/{case['id']}", headers=agent.headers)
    assert current.json()["status"] == "qualified"


async def test_an_unknown_field_in_a_transition_is_422(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await move(client, agent, case["id"], "qualified", note="x")
    assert response.status_code == 422


# --- supervisor approval of closures (LEGAL_AID requires it in the seed) -----------------------


async def test_an_agent_cannot_close_a_type_that_needs_approval(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    response = await move(client, agent, case["id"], "resolved", outcome_category="legal")
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/closure-approval-required"
    assert response.json()["allowed"] == ["pending_closure"]


async def test_agent_requests_closure_and_supervisor_approves_it(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    requested = await move(
        client, agent, case["id"], "pending_closure", outcome_category="legal", requested_status="resolved"
    )
    assert requested.status_code == 200
    assert (requested.json()["status"], requested.json()["closure_requested_status"]) == ("pending_closure", "resolved")
    agent_approves = await move(client, agent, case["id"], "resolved")
    assert agent_approves.status_code == 403
    approved = await move(client, supervisor, case["id"], "resolved")
    body = approved.json()
    assert (body["status"], body["outcome_category"], body["closure_requested_status"]) == ("resolved", "legal", None)


async def test_supervisor_sends_a_closure_request_back_with_a_reason(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    await move(client, agent, case["id"], "pending_closure", outcome_category="legal")
    without_reason = await move(client, supervisor, case["id"], "in_follow_up")
    assert without_reason.status_code == 422
    back = await move(client, supervisor, case["id"], "in_follow_up", reason="the lawyer has not answered")
    assert (back.json()["status"], back.json()["outcome_category"]) == ("in_follow_up", None)


async def test_a_supervisor_closes_a_type_that_needs_approval_directly(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, supervisor, await make_registrant(), service_type="LEGAL_AID")
    response = await move(client, supervisor, case["id"], "resolved", outcome_category="legal")
    assert response.status_code == 200


async def test_an_agent_closes_a_type_without_approval_directly(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="INFO_ONLY")
    response = await move(client, agent, case["id"], "resolved", outcome_category="information")
    assert response.status_code == 200
