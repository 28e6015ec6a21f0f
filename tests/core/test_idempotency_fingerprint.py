"""What makes a retry the same request for ``Idempotency-Key``: the query string counts (parsed, in
any order), a multipart form counts by its fields and files whatever its boundary, and a record
stored before the query counted still replays its retries.

Before: the fingerprint held method, path and body bytes only, so ``?confirm_duplicates=true``
added (or dropped) on a retry replayed the first answer, and a form resent under a new multipart
boundary — what every client does — answered 422.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.deps import CurrentActor
from app.core.fingerprint import VERSION
from app.core.idempotency import IdempotencyDep, IdempotencyRecord
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.registrants.conftest import URL as REGISTRANTS
from tests.registrants.conftest import person


@pytest.fixture
async def agent(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])  # type: ignore[no-any-return]


REUSED = (422, "/problems/idempotency-key-reused")
FORM = "/test/keyed-form"


@pytest.fixture
def keyed_form(app: FastAPI) -> list[dict[str, Any]]:
    """A keyed endpoint taking a multipart form (the API has none yet; a future one must work)."""
    done: list[dict[str, Any]] = []

    async def receive(
        request: Request,
        actor: CurrentActor,
        idem: IdempotencyDep,
        desk_code: Annotated[str, Form()],
        file: UploadFile,
        a: str | None = None,
        b: str | None = None,
    ) -> Response:
        if (replayed := await idem.replay(actor)) is not None:
            return replayed
        done.append({"desk_code": desk_code, "file": await file.read(), "query": request.url.query})
        return await idem.respond(201, {"n": len(done)})

    app.router.add_api_route(FORM, receive, methods=["POST"])
    return done


def _multipart(boundary: str, content: bytes, filename: str = "registre.csv") -> tuple[bytes, dict[str, str]]:
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="desk_code"\r\n\r\nCASA-BASE\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["type"]


async def test_a_retry_adding_confirm_duplicates_is_another_request(client: httpx.AsyncClient, agent: Staff) -> None:
    headers = {**agent.headers, "Idempotency-Key": "reg-1"}
    created = await client.post(REGISTRANTS, json=person(), headers=headers)
    confirmed = await client.post(f"{REGISTRANTS}?confirm_duplicates=true", json=person(), headers=headers)
    assert created.status_code == 201
    assert _problem(confirmed) == REUSED


async def test_a_retry_dropping_confirm_duplicates_is_another_request(client: httpx.AsyncClient, agent: Staff) -> None:
    headers = {**agent.headers, "Idempotency-Key": "reg-2"}
    created = await client.post(f"{REGISTRANTS}?confirm_duplicates=true", json=person(), headers=headers)
    plain = await client.post(REGISTRANTS, json=person(), headers=headers)
    assert created.status_code == 201
    assert _problem(plain) == REUSED


async def test_a_retry_with_the_same_query_replays(client: httpx.AsyncClient, agent: Staff) -> None:
    headers = {**agent.headers, "Idempotency-Key": "reg-3"}
    url = f"{REGISTRANTS}?confirm_duplicates=true"
    created = await client.post(url, json=person(), headers=headers)
    again = await client.post(url, json=person(), headers=headers)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json()["id"] == created.json()["id"]


async def test_the_order_of_query_parameters_is_the_same_request(
    client: httpx.AsyncClient, agent: Staff, keyed_form: list[dict[str, Any]]
) -> None:
    headers_body = _multipart("b1", b"a;b\r\n1;2")
    headers = {**agent.headers, **headers_body[1], "Idempotency-Key": "q-1"}
    first = await client.post(f"{FORM}?a=1&b=%C3%A9", content=headers_body[0], headers=headers)
    again = await client.post(f"{FORM}?b=é&a=1", content=headers_body[0], headers=headers)
    other = await client.post(f"{FORM}?a=1&b=e", content=headers_body[0], headers=headers)
    assert (first.status_code, again.status_code, again.headers.get("idempotent-replayed")) == (201, 201, "true")
    assert _problem(other) == REUSED
    assert len(keyed_form) == 1


async def test_a_form_resent_under_a_new_boundary_replays(
    client: httpx.AsyncClient, agent: Staff, keyed_form: list[dict[str, Any]]
) -> None:
    body, content_type = _multipart("first-boundary-0001", b"a;b\r\n1;2")
    retry, retry_type = _multipart("another-boundary-0002", b"a;b\r\n1;2")
    key = {"Idempotency-Key": "form-1"}
    first = await client.post(FORM, content=body, headers={**agent.headers, **content_type, **key})
    again = await client.post(FORM, content=retry, headers={**agent.headers, **retry_type, **key})
    assert (first.json(), again.json(), again.headers["idempotent-replayed"]) == ({"n": 1}, {"n": 1}, "true")
    assert len(keyed_form) == 1


@pytest.mark.parametrize(
    ("content", "filename"), [(b"a;b\r\n1;3", "registre.csv"), (b"a;b\r\n1;2", "autre.csv")], ids=["bytes", "name"]
)
async def test_a_form_with_another_file_is_another_request(
    client: httpx.AsyncClient, agent: Staff, keyed_form: list[dict[str, Any]], content: bytes, filename: str
) -> None:
    body, content_type = _multipart("b-1", b"a;b\r\n1;2")
    other, other_type = _multipart("b-1", content, filename)
    key = {"Idempotency-Key": "form-2"}
    first = await client.post(FORM, content=body, headers={**agent.headers, **content_type, **key})
    refused = await client.post(FORM, content=other, headers={**agent.headers, **other_type, **key})
    assert first.status_code == 201
    assert _problem(refused) == REUSED
    assert len(keyed_form) == 1


async def test_a_record_stored_before_the_upgrade_still_replays_its_retry(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A record holding the fingerprint of before (query not counted) replays as it did then: an
    upgrade never turns a retry in flight into 422."""
    url = f"{REGISTRANTS}?confirm_duplicates=true"
    stored = {"id": "00000000-0000-0000-0000-000000000001", "file_number": "CASA-2026-000001"}
    raw = json.dumps(person()).encode()
    canonical = json.dumps(person(), sort_keys=True, separators=(",", ":")).encode()
    async with sessionmaker() as session, session.begin():
        session.add(
            IdempotencyRecord(
                scope=f"staff:{agent.id}",
                key="before-upgrade",
                # the format of before, written out by hand: SHA-256 of "POST path", a newline and
                # the body as sorted compact JSON (no query)
                fingerprint=hashlib.sha256(b"POST " + REGISTRANTS.encode() + b"\n" + canonical).hexdigest(),
                status_code=201,
                body=stored,
                headers={},
            )
        )
    headers = {**agent.headers, "Idempotency-Key": "before-upgrade", "Content-Type": "application/json"}
    retried = await client.post(url, content=raw, headers=headers)
    assert (retried.status_code, retried.json(), retried.headers.get("idempotent-replayed")) == (201, stored, "true")


@pytest.mark.parametrize(
    "spelling",
    [str.upper, lambda u: u.replace("-", ""), lambda u: "{" + u + "}"],
    ids=["upper", "no-hyphens", "braces"],
)
async def test_a_retry_spelling_the_client_id_otherwise_replays(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession], spelling: Any
) -> None:
    """The body counts as the endpoint reads it: a UUID in upper case, without hyphens or in
    braces is the same id (before: 422 ``idempotency-key-reused`` for the same request)."""
    new_id = str(uuid.uuid4())
    headers = {**agent.headers, "Idempotency-Key": "offline-1"}
    created = await client.post(REGISTRANTS, json=person(id=new_id), headers=headers)
    again = await client.post(REGISTRANTS, json=person(id=spelling(new_id)), headers=headers)
    assert created.status_code == 201, created.text
    assert (again.status_code, again.headers.get("idempotent-replayed"), again.json()) == (201, "true", created.json())
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Registrant)) == 1


async def test_a_retry_with_another_value_is_still_another_request(client: httpx.AsyncClient, agent: Staff) -> None:
    new_id = str(uuid.uuid4())
    headers = {**agent.headers, "Idempotency-Key": "offline-2"}
    created = await client.post(REGISTRANTS, json=person(id=new_id), headers=headers)
    other = await client.post(REGISTRANTS, json=person(id=new_id.upper(), given_names="Awa"), headers=headers)
    assert created.status_code == 201
    assert _problem(other) == REUSED


async def test_a_record_stored_under_the_raw_json_rule_still_replays_its_retry(
    client: httpx.AsyncClient, agent: Staff, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A record stored before bodies were read as their endpoint reads them holds the fingerprint
    of the body as sorted raw JSON: the same retry still replays it."""
    stored = {"id": "00000000-0000-0000-0000-000000000002", "file_number": "CASA-2026-000002"}
    canonical = json.dumps(person(), sort_keys=True, separators=(",", ":")).encode()
    head = f"POST {REGISTRANTS}?[]\n".encode()
    async with sessionmaker() as session, session.begin():
        session.add(
            IdempotencyRecord(
                scope=f"staff:{agent.id}",
                key="raw-json-rule",
                # the rule of before, written out by hand: SHA-256 of the version line, "POST
                # path?query pairs", a newline and the body as sorted compact JSON
                fingerprint=hashlib.sha256(VERSION + head + canonical).hexdigest(),
                status_code=201,
                body=stored,
                headers={},
            )
        )
    retried = await client.post(
        REGISTRANTS, json=person(), headers={**agent.headers, "Idempotency-Key": "raw-json-rule"}
    )
    assert (retried.status_code, retried.json(), retried.headers.get("idempotent-replayed")) == (201, stored, "true")
