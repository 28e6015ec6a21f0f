"""A request body is taken in the media type and charset the operation reads, or refused with
415 naming what it takes (``Accept-Post``/``Accept-Patch``, ``accepted``), on every route.

Before: a JSON body sent to the login form was 400 "the e-mail and the password are required",
to the register import 422 "field required" for each field; a body declared ``charset=utf-16``
was read as UTF-8 (422 "bytes at offset 0 are not valid UTF-8").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import StaffUser
from app.registrants.models import Registrant

EN = {"Accept-Language": "en"}


@pytest.fixture
def count_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[dict[str, int]]]:
    """Registrants and staff accounts, to prove a refused request wrote nothing."""

    async def count() -> dict[str, int]:
        async with sessionmaker() as session:
            return {
                name: (await session.execute(select(func.count()).select_from(model))).scalar_one()
                for name, model in (("registrants", Registrant), ("staff", StaffUser))
            }

    return count


FORM_TYPES = "application/x-www-form-urlencoded, multipart/form-data"


@pytest.mark.parametrize(
    ("method", "path", "send", "role", "header", "accepted"),
    [
        # a form route sent JSON, or a body with no type at all
        (
            "post",
            "/api/v1/auth/token",
            {"json": {"username": "a@b.example", "password": "x"}},
            None,
            "accept-post",
            FORM_TYPES,
        ),
        ("post", "/api/v1/auth/token", {"content": b"username=a&password=b"}, None, "accept-post", FORM_TYPES),
        (
            "post",
            "/api/v1/imports/registers",
            {"json": {"desk_code": "CASA-BASE"}},
            "admin",
            "accept-post",
            "multipart/form-data",
        ),
        # a JSON route sent a form, a multipart form, text
        ("post", "/api/v1/registrants", {"data": {"family_name": "Diop"}}, "agent", "accept-post", "application/json"),
        (
            "post",
            "/api/v1/users",
            {"files": {"email": (None, "a@b.example")}},
            "admin",
            "accept-post",
            "application/json",
        ),
        (
            "patch",
            f"/api/v1/registrants/{uuid.uuid4()}",
            {"data": {"family_name": "Diop"}},
            "agent",
            "accept-patch",
            "application/json",
        ),
        (
            "post",
            "/api/v1/desks",
            {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
            "admin",
            "accept-post",
            "application/json",
        ),
    ],
)
async def test_a_body_of_another_media_type_is_415_naming_the_accepted_ones(
    client, make_staff, method, path, send, role, header, accepted
) -> None:
    headers = {**EN, **send.pop("headers", {})}
    if role is not None:
        headers.update((await make_staff(role, [] if role == "admin" else None)).headers)
    response = await client.request(method.upper(), path, headers=headers, **send)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/unsupported-media-type"
    assert response.headers[header] == accepted
    assert problem["accepted"] == accepted.split(", ")
    sent = response.request.headers.get("content-type", "").split(";")[0]
    said = " or ".join(accepted.split(", "))
    if sent:
        assert problem["detail"] == f"This operation takes a body of type {said}, not {sent}."
    else:
        assert problem["detail"] == (
            f"This operation takes a body of type {said}: send it with Content-Type: {accepted.split(', ')[0]}."
        )


async def test_the_oauth_token_endpoint_says_which_type_it_takes_in_its_own_error_format(client) -> None:
    response = await client.post("/api/v1/oauth/token", json={"grant_type": "client_credentials"})
    assert (response.status_code, response.headers["accept-post"]) == (400, FORM_TYPES)
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "This operation takes a body of type application/x-www-form-urlencoded or "
        "multipart/form-data, not application/json.",
    }


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [("utf-16", "utf-16"), ("ISO-8859-1", "latin-1"), ('"windows-1252"', "cp1252")],
)
async def test_a_json_body_in_another_charset_than_utf8_is_415_naming_it(
    client, make_staff, count_rows, charset, encoding
) -> None:
    """JSON between systems is UTF-8 (RFC 8259 §8.1): "Ndiayé" in Latin-1 is the byte E9, which
    would be refused as UTF-8 or, decoded by its label, stored from one client as what no other
    reader of the same bytes sees. Nothing is written."""
    agent = await make_staff("agent")
    body = '{"family_name": "Ndiayé", "given_names": "Awa"}'
    response = await client.post(
        "/api/v1/registrants",
        content=body.encode(encoding),
        headers={**agent.headers, **EN, "Content-Type": f"application/json; charset={charset}"},
    )
    assert response.status_code == 415, response.text
    named = charset.strip('"')
    assert response.json()["detail"] == (
        f"The body is declared in charset {named}: application/json is read in UTF-8 only (RFC 8259 §8.1); "
        "send it in UTF-8, with Content-Type: application/json or application/json; charset=utf-8."
    )
    assert (response.json()["charset"], response.headers["accept-post"]) == (named, "application/json; charset=utf-8")
    assert (await count_rows())["registrants"] == 0
    utf8 = await client.post(
        "/api/v1/registrants",
        content=body.encode(),
        headers={**agent.headers, "Content-Type": "application/json; charset=UTF-8"},
    )
    assert (utf8.status_code, utf8.json()["family_name"]) == (201, "Ndiayé")


async def test_a_form_in_another_charset_is_415_too(client) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        content="username=awa@desk.example&password=été".encode("latin-1"),
        headers={**EN, "Content-Type": "application/x-www-form-urlencoded; charset=iso-8859-1"},
    )
    assert response.status_code == 415
    assert response.json()["detail"].startswith("The body is declared in charset iso-8859-1: ")
