"""The one text rule (app.core.text) at every HTTP entry point, on SQLite and PostgreSQL alike.

Refused everywhere with the same 422 ``validation-failed``: C0 controls but TAB/LF/CR, DEL and
C1 controls (Unicode category Cc), lone surrogates (category Cs, no UTF-8 form, RFC 3629 §3),
U+FFFE/U+FFFF, and bytes that are not UTF-8. Expected characters come from the Unicode
character database (``unicodedata.category``), not from the rule's own table.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from app.core.text import clean, disallowed_character, storable

DESK = {"code": "ABJ-9", "country": "CI", "city": "Abidjan", "time_zone": "Africa/Abidjan"}


def test_the_rule_matches_the_unicode_categories() -> None:
    for code in range(0x110000):
        char = chr(code)
        expected = (unicodedata.category(char) in {"Cc", "Cs"} and char not in "\t\n\r") or code in {0xFFFE, 0xFFFF}
        assert (disallowed_character(char) is not None) == expected, hex(code)
    assert storable("a\x00b\ud800c") == "a\ufffdb\ufffdc"


def test_clean_collapses_every_kind_of_white_space_the_regular_expression_way() -> None:
    """Every code point, alone and in runs between words: :func:`clean` gives what NFC followed by
    collapsing runs of ``\\s`` (Unicode white space, as :mod:`re` reads it) and trimming gives."""
    spaces = re.compile(r"\s+")
    differ = []
    for code in range(0x110000):
        char = chr(code)
        text = f" {char}a{char}{char}b {char}"
        if clean(text) != spaces.sub(" ", unicodedata.normalize("NFC", text)).strip():
            differ.append(hex(code))
    assert differ == []
    assert clean("\u00a0 Ndèye\u2003\u2003Fatou\t\n") == "Ndèye Fatou"


@pytest.mark.parametrize(
    "escaped",
    [b"\\u0000", b"\\u0007", b"\\u001b", b"\\u007f", b"\\u0085", b"\\ud800", b"\\udfff", b"\\uffff"],
    ids=["nul", "bel", "esc", "del", "c1-nel", "lone-high-surrogate", "lone-low-surrogate", "noncharacter"],
)
async def test_a_refused_json_escape_is_422_and_creates_nothing(client, make_staff, escaped: bytes) -> None:
    admin = await make_staff("admin", [])
    body = b'{"code": "ABJ-9", "name": "Abidjan ' + escaped + b'", "country": "CI", "city": "Abidjan", '
    body += b'"time_zone": "Africa/Abidjan"}'
    response = await client.post(
        "/api/v1/desks", content=body, headers={**admin.headers, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-failed"
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    listed = (await client.get("/api/v1/desks", headers=admin.headers)).json()
    assert "ABJ-9" not in str(listed)


async def test_every_refused_string_of_a_body_and_every_refused_parameter_are_named_at_once(client, make_staff) -> None:
    """A form with two fields at fault (a pasted BEL in a name and in an occupation) is told both in
    one answer, in the order sent, each with its reason; before, only the last one the check met."""
    agent = await make_staff("agent")
    body = {
        "given_names": "Awa\u0007",
        "family_name": "Diop",
        "phones": [{"number": "+212612345678", "label": "t\u001bravail"}],
        "occupation": "a\u0007b",
    }
    response = await client.post("/api/v1/registrants", json=body, headers={**agent.headers, "Accept-Language": "fr"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "given_names"], "text_disallowed_character"),
        (["body", "phones", "0", "label"], "text_disallowed_character"),
        (["body", "occupation"], "text_disallowed_character"),
    ]
    assert problem["errors"][2]["reason"].startswith(
        "ne doit pas contenir de caractères de contrôle (U+0007 en position 2"
    )
    assert problem["detail"].startswith("3 valeurs envoyées contiennent un caractère qui n'est pas accepté")
    assert "occupation" not in problem["detail"]  # the French detail names no API field
    query = await client.get("/api/v1/registrants?q=Nd%00iaye&city=a%01", headers=agent.headers)
    assert [e["loc"] for e in query.json()["errors"]] == [["query", "q"], ["query", "city"]]


async def test_control_characters_and_direction_controls_are_named_in_one_answer(client, make_staff) -> None:
    """A BEL in one field and a right-to-left override (U+202E) in another are told at once, in the
    order sent, each with its own type and reason; before, the override came at the next attempt.
    A direction control a field accepts (a phone number drops them) is not named; nothing is created."""
    admin = await make_staff("admin", [])
    body = {
        "name": "A\u0007",
        "kind": "ngo",
        "country": "MA",
        "city": "Ra\u202ebat",
        "contact_phone": "\u202a05 22 12 34 56\u202c",
        "contact_name": "B\u001b",
        "notes": "voir \u2066note\u2069",
    }
    response = await client.post("/api/v1/partners", json=body, headers={**admin.headers, "Accept-Language": "fr"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "name"], "text_disallowed_character"),
        (["body", "city"], "text_bidi_control"),
        (["body", "contact_name"], "text_disallowed_character"),
        (["body", "notes"], "text_bidi_control"),
    ]
    assert [e["reason"] for e in problem["errors"]][:2] == [
        "ne doit pas contenir de caractères de contrôle (U+0007 en position 2 ; "
        "seuls la tabulation et les sauts de ligne sont acceptés)",
        "ne doit pas contenir de contrôle de direction du texte (U+202E en position 3 ; "
        "les marques de direction U+200E et U+200F sont acceptées)",
    ]
    assert problem["detail"].startswith("4 valeurs envoyées contiennent un caractère qui n'est pas accepté")
    assert "city" not in problem["detail"]  # the French detail names no API field
    english = await client.post("/api/v1/partners", json=body, headers={**admin.headers, "Accept-Language": "en"})
    assert "Body field city: must not contain bidirectional embeddings" in english.json()["detail"]
    listed = await client.get("/api/v1/partners", headers=admin.headers)
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_surrogate_pair_tab_and_line_breaks_are_accepted(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = b'{"code": "ABJ-9", "name": "Abidjan \\ud83d\\ude00\\tA\\r\\nB", "country": "CI", "city": "Abidjan", '
    body += b'"time_zone": "Africa/Abidjan"}'
    response = await client.post(
        "/api/v1/desks", content=body, headers={**admin.headers, "content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    # accepted by the request check; a desk's name is one line: the pasted TAB and line break are spaces
    assert response.json()["name"] == "Abidjan \U0001f600 A B"


async def test_json_keys_and_invalid_utf8_bodies_are_checked(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    headers = {**admin.headers, "content-type": "application/json"}
    key = await client.post("/api/v1/desks", content=b'{"co\\u0000de": "X"}', headers=headers)
    latin1 = await client.post(
        "/api/v1/desks", content='{"code": "ABJ-9", "name": "Abidjan é"}'.encode("latin-1"), headers=headers
    )
    assert (key.status_code, latin1.status_code) == (422, 422)
    assert latin1.json()["errors"][0]["type"] == "text_invalid_utf8"


@pytest.mark.parametrize(
    "query",
    [b"q=Nd%00iaye", b"q=Nd%1Biaye", b"q=Nd%C2%85iaye", b"q=Nd%ED%A0%80iaye", b"q=Nd%E9iaye", b"q%00=x"],
    ids=["nul", "esc", "c1", "cesu-surrogate", "latin1", "nul-in-name"],
)
async def test_a_refused_query_parameter_is_422(client, make_staff, query: bytes) -> None:
    agent = await make_staff("agent")
    response = await client.get("/api/v1/registrants?" + query.decode(), headers=agent.headers)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-failed"


async def test_a_refused_path_is_422(client, make_staff) -> None:
    agent = await make_staff("agent")
    response = await client.get("/api/v1/registrants/ab%00cd", headers=agent.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path"]


async def test_a_refused_url_encoded_form_field_is_422(client) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        content=b"username=a%1Bb%40example.org&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "username"]


@pytest.mark.parametrize("value", [b"a\x00b@example.org", b"a\x7fb@example.org", b"a\xffb@example.org"])
async def test_a_refused_multipart_form_field_is_422(client, value: bytes) -> None:
    """The login form sent as multipart (FastAPI accepts both) goes through the same rule."""
    body = b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n' + value + b"\r\n"
    body += b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n--b--\r\n'
    response = await client.post(
        "/api/v1/auth/token", content=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-failed"
    assert response.json()["errors"][0]["loc"] == ["body", "username"]


@pytest.mark.parametrize("header", ["user-agent", "idempotency-key"])
async def test_a_stored_header_with_a_control_character_is_422(client, make_staff, header: str) -> None:
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/desks", json={**DESK, "name": "Abidjan"}, headers={**admin.headers, header: "a\x01b"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", header]
    listed = (await client.get("/api/v1/desks", headers=admin.headers)).json()
    assert "ABJ-9" not in str(listed)


async def test_a_utf8_user_agent_is_accepted(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = "Bureau/1.0 (Sénégal €)".encode()
    response = await client.post(
        "/api/v1/desks",
        json={**DESK, "name": "Abidjan"},
        headers={**admin.headers, "user-agent": agent},
    )
    assert response.status_code == 201, response.text


async def test_a_json_body_sent_without_content_type_is_checked_too(client, make_staff) -> None:
    """FastAPI reads a body without Content-Type as JSON."""
    admin = await make_staff("admin", [])
    body = b'{"code": "ABJ-9", "name": "Abidjan \\u0000", "country": "CI", "city": "Abidjan", '
    body += b'"time_zone": "Africa/Abidjan"}'
    response = await client.post("/api/v1/desks", content=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
