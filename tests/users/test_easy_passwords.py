"""Staff passwords easy to guess are refused (NIST SP 800-63B §5.1.1.2; app.users.passwords)."""

import pytest
from sqlalchemy import func, select

from app.auth.models import StaffUser

GOOD = "mangrove pirogue lantern 47"


def _account(password: str, email: str = "awa.ndiaye@desk.example") -> dict[str, object]:
    return {
        "email": email,
        "full_name": "Awa Ndiaye",
        "role": "agent",
        "password": password,
        "desk_codes": ["CASA-BASE"],
    }


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaa",  # a repetition
        "0123456789",  # a run
        "azertyuiop",  # a keyboard row
        "password1234",  # a common password
        "motdepasse2026",  # the same in French, with a year
        "Casablanca2026",  # the desk's city
        "awa.ndiaye2026",  # the account's own e-mail
        "Ndiaye Awa 1990",  # the account's name
        "awa.ndiaye@desk.example",  # the e-mail itself: nothing left once its words are taken out (was a 500)
        "AwaNdiayeAwa",  # nothing but the name's words
    ],
)
async def test_an_easy_password_is_refused_at_its_field_in_both_languages_and_nothing_is_created(
    client, make_staff, sessionmaker, password: str
) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.post(
        "/api/v1/users", json=_account(password), headers={**admin.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "password"]
    assert "easy to guess" in error["reason"]
    french = await client.post(
        "/api/v1/users", json=_account(password), headers={**admin.headers, "Accept-Language": "fr"}
    )
    (error,) = french.json()["errors"]
    assert error["reason"].startswith("facile à deviner")
    async with sessionmaker() as session:
        assert (
            await session.execute(select(func.count()).where(StaffUser.email == "awa.ndiaye@desk.example"))
        ).scalar_one() == 0


async def test_a_phrase_of_uncommon_words_is_taken_and_signs_in(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.post("/api/v1/users", json=_account(GOOD), headers=admin.headers)
    assert response.status_code == 201, response.text
    login = await client.post("/api/v1/auth/token", data={"username": "awa.ndiaye@desk.example", "password": GOOD})
    assert login.status_code == 200


async def test_a_new_easy_password_is_refused_and_the_old_one_still_signs_in(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    created = await client.post("/api/v1/users", json=_account(GOOD), headers=admin.headers)
    user = created.json()
    response = await client.patch(
        f"/api/v1/users/{user['id']}",
        json={"password": "bbbbbbbbbbbb"},
        headers={**admin.headers, "If-Match": created.headers["etag"], "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "password"]
    login = await client.post("/api/v1/auth/token", data={"username": "awa.ndiaye@desk.example", "password": GOOD})
    assert login.status_code == 200
