"""Passwords are compared in Unicode NFKC (NIST SP 800-63B §5.1.1.2: verifiers should apply NFKC or
NFKD normalisation, UAX #15, before hashing), on set and on check; hashes stored before that keep
working and are replaced by the normalised hash at the next login (no migration).

"é" is U+00E9 precomposed (NFC, what most keyboards send) or U+0065 U+0301 decomposed (NFD, what
some devices send); both are the same password.
"""

from __future__ import annotations

import unicodedata

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select

from app.auth.models import StaffUser
from app.core.security import check_password, hash_password

NFC = "Mot de passe café été"
NFD = unicodedata.normalize("NFD", NFC)
assert NFC != NFD and "\u00e9" in NFC and "e\u0301" in NFD


async def _login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def _hash_of(sessionmaker, user_id) -> str:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        return (await session.execute(select(StaffUser.password_hash).where(StaffUser.id == user_id))).scalar_one()


async def _set_hash(sessionmaker, user_id, value: str) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        user = await session.get(StaffUser, user_id)
        assert user is not None
        user.password_hash = value
        await session.commit()


async def test_password_set_in_nfc_is_accepted_in_nfd_and_nfc(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    body = {"email": "aminata@desk.example", "full_name": "Aminata", "role": "agent", "password": NFC}
    created = await client.post("/api/v1/users", json={**body, "desk_codes": ["CASA-BASE"]}, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert (await _login(client, "aminata@desk.example", NFD)).status_code == 200
    assert (await _login(client, "aminata@desk.example", NFC)).status_code == 200


async def test_password_changed_in_nfd_is_accepted_in_nfc(client, make_staff) -> None:
    admin = await make_staff("admin", [])
    agent = await make_staff("agent")
    changed = await client.patch(
        f"/api/v1/users/{agent.id}", json={"password": NFD}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (await _login(client, agent.email, NFC)).status_code == 200


async def test_another_password_is_still_refused(client, make_staff) -> None:
    agent = await make_staff("agent")
    assert (await _login(client, agent.email, NFC)).status_code == 401


async def test_a_hash_stored_before_normalisation_works_and_is_rehashed(client, make_staff, sessionmaker) -> None:
    """The previous code hashed the text as sent (here NFD); the next login moves it to NFKC."""
    agent = await make_staff("agent")
    legacy = PasswordHasher().hash(NFD)
    await _set_hash(sessionmaker, agent.id, legacy)
    assert (await _login(client, agent.email, NFD)).status_code == 200
    rehashed = await _hash_of(sessionmaker, agent.id)
    assert rehashed != legacy
    assert PasswordHasher().verify(rehashed, unicodedata.normalize("NFKC", NFD))
    assert (await _login(client, agent.email, NFC)).status_code == 200


async def test_a_legacy_nfc_hash_accepts_the_nfd_form(client, make_staff, sessionmaker) -> None:
    agent = await make_staff("agent")
    await _set_hash(sessionmaker, agent.id, PasswordHasher().hash(NFC))
    assert (await _login(client, agent.email, NFD)).status_code == 200


def test_compatibility_characters_are_folded_by_nfkc() -> None:
    """NFKC maps the ligature U+FB01 to "fi" and fullwidth letters to ASCII (UAX #15)."""
    stored = hash_password("con\ufb01dentiel-ＡＢＣ")
    assert check_password("confidentiel-ABC", stored).valid
    assert not check_password("confidentiel-ABD", stored).valid


def test_no_account_spends_the_time_and_is_never_valid() -> None:
    assert check_password(NFC, None).valid is False
