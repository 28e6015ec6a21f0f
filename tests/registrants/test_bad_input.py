"""Bad input on registrants: the exact problem type, and nothing written (rows counted)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from tests.registrants.conftest import URL, person

ZERO = {"registrants": 0, "phones": 0, "documents": 0, "consents": 0, "audit_writes": 0}


async def test_malformed_json_is_400_malformed_body(casa_agent, client, count_rows) -> None:
    response = await client.post(
        URL,
        content=b'{"given_names": "Awa", "family_name": ',
        headers={**casa_agent.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/malformed-body"
    assert await count_rows() == ZERO


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b"[" * 5000 + b"]" * 5000, None),
        (b"[" * 5000 + b"]" * 5000, "nested-5000"),
        (b'{"given_names": ' + b"[" * 64 + b"]" * 64 + b"}", None),
    ],
    ids=["5000-arrays", "5000-arrays-with-idempotency-key", "65-levels"],
)
async def test_a_body_nested_past_64_levels_is_400_naming_the_limit(casa_agent, client, count_rows, body, key) -> None:
    # 5,000 arrays deep answered « Le corps de la requête est illisible. », no reason given (Python's
    # json reader stopped at its recursion limit); 65 levels were read, and refused as a field.
    headers = {**casa_agent.headers, "Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})}
    response = await client.post(URL, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["max_depth"]) == ("/problems/malformed-body", 64)
    assert problem["detail"] == (
        "Le corps de la requête imbrique des listes ou des objets sur plus de 64 niveaux, le maximum accepté."
    )
    assert problem["errors"][0]["type"] == "too_deep"
    assert await count_rows() == ZERO


async def test_brackets_inside_strings_nest_nothing(casa_agent, create) -> None:
    response = await create(casa_agent, person(host_city="[" * 30 + "{" * 30 + '\\"[' * 18))
    assert response.status_code == 201, response.text


async def test_languages_of_the_desks_are_known(casa_agent, create) -> None:
    body = person(languages=["wo", "ff", "srr", "dyo", "snk", "fr-SN", "ar"])  # Wolof, Pulaar, Serer, Jola, Soninke
    response = await create(casa_agent, body)
    assert response.status_code == 201, response.text
    assert response.json()["languages"] == body["languages"]


async def test_a_language_said_twice_is_kept_once_in_its_canonical_case(casa_agent, create, client) -> None:
    # RFC 5646 §2.1.1: region upper case, script title case; the first mention keeps its place
    body = person(languages=["wo", "fr-sn", "wo", "fr-SN", "ar-arab"])
    response = await create(casa_agent, body)
    assert response.status_code == 201, response.text
    assert response.json()["languages"] == ["wo", "fr-SN", "ar-Arab"]
    url = f"{URL}/{response.json()['id']}"
    patched = await client.patch(
        url,
        json={"languages": ["ff", "ff", "wo"]},
        headers={**casa_agent.headers, "If-Match": response.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["languages"] == ["ff", "wo"]
    assert (await client.get(url, headers=casa_agent.headers)).json()["languages"] == ["ff", "wo"]


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        (person(phones=[{"number": 771234567}]), ["body", "phones", "0", "number"], "string_type"),
        (person(date_of_birth="2023-02-30"), ["body", "date_of_birth"], "value_error"),
        (person(date_of_birth="1994-13"), ["body", "date_of_birth"], "value_error"),
        (person(date_of_birth="2999-01-01"), ["body", "date_of_birth"], "date_in_future"),
        (person(family_name="N" * 201), ["body", "family_name"], "string_too_long"),
        (person(occupation="x" * 201), ["body", "occupation"], "string_too_long"),
        (person(family_name="   "), ["body", "family_name"], "missing"),  # "required", as an empty name
        (person(sex="f"), ["body", "sex"], "literal_error"),
        (person(nationality="XX"), ["body", "nationality"], "value_error"),
        (person(email="awa@"), ["body", "email"], "value_error"),
        (person(given_names=12), ["body", "given_names"], "string_type"),
        (person(languages=["xx"]), ["body", "languages", "0"], "unknown_language"),  # was stored
        (person(languages=["wo", "zz-SN"]), ["body", "languages", "1"], "unknown_language"),
        (person(consents=[{"purpose": "partner_referral", "granted": True, "channel": "in_person",
                           "notice_version": "1", "language": "fr"}]), ["body", "consents", "0"], "value_error"),
        (person(consents=[{"purpose": "contact_email", "granted": True, "channel": "in_person",
                           "notice_version": "1", "language": "fr", "partner_name": "OIM"}]),
         ["body", "consents", "0"], "value_error"),  # was stored: a partner on a consent to e-mails
        # a partner named by invisible characters only is no partner (its folded name is empty)
        (person(consents=[{"purpose": "partner_referral", "granted": True, "channel": "in_person",
                           "notice_version": "1", "language": "fr", "partner_name": "\u200b\u3164"}]),
         ["body", "consents", "0"], "value_error"),
        (person(consents=[{"purpose": "statistics", "granted": True, "channel": "in_person",
                           "notice_version": "   ", "language": "fr"}]),
         ["body", "consents", "0", "notice_version"], "missing"),
        (person(consents=[{"purpose": "statistics", "granted": True, "channel": "in_person",
                           "notice_version": "\u200f\u2060", "language": "fr"}]),
         ["body", "consents", "0", "notice_version"], "missing"),
    ],
)  # fmt: skip
async def test_invalid_fields_are_422_validation_failed(casa_agent, create, count_rows, body, loc, kind) -> None:
    response = await create(casa_agent, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-failed"
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)]
    assert await count_rows() == ZERO


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (person(nickname="Fafa"), ["body", "nickname"]),
        (person(phones=[{"number": "0612345678", "carrier": "Orange"}]), ["body", "phones", "0", "carrier"]),
    ],
)
async def test_a_field_the_operation_does_not_take_is_422_field_not_applicable(
    casa_agent, create, count_rows, body, loc
) -> None:
    """README, API conventions: a field the operation does not take answers 422
    ``field-not-applicable`` naming it, type ``not_applicable`` (it answered ``validation-failed``,
    type ``extra_forbidden``)."""
    response = await create(casa_agent, body)
    problem = response.json()
    assert (response.status_code, problem["type"], problem["field"]) == (
        422,
        "/problems/field-not-applicable",
        ".".join(loc[1:]),
    )
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, "not_applicable")]
    assert await count_rows() == ZERO


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        (person(phones=[{"number": "0612345678"}, {"number": "06 12"}]), ["body", "phones", "1", "number"],
         "phone_invalid"),
        (person(phones=[{"number": "call me"}]), ["body", "phones", "0", "number"], "phone_invalid"),
        (person(documents=[{"doc_type": "passport", "number": "A1"}]), ["body", "documents", "0", "number"],
         "document_number_invalid"),
        (person(origin_region="Atlantis"), ["body", "origin_region"], "area_unknown"),
        (person(origin_region="Dakar", origin_departement="Mbour"), ["body", "origin_departement"], "area_mismatch"),
        # one number twice, saying two things: which one holds is not ours to guess
        (person(phones=[{"number": "+212612345678", "label": "home"},
                        {"number": "06 12 34 56 78", "whatsapp": True, "label": "mobile"}]),
         ["body", "phones", "1"], "phone_repeated"),
        (person(documents=[{"doc_type": "passport", "number": "E1234567", "issuing_country": "SN"},
                           {"doc_type": "passport", "number": "e-123-4567", "issuing_country": "MA"}]),
         ["body", "documents", "1"], "document_repeated"),
        (person(documents=[{"doc_type": "passport", "number": "E1234567", "expires_on": "2030-01-01"},
                           {"doc_type": "passport", "number": "E1234567", "expires_on": "2020-01-01"}]),
         ["body", "documents", "1"], "document_repeated"),
    ],
)  # fmt: skip
async def test_unparseable_values_are_422_and_nothing_written(casa_agent, create, count_rows, body, loc, kind) -> None:
    response = await create(casa_agent, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-failed"
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(loc, kind)]
    assert await count_rows() == ZERO


async def test_a_phone_or_document_sent_twice_is_stored_once_with_all_it_said(casa_agent, create) -> None:
    """Sent again, a phone or document adds what its first mention left out (a WhatsApp flag, a
    label, an issuing country, an expiry date); only two different values of one detail are a 422."""
    body = person(
        phones=[{"number": "+212612345678", "label": "home"}, {"number": "06 12 34 56 78", "whatsapp": True}],
        documents=[{"doc_type": "passport", "number": "E1234567", "issuing_country": "SN"},
                   {"doc_type": "passport", "number": "e 123 4567", "expires_on": "2030-01-01"}],
    )  # fmt: skip
    response = await create(casa_agent, body, confirm=True)
    assert response.status_code == 201, response.text
    read = response.json()
    assert [(p["e164"], p["whatsapp"], p["label"]) for p in read["phones"]] == [("+212612345678", True, "home")]
    assert [(d["number"], d["issuing_country"], d["expires_on"]) for d in read["documents"]] == [
        ("E1234567", "SN", "2030-01-01")
    ]


async def test_bad_patch_changes_nothing(casa_agent, create, client) -> None:
    created = (await create(casa_agent, person(phones=[{"number": "0612345678"}]))).json()
    headers = {**casa_agent.headers, "If-Match": '"v1"'}
    for body in ({"phones": [{"number": 612345678}]}, {"phones": [{"number": "06"}]}, {"given_names": None},
                 {"unknown": 1}, {"date_of_birth": "2023-02-30"}):  # fmt: skip
        response = await client.patch(f"{URL}/{created['id']}", json=body, headers=headers)
        assert response.status_code == 422, body
        kind = "field-not-applicable" if "unknown" in body else "validation-failed"
        assert response.json()["type"] == f"/problems/{kind}"
    after = await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)
    assert after.headers["etag"] == '"v1"'
    assert after.json()["phones"][0]["e164"] == "+212612345678"


async def test_invalid_cursor_and_naive_datetime_filter(casa_agent, client) -> None:
    bad_cursor = await client.get(URL, params={"cursor": "not-a-cursor"}, headers=casa_agent.headers)
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["type"] == "/problems/bad-request"
    naive = await client.get(URL, params={"created_from": "2026-01-01T00:00:00"}, headers=casa_agent.headers)
    assert naive.status_code == 422
    assert naive.json()["type"] == "/problems/validation-failed"


async def test_unknown_registrant_is_404_and_bad_id_is_422(casa_agent, client) -> None:
    missing = await client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=casa_agent.headers)
    assert missing.status_code == 404
    bad = await client.get(f"{URL}/not-a-uuid", headers=casa_agent.headers)
    assert bad.status_code == 422


async def test_no_token_is_401(client) -> None:
    response = await client.post(URL, json=person())
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthorized"


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"family_name": "Ab\x07c"}, "family_name"),
        ({"given_names": "\u0301"}, "given_names"),
        ({"family_name": "\u200b"}, "family_name"),
        ({"given_names": "\u3164"}, "given_names"),  # Hangul filler: a "letter" (Lo) that shows nothing
        ({"family_name": "\uffa0\u034f"}, "family_name"),  # halfwidth filler, combining grapheme joiner
        ({"family_name": "ـــ"}, "family_name"),  # tatweel alone: a stretched line, no letter
        ({"name_arabic": "😀"}, "name_arabic"),
        ({"name_arabic": "ـ\u064b"}, "name_arabic"),  # tatweel and a lone haraka
        ({"arrival_date": "2999-01-01"}, "arrival_date"),
        ({"arrival_date": "1066-10-14"}, "arrival_date"),
    ],
)
async def test_names_without_letters_and_impossible_arrival_dates_are_422(
    casa_agent, create, count_rows, overrides, loc
) -> None:
    before = await count_rows()
    response = await create(casa_agent, person(**overrides), confirm=True)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == loc
    assert await count_rows() == before


async def test_arrival_before_birth_is_422_at_the_arrival_date_with_its_reason(casa_agent, create, client) -> None:
    response = await client.post(
        URL,
        json=person(date_of_birth="1994-03", arrival_date="1994-02-01"),
        params={"confirm_duplicates": "true"},
        headers={**casa_agent.headers, "Accept-Language": "fr"},
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["loc"], error["reason"]) == (
        ["body", "arrival_date"],
        "la date d'arrivée ne peut pas précéder la date de naissance",
    )
    same_month = await create(casa_agent, person(date_of_birth="1994-03", arrival_date="1994-03-05"), confirm=True)
    assert same_month.status_code == 201, same_month.text


@pytest.mark.parametrize(
    ("stored", "change", "field"),
    [
        ({"date_of_birth": "1990-05-14"}, {"arrival_date": "1985-03-01"}, "arrival_date"),
        ({"arrival_date": "2015-09-01"}, {"date_of_birth": "2016"}, "date_of_birth"),
        ({"date_of_birth": "1990", "arrival_date": "2015-09-01"}, {"date_of_birth": "2015-10-02"}, "date_of_birth"),
        ({"date_of_birth": "1990"}, {"date_of_birth": "2001", "arrival_date": "2000-01-01"}, "arrival_date"),
    ],
)
async def test_an_edit_putting_the_arrival_before_the_birth_is_422_naming_the_field_sent(
    casa_agent, create, client, stored, change, field
) -> None:
    """A PATCH is checked against the file's stored dates: the one it sends is the one named."""
    created = (await create(casa_agent, person(**stored), confirm=True)).json()
    headers = {**casa_agent.headers, "If-Match": '"v1"', "Accept-Language": "en"}
    patched = await client.patch(f"{URL}/{created['id']}", json=change, headers=headers)
    assert patched.status_code == 422, patched.text
    [error] = patched.json()["errors"]
    assert (error["loc"], error["reason"]) == (["body", field], "the arrival date cannot be before the date of birth")
    read = (await client.get(f"{URL}/{created['id']}", headers=casa_agent.headers)).json()
    assert (read["version"], read["date_of_birth"], read["arrival_date"]) == (
        1,
        created["date_of_birth"],
        created["arrival_date"],
    )


async def test_bidi_overrides_are_removed_from_names(casa_agent, create) -> None:
    response = await create(casa_agent, person(family_name="\u202eDiop"), confirm=True)
    assert response.status_code == 201
    assert response.json()["family_name"] == "Diop"


async def test_invisible_characters_are_removed_from_every_name_field(casa_agent, create, client) -> None:
    """Names and the name in Arabic script follow one rule: invisible characters (format
    characters, fillers, variation selectors) are removed, so the stored name is what is seen and
    is found under it; a name in Arabic script of nothing visible is no name (null)."""
    response = await create(
        casa_agent,
        person(given_names="\u3164Fatou\ufe0f", family_name="Diop\uffa0", name_arabic="\u200fفاطمة\u200d ديوب\u034f"),
        confirm=True,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["given_names"], created["family_name"], created["name_arabic"]) == ("Fatou", "Diop", "فاطمة ديوب")
    for q in ("Fatou Diop", "Fatou\u3164 Diop\ufe0f", "\u034fفاطمة"):
        found = await client.get(URL, params={"q": q}, headers=casa_agent.headers)
        assert [r["id"] for r in found.json()["items"]] == [created["id"]], q
    headers = {**casa_agent.headers, "If-Match": '"v1"'}
    patched = await client.patch(f"{URL}/{created['id']}", json={"name_arabic": "\u200f\u3164"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["name_arabic"] is None


@pytest.mark.parametrize("invisible", ["\u200b", "\u3164", " \u200f\u200e ", "\ufe0f", "\u2060", "\u00ad"])
async def test_optional_text_of_nothing_visible_is_no_text(casa_agent, create, client, invisible: str) -> None:
    """A place of birth, occupation, city or note of invisible characters only is stored as no
    value (null), as a name in Arabic script is: it would show nothing, and find nothing."""
    fields = ("place_of_birth", "occupation", "host_city", "notes")
    response = await create(casa_agent, person(**dict.fromkeys(fields, invisible)), confirm=True)
    assert response.status_code == 201, response.text
    read = (await client.get(f"{URL}/{response.json()['id']}", headers=casa_agent.headers)).json()
    assert {name: read[name] for name in fields} == dict.fromkeys(fields)
    headers = {**casa_agent.headers, "If-Match": '"v1"'}
    patched = await client.patch(f"{URL}/{read['id']}", json={"occupation": "Tailleur\u200b"}, headers=headers)
    assert (patched.status_code, patched.json()["occupation"]) == (200, "Tailleur\u200b")  # visible text is kept


async def test_empty_patch_changes_nothing_and_keeps_the_etag(casa_agent, create, client, audit_events) -> None:
    created = (await create(casa_agent, person())).json()
    response = await client.patch(f"{URL}/{created['id']}", json={}, headers={**casa_agent.headers, "If-Match": '"v1"'})
    assert response.status_code == 200
    assert response.headers["etag"] == '"v1"'
    assert await audit_events(created["id"], "registrant.update") == []


_REGISTRANTS = "list:registrants.created_at,registrants.id"


@pytest.mark.parametrize(
    "values",
    [
        [{"t": "2026-12-01T03:11:44+00:00"}, {"u": 5}],  # an id that is not a string
        [{"t": "2026-12-01T03:11:44+00:00"}, {"u": []}],
        [{"t": 5}, {"u": "00000000-0000-4000-8000-000000000000"}],
        [{"t": "0001-01-01T00:00:00+01:00"}, {"u": "00000000-0000-4000-8000-000000000000"}],  # before year 1 in UTC
        [{"t": "9999-12-31T23:59:59-05:00"}, {"u": "00000000-0000-4000-8000-000000000000"}],  # after year 9999
    ],
)
async def test_a_forged_cursor_is_a_bad_request(values: list[Any], casa_agent, client, seal_cursor) -> None:  # type: ignore[no-untyped-def]
    """Even sealed with the app's key (as it never would), values no cursor holds are refused."""
    cursor = seal_cursor({"k": values}, _REGISTRANTS)
    response = await client.get(URL, params={"cursor": cursor}, headers=casa_agent.headers)
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/bad-request"


@pytest.mark.parametrize("written", ["+00:00", "+14:00", "-05:00", ""])
async def test_a_cursor_time_means_the_same_instant_whatever_its_offset(
    written: str, casa_agent, create, client, seal_cursor
) -> None:  # type: ignore[no-untyped-def]
    for given in ("Awa", "Khady", "Coumba"):
        assert (await create(casa_agent, person(given_names=given), confirm=True)).status_code == 201
    first = await client.get(URL, params={"limit": 1}, headers=casa_agent.headers)
    last_time, last_id = json.loads(base64.urlsafe_b64decode(first.json()["next_cursor"] + "=="))["k"]
    at = dt.datetime.fromisoformat(last_time["t"])
    shifted = at.astimezone(dt.timezone(dt.timedelta(hours=int(written[:3])))) if written else at.replace(tzinfo=None)
    cursor = seal_cursor({"k": [{"t": shifted.isoformat()}, last_id]}, _REGISTRANTS)
    rest = await client.get(URL, params={"cursor": cursor, "limit": 10}, headers=casa_agent.headers)
    assert rest.status_code == 200
    assert [r["given_names"] for r in rest.json()["items"]] == ["Khady", "Awa"]


@pytest.mark.parametrize(
    ("overrides", "loc", "reason"),
    [
        (
            {"date_of_birth": "1899-05-01"},
            ["body", "date_of_birth"],
            "« 1899-05-01 » : avant 1900, une date à partir de 1900 est attendue",
        ),
        (
            {"phones": [{"number": "06 12 A4 56 78"}]},
            ["body", "phones", "0", "number"],
            "« 06 12 A4 56 78 » n'est pas un numéro de téléphone : un numéro ne contient que des chiffres, "
            "des espaces et les signes + ( ) . - /",
        ),
        (
            {"documents": [{"doc_type": "passport", "number": "A01234567", "expires_on": "1899-12-31"}]},
            ["body", "documents", "0", "expires_on"],
            "avant 1900 : une date à partir de 1900 est attendue",
        ),
    ],
)
async def test_a_refused_birth_date_phone_or_expiry_says_why_in_words(
    casa_agent, client, count_rows, overrides, loc, reason
) -> None:
    before = await count_rows()
    response = await client.post(
        URL, json=person(**overrides), params={"confirm_duplicates": "true"},
        headers={**casa_agent.headers, "Accept-Language": "fr"},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["reason"]) for e in response.json()["errors"]] == [(loc, reason)]
    assert await count_rows() == before
