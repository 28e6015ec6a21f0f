"""A phone the desk could not verify is compared by its last 9 digits at registration.

``0077 123 45 67`` is the Senegalese mobile ``+221 77 123 45 67`` typed with ``00`` and without
its country code: ``phonenumbers`` cannot validate it (no country 77), so it is kept unverified
(``e164`` null, digits ``00771234567``). Its last 9 digits are those of the verified number, and
of the Moroccan ``07 71 23 45 67`` (``+212771234567``) and the French ``+33 7 71 23 45 67`` too:
two verified numbers are one phone only in full, an unverified one agrees with any phone by its
last 9 digits, a weaker agreement (``last_digits``, reason ``same_phone_last_digits``, m 0.25
against 0.5) than two verified numbers' (``exact``, ``same_phone``).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from alembic import command

from tests.alembic_config import alembic_config
from tests.registrants.conftest import URL, person
from tests.registrants.test_spellings import _keys

UNVERIFIED = "0077 123 45 67"
SENEGAL = "+221 77 123 45 67"
MOROCCO = "07 71 23 45 67"  # +212771234567: the same last 9 digits, another country
FRANCE = "+33 7 71 23 45 67"


def _phone(candidate: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in candidate["comparisons"] if c["field"] == "phone"), None)


def _someone_else(phone: str, given: str = "Ibrahima", family: str = "Faye") -> dict[str, Any]:
    """Another person than :func:`person`'s (names, sex and birth year all different) with ``phone``."""
    return person(given_names=given, family_name=family, sex="male", date_of_birth="1970", phones=[{"number": phone}])


async def test_the_same_unverified_number_and_a_respelled_name_are_a_candidate(casa_agent, create) -> None:  # type: ignore[no-untyped-def]
    body = person(given_names="Mouhamadou", family_name="Ndiaye", sex="male", date_of_birth="1990",
                  phones=[{"number": UNVERIFIED}])  # fmt: skip
    first = (await create(casa_agent, body)).json()
    response = await create(
        casa_agent,
        person(given_names="Mamadou", family_name="N'Diaye", sex="male", date_of_birth="1990",
               phones=[{"number": "00-77-123-45-67"}]),
    )  # fmt: skip
    assert response.status_code == 409, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert candidate["reasons"] == ["name_variant", "same_family_name", "same_birth_year", "same_phone_last_digits"]
    phone = _phone(candidate)
    assert phone is not None
    assert (phone["level"], phone["m"]) == ("last_digits", 0.25)
    assert phone["weight"] == pytest.approx(math.log2(0.25 / phone["u"]), abs=0.01)


@pytest.mark.parametrize(("stored", "typed"), [(SENEGAL, UNVERIFIED), (UNVERIFIED, SENEGAL)])
async def test_a_verified_and_an_unverified_number_with_the_same_last_9_digits_are_one_phone(
    casa_agent, create, stored: str, typed: str
) -> None:  # type: ignore[no-untyped-def]
    """Either way round, shown whatever the names (as two files sharing a phone are)."""
    first = (await create(casa_agent, person(phones=[{"number": stored}]))).json()
    response = await create(casa_agent, _someone_else(typed))
    assert response.status_code == 409, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert candidate["reasons"] == ["different_birth_year", "different_sex", "same_phone_last_digits"]
    assert candidate["strength"] == "possible" and candidate["score"] < 0.2


async def test_an_unverified_number_weighs_one_bit_less_than_the_same_verified_one(casa_agent, create) -> None:  # type: ignore[no-untyped-def]
    """A file with the number verified and typed unverified; the same person registered again with
    the number verified (one phone agreement: the full one), then typed unverified: the same
    frequency of the number, half the m."""
    await create(casa_agent, person(phones=[{"number": SENEGAL}, {"number": UNVERIFIED}]))
    verified = await create(casa_agent, person(phones=[{"number": "77 123 45 67"}]))
    unverified = await create(casa_agent, person(phones=[{"number": UNVERIFIED}]))
    (same,) = verified.json()["candidates"]
    (weaker,) = unverified.json()["candidates"]
    phones = [[c for c in candidate["comparisons"] if c["field"] == "phone"] for candidate in (same, weaker)]
    assert [len(found) for found in phones] == [1, 1]
    exact, last_digits = _phone(same), _phone(weaker)
    assert exact is not None and last_digits is not None
    assert (exact["level"], exact["m"], last_digits["level"], last_digits["m"]) == ("exact", 0.5, "last_digits", 0.25)
    assert exact["u"] == last_digits["u"]  # one registrant with a phone ending so, one with the number
    assert exact["weight"] - last_digits["weight"] == pytest.approx(1.0, abs=0.01)
    assert same["match_weight"] - weaker["match_weight"] == pytest.approx(1.0, abs=0.02)
    assert "same_phone" in same["reasons"] and "same_phone_last_digits" not in same["reasons"]


@pytest.mark.parametrize("typed", ["\u0660\u0660\u0667\u0667 \u0661\u0662\u0663 \u0664\u0665 \u0666\u0667",
                                   "\u200e0077\u00a0123\u201145\u201167\u202c", "(00) 77.123.45.67"])  # fmt: skip
async def test_an_unverified_number_pasted_or_typed_in_arabic_digits_is_the_same(casa_agent, create, typed) -> None:  # type: ignore[no-untyped-def]
    first = (await create(casa_agent, person(phones=[{"number": UNVERIFIED}]))).json()
    response = await create(casa_agent, _someone_else(typed))
    assert response.status_code == 409, response.text
    assert [(c["id"], c["reasons"][-1]) for c in response.json()["candidates"]] == [
        (first["id"], "same_phone_last_digits")
    ]


async def test_an_unverified_number_is_compared_with_verified_ones_of_any_country_they_not_with_each_other(
    casa_agent, create
) -> None:  # type: ignore[no-untyped-def]
    """Senegal's, Morocco's and France's numbers end alike: three phones, each another person's; the
    unverified number may be any of them."""
    files = [(await create(casa_agent, person(phones=[{"number": SENEGAL}]))).json()]
    for number, given, family in ((MOROCCO, "Coumba", "Sow"), (FRANCE, "Pape", "Diouf")):
        created = await create(casa_agent, _someone_else(number, given, family))
        assert created.status_code == 201, created.text  # nothing but the ends in common
        files.append(created.json())
    response = await create(casa_agent, _someone_else(UNVERIFIED))
    assert response.status_code == 409, response.text
    found = {c["id"]: c["reasons"][-1] for c in response.json()["candidates"]}
    assert found == {f["id"]: "same_phone_last_digits" for f in files}


@pytest.mark.parametrize(
    "typed",
    [
        "0077 123 45 68",  # another number
        "1234567",  # the last 7 digits only: not the same last 9
        "77 123 45 6",  # a digit missing
        "0077 123 45 670",  # a digit too many: its last 9 are others
    ],
)
async def test_other_last_digits_are_not_the_same_phone(casa_agent, create, typed) -> None:  # type: ignore[no-untyped-def]
    stored = (await create(casa_agent, person(phones=[{"number": UNVERIFIED}]))).json()
    other = await create(casa_agent, _someone_else(typed, "Coumba", "Sow"))
    assert other.status_code == 201, other.text
    response = await create(casa_agent, _someone_else(SENEGAL))  # the stored number's last 9 digits
    assert [c["id"] for c in response.json()["candidates"]] == [stored["id"]]


async def test_an_unverified_number_added_by_an_update_is_compared(casa_agent, create, client) -> None:  # type: ignore[no-untyped-def]
    first = (await create(casa_agent, person())).json()
    patched = await client.patch(
        f"{URL}/{first['id']}",
        json={"phones": [{"number": UNVERIFIED}]},
        headers={**casa_agent.headers, "If-Match": '"v1"'},
    )
    assert patched.status_code == 200, patched.text
    response = await create(casa_agent, _someone_else(SENEGAL))
    assert [(c["id"], c["reasons"][-1]) for c in response.json()["candidates"]] == [
        (first["id"], "same_phone_last_digits")
    ]
    removed = await client.patch(
        f"{URL}/{first['id']}", json={"phones": []}, headers={**casa_agent.headers, "If-Match": '"v2"'}
    )
    assert removed.status_code == 200, removed.text
    assert (await create(casa_agent, _someone_else(SENEGAL))).status_code == 201  # its keys went with it


async def test_another_desks_unverified_number_is_not_a_candidate(casa_agent, dakar_agent, create) -> None:  # type: ignore[no-untyped-def]
    await create(dakar_agent, person(phones=[{"number": UNVERIFIED}]))
    own = (await create(casa_agent, person(given_names="Awa", phones=[{"number": UNVERIFIED}]))).json()
    response = await create(casa_agent, _someone_else(SENEGAL))
    assert [c["id"] for c in response.json()["candidates"]] == [own["id"]]


async def test_upgrade_to_3101_keys_the_phones_stored_before_it(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:  # type: ignore[no-untyped-def]
    both = (await create(casa_agent, person(phones=[{"number": SENEGAL}, {"number": UNVERIFIED}]))).json()
    moroccan = (
        await create(casa_agent, _someone_else(MOROCCO, "Coumba", "Sow"), confirm=True)
    ).json()  # a phone of both's?
    none = (await create(casa_agent, _someone_else("", "Pape", "Diouf") | {"phones": []})).json()
    people = (both, moroccan, none)
    current = {p["id"]: await _keys(sessionmaker, p["id"]) for p in people}
    assert [{v for k, v in current[p["id"]] if k == "p"} for p in people] == [{"771234567"}, {"771234567"}, set()]
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "3001")  # to the revision before 3101
    assert [await _keys(sessionmaker, p["id"]) for p in people] == [
        {k for k in current[p["id"]] if k[0] not in ("p", "gfn", "gfyx")} for p in people
    ]  # the keys as the code before it left them (and before 3201's)
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    assert [await _keys(sessionmaker, p["id"]) for p in people] == [current[p["id"]] for p in people]
    response = await create(casa_agent, _someone_else("0077 123-45-67", "Modou", "Gueye"))
    assert {c["id"]: c["reasons"][-1] for c in response.json()["candidates"]} == {
        both["id"]: "same_phone_last_digits",
        moroccan["id"]: "same_phone_last_digits",
    }
