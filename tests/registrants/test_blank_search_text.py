"""A search text (``q``, ``city``) that holds nothing to search by once normalised — invisible
characters (U+3164 Hangul filler, U+200B, variation selectors), tatweel, marks or punctuation
alone — answers 422 naming the parameter, white space alone included (``q=%20%20%20``: the
search box's spaces are nothing to search by, as a zero-width space is); a ``q`` given empty
(``?q=``, a form's field left empty) lists as if absent.

Before: ``q`` of invisible characters normalised to nothing and the search listed everyone; a
``q`` of tatweel or punctuation, or a ``city`` of invisible characters, silently found no one.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.registrants.conftest import URL, person

NOTHING_TO_SEARCH = [
    pytest.param("\u3164", id="hangul-filler"),
    pytest.param("\u200b\u200b", id="zero-width-spaces"),
    pytest.param("\ufe0f", id="variation-selector"),
    pytest.param("\u200f\u3164\u200e", id="direction-marks-and-filler"),
    pytest.param("\u0640\u0640", id="tatweel"),
    pytest.param("\u064b", id="arabic-mark"),
    pytest.param("' -", id="punctuation"),
    pytest.param("   ", id="spaces"),
    pytest.param("\u00a0\t\u3000", id="nbsp-tab-ideographic-space"),
]


@pytest.fixture
async def registered(casa_agent: Any, create: Any) -> str:
    response = await create(casa_agent, person())
    assert response.status_code == 201
    return str(response.json()["id"])


@pytest.mark.parametrize("text", NOTHING_TO_SEARCH)
async def test_a_q_with_nothing_to_search_by_is_refused(
    client: httpx.AsyncClient, casa_agent: Any, registered: str, text: str
) -> None:
    response = await client.get(URL, params={"q": text}, headers={**casa_agent.headers, "Accept-Language": "en"})
    body = response.json()
    assert (response.status_code, body["type"]) == (422, "/problems/validation-failed")
    assert body["errors"] == [
        {
            "loc": ["query", "q"],
            "msg": "Nothing to search by once invisible characters, marks and punctuation are set aside.",
            "type": "blank_after_normalisation",
        }
    ]


@pytest.mark.parametrize("text", NOTHING_TO_SEARCH)
async def test_a_city_with_nothing_to_search_by_is_refused(
    client: httpx.AsyncClient, casa_agent: Any, registered: str, text: str
) -> None:
    response = await client.get(URL, params={"city": text}, headers=casa_agent.headers)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "city"]]


async def test_an_empty_q_lists_as_if_absent(client: httpx.AsyncClient, casa_agent: Any, registered: str) -> None:
    response = await client.get(URL, params={"q": ""}, headers=casa_agent.headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [registered]


async def test_a_q_of_spaces_is_refused_in_french_as_nothing_to_search(
    client: httpx.AsyncClient, casa_agent: Any, registered: str
) -> None:
    response = await client.get(f"{URL}?q=%20%20%20", headers={**casa_agent.headers, "Accept-Language": "fr"})
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "La recherche ne contient ni lettre ni chiffre : tapez un nom, un numéro ou un téléphone.",
    )


@pytest.mark.parametrize("text", ["\u200bFatou\u3164", "N\u0640diaye", "\ufe0f+212 6\u200b12"])
async def test_invisible_characters_around_a_search_are_set_aside(
    client: httpx.AsyncClient, casa_agent: Any, registered: str, text: str
) -> None:
    response = await client.get(URL, params={"q": text}, headers=casa_agent.headers)
    assert response.status_code == 200
