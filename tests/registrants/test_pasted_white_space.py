"""White space pasted with a one-line text (a TAB from a spreadsheet, a line break, a no-break
space) is one ordinary space, the ends trimmed, in what is stored, shown in the history and
compared for duplicates; a name of white space only is "required" (type ``missing``) as an empty
one is; another control character is refused naming it; notes keep their lines.

Runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.registrants.conftest import URL, person


async def test_a_name_pasted_with_a_tab_is_stored_with_one_space(casa_agent, create, client) -> None:
    response = await create(
        casa_agent,
        person(
            given_names="Cheikh Ahmadou\tBamba",  # two cells of a spreadsheet row
            family_name="\u00a0Mbacké\r\n",
            place_of_birth="Touba\n Diourbel",
            occupation="Commerçant\u202f\u2003ambulant",
            host_city="Casablanca\t",
            phones=[{"number": "06 12 34 56 78", "label": "mobile\tperso"}],
        ),
    )
    assert response.status_code == 201, response.text
    record = response.json()
    read = (await client.get(f"{URL}/{record['id']}", headers=casa_agent.headers)).json()
    assert [read[f] for f in ("given_names", "family_name", "place_of_birth", "occupation", "host_city")] == [
        "Cheikh Ahmadou Bamba", "Mbacké", "Touba Diourbel", "Commerçant ambulant", "Casablanca",
    ]  # fmt: skip
    assert read["phones"][0]["label"] == "mobile perso"
    history = (await client.get(f"{URL}/{record['id']}/history", headers=casa_agent.headers)).json()
    assert {"field": "given_names", "before": None, "after": "Cheikh Ahmadou Bamba"} in history[-1]["changes"]


async def test_a_name_changed_with_pasted_white_space_is_stored_and_shown_cleaned(casa_agent, create, client) -> None:
    created = await create(casa_agent, person(given_names="Cheikh", family_name="Mbacké"))
    changed = await client.patch(
        f"{URL}/{created.json()['id']}",
        json={"given_names": "Cheikh\tAhmadou\u00a0\u00a0Bamba "},
        headers={**casa_agent.headers, "If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["given_names"] == "Cheikh Ahmadou Bamba"
    history = (await client.get(f"{URL}/{created.json()['id']}/history", headers=casa_agent.headers)).json()
    assert history[0]["changes"] == [{"field": "given_names", "before": "Cheikh", "after": "Cheikh Ahmadou Bamba"}]


async def test_the_duplicate_check_sees_the_cleaned_name(casa_agent, create) -> None:
    first = await create(casa_agent, person(given_names="Cheikh Ahmadou Bamba", family_name="Mbacké"))
    assert first.status_code == 201, first.text
    again = await create(casa_agent, person(given_names="Cheikh\tAhmadou\nBamba", family_name="Mbacké\u00a0"))
    assert again.status_code == 409, again.text
    assert [c["id"] for c in again.json()["candidates"]] == [first.json()["id"]]


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t", "\r\n", "\u00a0\u2003", "\u200b"])
async def test_a_name_of_white_space_only_is_required_like_an_empty_one(casa_agent, create, count_rows, blank) -> None:
    before = await count_rows()
    response = await create(casa_agent, person(given_names=blank))
    assert response.status_code == 422, response.text
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [(["body", "given_names"], "missing")]
    assert await count_rows() == before


@pytest.mark.parametrize(("sent", "code"), [("Awa\u0007", "U+0007"), ("A\u0000wa", "U+0000"), ("\u001bAwa", "U+001B")])
async def test_another_control_character_in_a_name_is_refused_naming_it(
    casa_agent, create, client, count_rows, sent, code
) -> None:
    """A guard: refused before and after white space became spaces, with the character named in
    English and in French."""
    before = await count_rows()
    english = await client.post(
        URL, json=person(given_names=sent), headers={**casa_agent.headers, "Accept-Language": "en"}
    )
    french = await client.post(
        URL, json=person(given_names=sent), headers={**casa_agent.headers, "Accept-Language": "fr"}
    )
    assert (english.status_code, french.status_code) == (422, 422)
    assert code in english.json()["detail"] and "character" in english.json()["detail"]
    assert code in french.json()["detail"] and "caractère" in french.json()["detail"]
    assert english.json()["errors"][0]["loc"][-1] == "given_names"
    assert await count_rows() == before


async def test_notes_keep_their_lines_and_tabs(casa_agent, create) -> None:
    response = await create(casa_agent, person(notes="Rendez-vous :\n\t- lundi\n\t- jeudi"))
    assert response.status_code == 201, response.text
    assert response.json()["notes"] == "Rendez-vous :\n\t- lundi\n\t- jeudi"
