"""Bad input is answered with a problem that says what is wrong where, in the API's terms, on
every route: a body of another media type or charset is 415 naming what is taken (with
``Accept-Post``/``Accept-Patch``), a refused character or a malformed value names the parameter
or the field (« query parameter q », not pydantic's « query.q »), a desk code no desk has is
422 at the field that names it.

Before: a JSON body sent to the login form was 400 "the e-mail and the password are required",
to the register import 422 "field required" for each field; a body declared ``charset=utf-16``
was read as UTF-8 (422 "bytes at offset 0 are not valid UTF-8"); ``q=%00`` was refused at
"query.q"; every other 422 said "One or more fields are invalid; see `errors`"; an unknown
``desk_code`` at registration was 404.
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
    assert response.json()["detail"] == (
        "The body is declared in charset iso-8859-1: application/x-www-form-urlencoded is read in UTF-8 only "
        "(WHATWG URL standard, application/x-www-form-urlencoded parsing); send it in UTF-8, with Content-Type: "
        "application/x-www-form-urlencoded or application/x-www-form-urlencoded; charset=utf-8."
    )
    french = await client.post(
        "/api/v1/auth/token",
        content="username=awa@desk.example&password=x".encode("utf-16"),
        headers={"Accept-Language": "fr", "Content-Type": "application/x-www-form-urlencoded; charset=utf-16"},
    )
    assert (french.status_code, french.json()["detail"]) == (
        415,
        "Le corps est déclaré dans le jeu de caractères utf-16 : application/x-www-form-urlencoded se lit en "
        "UTF-8 seulement (norme URL du WHATWG, lecture de application/x-www-form-urlencoded) ; envoyez-le en UTF-8.",
    )


async def test_an_empty_charset_is_said_empty_and_us_ascii_is_read_as_utf8(client, make_staff) -> None:
    """``charset=`` names no charset: said so, not « jeu de caractères  : ». US-ASCII is a subset of
    UTF-8: accepted, and a byte over 0x7F in such a body is read as UTF-8 all the same."""
    agent = await make_staff("agent")
    empty = await client.post(
        "/api/v1/registrants",
        content=b'{"family_name": "Ndiaye", "given_names": "Awa"}',
        headers={**agent.headers, "Accept-Language": "fr", "Content-Type": "application/json; charset="},
    )
    assert (empty.status_code, empty.json()["charset"]) == (415, "")
    assert empty.json()["detail"] == (
        "Le corps est déclaré avec un jeu de caractères vide (charset= n'en nomme aucun) : application/json se lit "
        "en UTF-8 seulement (RFC 8259 §8.1) ; envoyez-le en UTF-8."
    )
    for family_name, given_names in (("Ndiaye", "Awa"), ("Guèye", "Fatou")):
        ascii_body = await client.post(
            "/api/v1/registrants",
            content=f'{{"family_name": "{family_name}", "given_names": "{given_names}"}}'.encode(),
            headers={**agent.headers, "Content-Type": "application/json; charset=US-ASCII"},
        )
        assert (ascii_body.status_code, ascii_body.json().get("family_name")) == (201, family_name), ascii_body.text


async def test_a_multipart_body_without_boundary_and_an_unknown_path_are_told_in_both_languages(client) -> None:
    for language, detail in (
        (
            "fr",
            "Le formulaire envoyé n'indique pas la délimitation de ses parties : le logiciel qui l'envoie doit la "
            "donner dans l'en-tête du type de contenu.",
        ),
        (
            "en",
            "The multipart/form-data body has no boundary: send Content-Type: multipart/form-data; boundary=… "
            "(RFC 7578 §4.1), as an HTTP client does for a form it builds.",
        ),
    ):
        response = await client.post(
            "/api/v1/auth/token",
            content=b"username=awa@desk.example&password=x",
            headers={"Accept-Language": language, "Content-Type": "multipart/form-data"},
        )
        assert (response.status_code, response.json()["detail"]) == (400, detail), response.text
    for language, detail in (
        ("fr", "Il n'y a rien à cette adresse : vérifiez-la."),
        (
            "en",
            "Nothing is found at this path: check it (the API's paths begin with /api/v1/, the web client's "
            "with /app/).",
        ),
    ):
        missing = await client.get("/does-not-exist", headers={"Accept-Language": language})
        assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
        assert missing.json()["detail"] == detail


CONTROLS = "must not contain control characters"
ONLY = "tab and line breaks are the only ones accepted"


@pytest.mark.parametrize(
    ("path", "json", "detail", "reason"),
    [
        ("/api/v1/registrants?q=%00abc", None, f"Query parameter q: {CONTROLS} (U+0000 at position 1; {ONLY}).", None),
        ("/api/v1/registrants?q=a%1Bb", None, f"Query parameter q: {CONTROLS} (U+001B at position 2; {ONLY}).", None),
        (
            "/api/v1/audit/events?action=%7F",
            None,
            f"Query parameter action: {CONTROLS} (U+007F at position 1; {ONLY}).",
            None,
        ),
        (
            "/api/v1/users?role=%ED%A0%80",
            None,
            "Query parameter role: is not valid UTF-8 "
            "(the bytes at offset 0 encode a lone surrogate, U+D800 to U+DFFF).",
            None,
        ),
        ("/api/v1/registrants/%00", None, f"The path: {CONTROLS} (U+0000 at position 21; {ONLY}).", None),
        (
            "/api/v1/desks/%ED%A0%80",
            None,
            "The path: is not valid UTF-8 (the bytes at offset 14 encode a lone surrogate, U+D800 to U+DFFF).",
            None,
        ),
        (
            "/api/v1/registrants",
            {"family_name": "Di\u0000op", "given_names": "Awa"},
            f"Body field family_name: {CONTROLS} (U+0000 at position 3; {ONLY}).",
            f"{CONTROLS} (U+0000 at position 3; {ONLY})",
        ),
        (
            "/api/v1/registrants",
            b'{"family_name": "Diop", "given_names": "\\ud800"}',
            "Body field given_names: must not contain lone surrogates (U+D800 at position 1).",
            "must not contain lone surrogates (U+D800 at position 1)",
        ),
    ],
)
async def test_a_refused_character_is_named_with_its_place_in_the_api_s_terms(
    client, make_staff, path, json, detail, reason
) -> None:
    admin = await make_staff("admin", [])
    if json is None:
        response = await client.get(path, headers={**admin.headers, **EN})
    else:
        sent = (
            {"content": json, "headers": {"Content-Type": "application/json"}}
            if isinstance(json, bytes)
            else {"json": json}
        )
        response = await client.post(path, headers={**admin.headers, **EN, **sent.pop("headers", {})}, **sent)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["detail"]) == ("/problems/validation-failed", detail)
    if reason is not None:
        assert problem["errors"][0]["reason"] == reason


async def test_a_refused_character_is_said_in_french_in_the_desk_s_words(client, make_staff) -> None:
    """The French texts name no API field (README, API conventions): the web client names the
    field from ``errors[].loc`` and says the ``reason``."""
    admin = await make_staff("admin", [])
    response = await client.get("/api/v1/registrants?q=%00", headers=admin.headers)
    said = (
        "ne doit pas contenir de caractères de contrôle (U+0000 en position 1 ; "
        "seuls la tabulation et les sauts de ligne sont acceptés)"
    )
    assert response.json()["detail"] == f"Un paramètre de l'adresse {said}."
    assert response.json()["errors"][0]["reason"] == said
    desk = await client.get("/api/v1/registrants?desk=NOPE", headers=admin.headers)
    assert desk.json()["detail"] == "Aucun guichet n'a le code NOPE."


@pytest.mark.parametrize(
    ("path", "value", "said"),
    [
        ("/api/v1/registrants", "nan", "a whole number is expected"),
        ("/api/v1/registrants", "1e400", "a whole number is expected"),
        ("/api/v1/users", "NaN", "a whole number is expected"),
        ("/api/v1/users", "1.5", "a whole number is expected"),
        ("/api/v1/audit/events", "inf", "a whole number is expected"),
        ("/api/v1/audit/events", "9" * 30, "value too large (at most 200)"),
        ("/api/v1/imports", "-Infinity", "a whole number is expected"),
        ("/api/v1/imports", "0", "value too small (at least 1)"),
    ],
)
async def test_a_number_that_is_no_whole_number_in_range_is_a_422_naming_the_parameter(
    client, make_staff, path, value, said
) -> None:
    admin = await make_staff("admin", [])
    response = await client.get(path, params={"limit": value}, headers={**admin.headers, **EN})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"] == f"Invalid field (see `errors`): query parameter limit: {said}."
    assert [e["loc"] for e in problem["errors"]] == [["query", "limit"]]


async def test_every_invalid_field_is_listed_in_the_detail_with_its_place(client, make_staff) -> None:
    agent = await make_staff("agent")
    query = await client.get("/api/v1/registrants?limit=abc&age_min=-1", headers={**agent.headers, **EN})
    assert query.json()["detail"] == (
        "Invalid fields (see `errors`): query parameter age_min: value too small (at least 0); "
        "query parameter limit: a whole number is expected."
    )
    body = await client.post(
        "/api/v1/registrants",
        json={"family_name": 5, "phones": [{"number": None}]},
        headers={**agent.headers, **EN},
    )
    assert body.json()["detail"] == (
        "Invalid fields (see `errors`): body field given_names: required; body field family_name: "
        "a text is expected; body field phones[0].number: a text is expected."
    )
    choice = await client.get("/api/v1/registrants?sex=X", headers={**agent.headers, **EN})
    assert choice.json()["detail"] == (
        "Invalid field (see `errors`): query parameter sex: "
        "not one of the accepted values ('female', 'male' or 'unknown')."
    ), choice.text


async def test_a_search_for_nan_is_a_search(client, make_staff) -> None:
    agent = await make_staff("agent")
    response = await client.get("/api/v1/registrants", params={"q": "nan"}, headers=agent.headers)
    assert (response.status_code, response.json()["items"]) == (200, [])


@pytest.mark.parametrize(
    ("method", "path", "send", "loc"),
    [
        (
            "post",
            "/api/v1/registrants",
            {"json": {"family_name": "Diop", "given_names": "Awa", "desk_code": "NOPE"}},
            ["body", "desk_code"],
        ),
        (
            "post",
            "/api/v1/users",
            {
                "json": {
                    "email": "new@desk.example",
                    "full_name": "A B",
                    "role": "agent",
                    "password": "a long enough password",
                    "desk_codes": ["CASA-BASE", "NOPE"],
                }
            },
            ["body", "desk_codes"],
        ),
        ("get", "/api/v1/registrants?desk=NOPE", {}, ["query", "desk"]),
        ("get", "/api/v1/reports/registrations?start=2026-02-01&end=2026-02-28&desk=NOPE", {}, ["query", "desk"]),
    ],
)
async def test_a_desk_code_no_desk_has_is_422_at_the_field_naming_it(
    client, make_staff, count_rows, method, path, send, loc
) -> None:
    """A desk a request refers to that does not exist is the request's fault (422 at the field);
    a desk the path names that does not exist is a resource not found (404)."""
    admin = await make_staff("admin", [])
    before = await count_rows()
    response = await client.request(method.upper(), path, headers={**admin.headers, **EN}, **send)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["type"], problem["field"], problem["codes"]) == ("/problems/unknown-desk", loc[1], ["NOPE"])
    where = "Body field" if loc[0] == "body" else "Query parameter"
    assert problem["detail"] == f"{where} {loc[1]}: no desk has the code NOPE."
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, "unknown_desk")]
    assert await count_rows() == before
    in_path = await client.get(f"/api/v1/desks/{uuid.uuid4()}", headers=admin.headers)
    assert (in_path.status_code, in_path.json()["type"]) == (404, "/problems/not-found")
