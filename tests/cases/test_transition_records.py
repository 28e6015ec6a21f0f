"""What a status change leaves behind and what a refused one says, written out from the workflow
as specified (BRIEF "Case": every change is on the case's timeline and audited; a reason may
describe the person's situation, so the audit log keeps it only in the erasable payload) and the
product's wording of each refusal, in English and French (RFC 9457 ``detail``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditPayload
from app.cases.models import Case
from tests.cases.conftest import Db, etag, move, open_case, refer
from tests.conftest import Staff


async def _timeline(client: httpx.AsyncClient, staff: Staff, case_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/cases/{case_id}/timeline", headers=staff.headers)
    assert response.status_code == 200, response.text
    return [e["details"] for e in response.json()["items"] if e["kind"] == "status_changed"]


async def _audited(sessionmaker, case_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.details, AuditEvent.desk_id)
            .where(
                AuditEvent.action == "case.transition",
                AuditEvent.entity_type == "case",
                AuditEvent.entity_id == case_id,
            )
            .order_by(AuditEvent.id)
        )
        return [{**details, "desk": desk} for details, desk in rows.all()]


async def _move(
    client: httpx.AsyncClient, staff: Staff, case_id: str, to: str, language: str = "en", **body: Any
) -> httpx.Response:
    """A transition with the case's current ETag, answered in ``language``."""
    tag = await etag(client, staff, case_id)
    return await client.post(
        f"/api/v1/cases/{case_id}/transitions",
        headers={**staff.headers, "If-Match": tag, "Accept-Language": language},
        json={"to": to, **body},
    )


async def _requested_by(sessionmaker, case_id: str) -> uuid.UUID | None:  # type: ignore[no-untyped-def]
    """Who asked for the pending closure (kept on the case, not shown in its API form)."""
    async with sessionmaker() as session:
        return (await session.get(Case, uuid.UUID(case_id))).closure_requested_by  # type: ignore[union-attr]


SPEC_FROM_RECEIVED = [
    "qualified",
    "resolved",
    "closed_no_response",
    "closed_withdrawn",
    "transferred",
    "pending_closure",
]
"""The moves the workflow as specified allows from ``received`` (BRIEF "Case"), in the API's order."""


def _refusal(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code, response.json()["detail"]


async def test_closing_and_reopening_are_on_the_timeline_and_in_the_audit_log(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker, desk_ids
) -> None:
    case = await open_case(client, agent, await make_registrant())
    closed = await move(client, agent, case["id"], "resolved", outcome_category="economic")
    assert closed.status_code == 200, closed.text
    reopened = await move(client, agent, case["id"], "in_follow_up", reason="the employer withdrew the offer")
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["status"], body["outcome_category"], body["closed_at"]) == ("in_follow_up", None, None)
    assert await _timeline(client, agent, case["id"]) == [
        {"from": "received", "to": "resolved", "outcome_category": "economic"},
        {"from": "resolved", "to": "in_follow_up", "reason": "the employer withdrew the offer"},
    ]
    closing, reopening = await _audited(sessionmaker, case["id"])
    assert closing == {
        "from": "received",
        "to": "resolved",
        "outcome_category": "economic",
        "desk": desk_ids["CASA-BASE"],
    }
    # the reason's words are not in the chained event: only that there was one, and the payload's digest
    personal = reopening.pop("personal")
    assert reopening == {"from": "resolved", "to": "in_follow_up", "reason": True, "desk": desk_ids["CASA-BASE"]}
    async with sessionmaker() as session:
        payload = await session.get(AuditPayload, uuid.UUID(personal["payload"]))
    assert payload is not None
    assert (payload.value, str(payload.registrant_id)) == (
        {"reason": "the employer withdrew the offer"},
        case["registrant_id"],
    )


async def test_a_closing_note_stays_on_the_timeline_and_in_the_erasable_audit_payload_after_reopening(
    client: httpx.AsyncClient, agent: Staff, make_registrant, sessionmaker, desk_ids
) -> None:
    case = await open_case(client, agent, await make_registrant())
    closed = await move(client, agent, case["id"], "resolved", outcome_category="economic", outcome_note="job found")
    assert closed.status_code == 200, closed.text
    reopened = await move(client, agent, case["id"], "in_follow_up", reason="the contract fell through")
    assert reopened.json()["outcome_note"] is None  # the case is worked on again: no closing note in force
    assert (await _timeline(client, agent, case["id"]))[0] == {
        "from": "received",
        "to": "resolved",
        "outcome_category": "economic",
        "outcome_note": "job found",
    }
    closing, _ = await _audited(sessionmaker, case["id"])
    personal = closing.pop("personal")
    assert closing == {
        "from": "received",
        "to": "resolved",
        "outcome_category": "economic",
        "outcome_note": True,
        "desk": desk_ids["CASA-BASE"],
    }
    async with sessionmaker() as session:
        payload = await session.get(AuditPayload, uuid.UUID(personal["payload"]))
    assert payload is not None
    assert payload.value == {"outcome_note": "job found"}


async def test_a_closure_request_records_who_asked_for_what_and_approval_clears_it(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, sessionmaker
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    requested = await move(
        client, agent, case["id"], "pending_closure", outcome_category="legal", outcome_note="visa granted",
        requested_status="closed_withdrawn",
    )  # fmt: skip
    body = requested.json()
    assert (body["status"], body["closure_requested_status"]) == ("pending_closure", "closed_withdrawn")
    assert await _requested_by(sessionmaker, case["id"]) == agent.id
    assert (body["outcome_category"], body["outcome_note"], body["closed_at"]) == ("legal", "visa granted", None)
    approved = (await move(client, supervisor, case["id"], "closed_withdrawn")).json()
    assert (approved["status"], approved["outcome_category"], approved["outcome_note"]) == (
        "closed_withdrawn", "legal", "visa granted",
    )  # fmt: skip
    assert (approved["closure_requested_status"], await _requested_by(sessionmaker, case["id"])) == (None, None)
    assert approved["closed_at"] is not None
    assert await _timeline(client, agent, case["id"]) == [
        {
            "from": "received",
            "to": "pending_closure",
            "outcome_category": "legal",
            "outcome_note": "visa granted",
            "requested_status": "closed_withdrawn",
        },
        {"from": "pending_closure", "to": "closed_withdrawn", "outcome_category": "legal"},
    ]


async def test_a_closure_request_asks_for_resolved_unless_told_otherwise(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, sessionmaker
) -> None:
    case = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    requested = (await move(client, agent, case["id"], "pending_closure", outcome_category="legal")).json()
    assert (requested["closure_requested_status"], requested["outcome_note"]) == ("resolved", None)
    back = (await move(client, supervisor, case["id"], "in_follow_up", reason="documents missing")).json()
    assert (back["status"], back["outcome_category"], back["outcome_note"], back["closed_at"]) == (
        "in_follow_up", None, None, None,
    )  # fmt: skip
    assert (back["closure_requested_status"], await _requested_by(sessionmaker, case["id"])) == (None, None)
    no_outcome = await move(
        client, agent, case["id"], "pending_closure", outcome_category="no_outcome"
    )  # asks for "resolved": an outcome other than no_outcome is needed
    assert no_outcome.status_code == 422
    withdrawn = await move(
        client, agent, case["id"], "pending_closure", outcome_category="no_outcome", requested_status="closed_withdrawn"
    )
    assert withdrawn.status_code == 200, withdrawn.text


async def test_a_closed_case_keeps_its_note_when_closed_without_a_new_one(
    client: httpx.AsyncClient, agent: Staff, make_registrant, db: Db
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await db.set_case(case["id"], outcome_note="first contact made")
    closed = (await move(client, agent, case["id"], "closed_no_response", outcome_category="social")).json()
    assert (closed["outcome_category"], closed["outcome_note"]) == ("social", "first contact made")


async def test_each_refused_transition_says_why_in_both_languages(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    legal = await open_case(client, agent, await make_registrant(), service_type="LEGAL_AID")
    cases = {"case": case["id"], "legal": legal["id"]}
    attempts: list[tuple[str, str, dict[str, Any], int, str, str]] = [
        (
            "case", "in_follow_up", {}, 409,
            "A case in status received cannot move to in_follow_up; allowed: qualified, resolved, "
            "closed_no_response, closed_withdrawn, transferred, pending_closure.",
            "Un dossier au statut received ne peut pas passer à in_follow_up ; autorisés : qualified, resolved, "
            "closed_no_response, closed_withdrawn, transferred, pending_closure.",
        ),
        (
            "case", "resolved", {}, 422,
            "Closing a case needs an outcome.",
            "La clôture d'un dossier requiert un résultat.",
        ),
        (
            "case", "resolved", {"outcome_category": "no_outcome"}, 422,
            "A resolved case needs an outcome other than “No outcome”.",
            "Un dossier résolu requiert un résultat autre que « Sans résultat ».",
        ),
        (
            "case", "transferred", {}, 422,
            "A transfer names the receiving desk.",
            "Un transfert nomme le guichet de destination.",
        ),
        (
            "legal", "resolved", {"outcome_category": "legal"}, 403,
            "Closing a LEGAL_AID case needs a supervisor: move it to “Closure requested”.",
            "La clôture d'un dossier LEGAL_AID requiert un superviseur : passez-le au statut « Clôture demandée ».",
        ),
    ]  # fmt: skip
    members = {  # the problem's extension members (RFC 9457 §3.2) besides its words
        "in_follow_up": {"current_status": "received", "allowed": SPEC_FROM_RECEIVED},
        "transferred": {"field": "to_desk"},
    }
    for which, to, body, status, english, french in attempts:
        answer = await _move(client, agent, cases[which], to, **body)
        assert _refusal(answer) == (status, english), to
        expected = members.get(to) or (
            {"allowed": ["pending_closure"]} if which == "legal" else {"field": "outcome_category"}
        )
        assert {k: answer.json().get(k) for k in expected} == expected, to
        answer = await _move(client, agent, cases[which], to, "fr", **body)
        assert _refusal(answer) == (status, french), to

    qualified = await move(client, agent, case["id"], "qualified")
    assert qualified.status_code == 200
    referred = await _move(client, agent, case["id"], "referred")
    assert _refusal(referred) == (409, "Record the referral to a partner first, then change the status.")
    referred = await _move(client, agent, case["id"], "referred", "fr")
    assert _refusal(referred) == (409, "Enregistrez d'abord l'orientation vers un partenaire, puis changez le statut.")

    closed = await move(client, supervisor, case["id"], "resolved", outcome_category="social")
    assert closed.status_code == 200
    for language, text in (
        ("en", "This status change needs a reason."),
        ("fr", "Ce changement de statut requiert un motif."),
    ):
        reopen = await _move(client, agent, case["id"], "in_follow_up", language)
        assert _refusal(reopen) == (422, text)
        assert reopen.json()["field"] == "reason"

    await move(client, agent, legal["id"], "pending_closure", outcome_category="legal")
    for language, text in (
        ("en", "Only a supervisor decides on a closure request."),
        ("fr", "Seul un superviseur statue sur une demande de clôture."),
    ):
        assert _refusal(await _move(client, agent, legal["id"], "in_follow_up", language, reason="x")) == (403, text)


async def test_a_transferred_case_allows_nothing_and_says_so(
    client: httpx.AsyncClient, agent: Staff, make_registrant, db: Db
) -> None:
    case = await open_case(client, agent, await make_registrant())
    await db.set_case(case["id"], status="transferred")
    english = await _move(client, agent, case["id"], "in_follow_up", reason="x")
    assert _refusal(english) == (409, "A case in status transferred cannot move to in_follow_up; allowed: none.")
    assert english.json()["allowed"] == []
    french = await _move(client, agent, case["id"], "in_follow_up", "fr", reason="x")
    assert _refusal(french) == (
        409,
        "Un dossier au statut transferred ne peut pas passer à in_follow_up ; autorisés : aucun.",
    )


async def test_only_a_resolved_case_needs_an_outcome_other_than_no_outcome(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    withdrawn = await move(client, agent, case["id"], "closed_withdrawn", outcome_category="no_outcome")
    assert withdrawn.status_code == 200, withdrawn.text


async def test_a_pending_referral_of_another_case_does_not_count(
    client: httpx.AsyncClient, agent: Staff, make_registrant, partner
) -> None:
    registrant = await make_registrant()
    referred = await open_case(client, agent, registrant)
    await move(client, agent, referred["id"], "qualified")
    await refer(client, agent, referred["id"], partner["id"])
    other = await open_case(client, agent, registrant)
    await move(client, agent, other["id"], "qualified")
    refused = await move(client, agent, other["id"], "referred")
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/referral-required")
    assert (await move(client, agent, referred["id"], "referred")).status_code == 200


async def test_a_transferred_case_is_closed_at_the_sending_desk(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant(consents=("desk_transfer",)))
    moved = await move(client, agent, case["id"], "transferred", to_desk="dkr-mob")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["closed_at"] is not None) == ("transferred", True)
    timeline = await _timeline(client, agent, case["id"])
    assert (timeline[-1]["from"], timeline[-1]["to"], timeline[-1]["to_desk"]) == ("received", "transferred", "DKR-MOB")
