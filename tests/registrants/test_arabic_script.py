"""Names written in Arabic script are found and matched like their Latin spellings, and the name in
Arabic script (``name_arabic``) is searched and matched as another spelling of the person's name."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from app.registrants import matching
from tests.alembic_config import alembic_config
from tests.registrants.conftest import URL, person
from tests.registrants.test_spellings import _keys, _rows

# (Arabic script, Latin letters): the same given name. Standard Arabic spellings (short vowels
# unwritten) and spellings of the Senegalese form that write every vowel (as Wolofal does).
GIVEN = [
    ("عبدو", "Abdou"), ("عبدالله", "Abdoulaye"), ("عبد الله", "Abdallah"), ("عبد الله", "Abdoulaye"),
    ("مامادو", "Mamadou"), ("محمد", "Mamadou"), ("محمد", "Muhammad"), ("مودو", "Modou"), ("امادو", "Amadou"),
    ("أحمد", "Amadou"), ("موسى", "Moussa"), ("إبراهيما", "Ibrahima"), ("إبراهيم", "Ibrahima"), ("عثمان", "Ousmane"),
    ("عثمان", "Usman"), ("الشيخ", "Cheikh"), ("شيخ", "Cheikh"), ("مصطفى", "Moustapha"), ("عليو", "Aliou"),
    ("علي", "Aliou"), ("علي", "Ali"), ("مودو", "Mouhamadou"), ("فاتو", "Fatou"), ("فاطمة", "Fatou"),
    ("فاطمة", "Fatima"), ("عيساتو", "Aïssatou"), ("عائشة", "Aïssatou"), ("عائشة", "Aisha"), ("خديجة", "Khadija"),
    ("خديجة", "Khady"), ("خادي", "Khady"), ("مريما", "Mariama"), ("مريم", "Mariama"), ("مريم", "Maryam"),
    ("اميناتا", "Aminata"), ("أمينة", "Aminata"), ("أمينة", "Amina"), ("سينابو", "Seynabou"), ("زينب", "Seynabou"),
    ("زينب", "Zaynab"), ("انديي", "Ndèye"), ("عوا", "Awa"), ("حواء", "Awa"), ("حواء", "Hawa"), ("سليمان", "Souleymane"),
    ("أبو بكر", "Babacar"), ("ابوبكر", "Aboubacar"), ("داود", "Daouda"), ("عمر", "Oumar"), ("سرين", "Serigne"),
    ("الأمين", "Lamine"), ("لامين", "Lamine"), ("صالح", "Saliou"), ("يوسف", "Youssou"), ("رقية", "Rokhaya"),
    ("خديم", "Khadim"), ("باب", "Pape"), ("مام", "Mame"), ("عبد الرحمن", "Abdourahmane"), ("مختار", "Moctar"),
    ("مُحَمَّد", "Mouhamed"), ("ݒاپ", "Pape"), ("بامبا", "Bamba"), ("جبريل", "Djibril"), ("الحسن", "Alassane"),
]  # fmt: skip
# (Arabic script, Latin letters): the same family name, as Senegalese write it in Arabic letters.
FAMILY = [
    ("انجاي", "Ndiaye"), ("نجاي", "N'Diaye"), ("ندياي", "Ndiaye"), ("جوب", "Diop"), ("ديوب", "Diop"), ("فال", "Fall"),
    ("سو", "Sow"), ("صو", "Sow"), ("با", "Ba"), ("جالو", "Diallo"), ("ديالو", "Diallo"), ("غاي", "Gueye"),
    ("كاي", "Guèye"), ("فاي", "Faye"), ("سيك", "Seck"), ("سار", "Sarr"), ("امباي", "Mbaye"), ("مباي", "M'Baye"),
    ("نيانغ", "Niang"), ("نياڠ", "Niang"), ("نيانڠ", "Niang"), ("سيسي", "Cissé"), ("كان", "Kane"),
    ("تيام", "Thiam"), ("ثيام", "Thiam"),
    ("توري", "Touré"), ("سي", "Sy"), ("جينغ", "Dieng"), ("دينغ", "Dieng"), ("اندور", "Ndour"), ("باجي", "Badji"),
    ("سانيا", "Sagna"), ("سنيا", "Sagna"), ("سونكو", "Sonko"), ("امبينغ", "Mbengue"), ("كامارا", "Camara"),
    ("كيبي", "Kébé"), ("واد", "Wade"), ("سين", "Sène"), ("جوف", "Diouf"), ("لو", "Lô"), ("نداو", "Ndao"),
    ("سامب", "Samb"), ("صال", "Sall"), ("تال", "Tall"), ("كا", "Ka"), ("ݖيام", "Thiam"), ("سى", "Sy"),
    ("انجاى", "Ndiaye"), ("باه", "Bah"), ("توره", "Touré"), ("سيسوكو", "Cissokho"), ("امبينڭ", "Mbengue"),
    ("جاخاتي", "Diakhaté"),
    ("امباكي", "Mbacké"), ("انغوم", "Ngom"), ("تراوري", "Traoré"), ("كوليبالي", "Coulibaly"),
]  # fmt: skip
# Not the same name: another vowel written, another consonant, or Sy against Sylla.
DIFFERENT = [
    ("سي", "Sow"), ("سو", "Sy"), ("سي", "Sylla"), ("ندور", "Ndir"), ("مودو", "Amadou"), ("با", "Bo"), ("لو", "Ly"),
    ("سونكو", "Sanko"), ("جوب", "Diouf"), ("فال", "Faye"), ("عليو", "Alia"), ("سيك", "Sock"),
]  # fmt: skip


def _token(name: str) -> str:
    (token,) = matching.tokens(name)
    return token


@pytest.mark.parametrize(("written", "latin"), GIVEN + FAMILY)
def test_an_arabic_script_spelling_agrees_with_its_latin_spelling(written: str, latin: str) -> None:
    assert matching.agree(_token(written), _token(latin)) is not None
    assert matching.agree(_token(latin), _token(written)) is not None


@pytest.mark.parametrize(("written", "latin"), DIFFERENT)
def test_another_name_in_arabic_script_does_not_agree(written: str, latin: str) -> None:
    assert matching.agree(_token(written), _token(latin)) is None


def test_abd_allah_written_apart_or_joined_is_one_name() -> None:
    assert matching.tokens("عبد الله") == matching.tokens("عبدالله") == matching.tokens("عبدُ اللّٰه")
    assert matching.tokens("أبو بكر انجاي") == [*matching.tokens("أبوبكر"), *matching.tokens("انجاي")]


async def _names(client: httpx.AsyncClient, staff: Any, q: str) -> list[str]:
    response = await client.get(URL, params={"q": q}, headers=staff.headers)
    assert response.status_code == 200, response.text
    return sorted(f"{r['given_names']} {r['family_name']}" for r in response.json()["items"])


def _male(given: str, family: str, born: str, **more: Any) -> dict[str, Any]:
    return person(given_names=given, family_name=family, sex="male", date_of_birth=born, **more)


def _levels(candidate: dict[str, Any]) -> dict[str, str]:
    return {c["field"]: c["level"] for c in candidate["comparisons"]}


@pytest.mark.parametrize(
    ("written", "latin"),
    [("عبدو", "Abdou"), ("عبدالله", "Abdoulaye"), ("عبد الله", "Abdallah"), ("مامادو", "Mamadou"),
     ("امادو", "Amadou"), ("موسى", "Moussa"), ("عليو", "Aliou"), ("مصطفى", "Moustapha")],
)  # fmt: skip
async def test_an_arabic_script_given_name_is_recognised_at_registration_and_in_search(
    written: str, latin: str, casa_agent: Any, create: Any, client: httpx.AsyncClient
) -> None:
    on_file = await create(casa_agent, _male(latin, "Sagna", "1950-01-01"))
    again = await create(casa_agent, _male(written, "Sagna", "1950-01-01"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert _levels(candidate)["given_names"] == "variant"
    assert candidate["reasons"][:3] == ["name_variant", "same_family_name", "same_birth_date"]
    assert await _names(client, casa_agent, f"{written} Sagna") == [f"{latin} Sagna"]
    assert await _names(client, casa_agent, written) == [f"{latin} Sagna"]


async def test_an_arabic_script_name_with_a_common_family_name_is_a_candidate(casa_agent: Any, create: Any) -> None:
    for given in ("Fatou", "Awa", "Moussa", "Abdou"):  # Ndiaye is common: its agreement weighs little
        await create(casa_agent, _male(given, "Ndiaye", "1979-03-02"))
    on_file = await create(casa_agent, _male("Abdou", "Ndiaye", "1962-11-30"))
    again = await create(casa_agent, _male("عبدو", "انجاي", "1962-11-30"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert (_levels(candidate)["given_names"], _levels(candidate)["family_name"]) == ("variant", "variant")


async def test_a_family_name_no_table_lists_is_matched_by_the_letters_it_is_written_with(
    casa_agent: Any, create: Any, client: httpx.AsyncClient
) -> None:
    on_file = await create(casa_agent, _male("Aliou", "Sonko", "1985-07-14"))
    # another day of the same year: only the names and the birth year can bring him in
    again = await create(casa_agent, _male("عليو", "سونكو", "1985-07-04"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert (_levels(candidate)["given_names"], _levels(candidate)["family_name"]) == ("variant", "variant")
    for q in ("سونكو", "عليو سونكو", "سونكو عليو"):
        assert await _names(client, casa_agent, q) == ["Aliou Sonko"], q


async def test_a_name_registered_in_arabic_script_is_found_and_matched_from_latin_letters(
    casa_agent: Any, create: Any, client: httpx.AsyncClient
) -> None:
    on_file = await create(casa_agent, _male("موسى", "كامارا", "1991"))
    again = await create(casa_agent, _male("Moussa", "Camara", "1991"))
    assert again.status_code == 409, again.text
    assert [c["id"] for c in again.json()["candidates"]] == [on_file.json()["id"]]
    for q in ("Camara", "Moussa Camara", "camara moussa"):
        assert await _names(client, casa_agent, q) == ["موسى كامارا"], q
    assert await _names(client, casa_agent, "Moussa Kane") == []  # every word must match


async def test_sow_in_arabic_script_is_sow_not_sy(casa_agent: Any, create: Any) -> None:
    sow = await create(casa_agent, person(given_names="Awa", family_name="Sow", date_of_birth="1990-01-01"))
    sy = await create(casa_agent, person(given_names="Awa", family_name="Sy", date_of_birth="1990-01-01"), confirm=True)
    again = await create(casa_agent, person(given_names="عوا", family_name="سو", date_of_birth="1990-01-01"))
    assert again.status_code == 409, again.text
    candidates = {c["id"]: _levels(c)["family_name"] for c in again.json()["candidates"]}
    assert candidates[sow.json()["id"]] == "variant"
    assert candidates.get(sy.json()["id"], "different") == "different"
    assert again.json()["candidates"][0]["id"] == sow.json()["id"]


async def test_name_arabic_is_searched(casa_agent: Any, create: Any, client: httpx.AsyncClient) -> None:
    await create(casa_agent, person(given_names="Aliou", family_name="Sonko", sex="male", name_arabic="عليو سونكو"))
    # Mame Diarra is Maryam: no rule reads مريم as Mame Diarra, only her name in Arabic script does
    await create(casa_agent, person(given_names="Mame Diarra", family_name="Bousso", name_arabic="مريم بوسو"))
    for q in ("عليو سونكو", "سونكو"):
        assert await _names(client, casa_agent, q) == ["Aliou Sonko"], q
    for q in ("مريم", "مريم بوسو", "Mame Diarra Bousso"):
        assert await _names(client, casa_agent, q) == ["Mame Diarra Bousso"], q


@pytest.mark.parametrize(("given", "family"), [("عليو", "سونكو"), ("عليو", "Sonko"), ("Aliou", "سونكو")])
async def test_name_arabic_is_matched_at_registration(given: str, family: str, casa_agent: Any, create: Any) -> None:
    on_file = await create(
        casa_agent,
        _male("Aliou", "Sonko", "1977-02-09", name_arabic="عليو سونكو"),
    )
    again = await create(casa_agent, _male(given, family, "1977-02-09"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert (_levels(candidate)["given_names"], _levels(candidate)["family_name"]) == (
        "exact" if given == "Aliou" else "variant",
        "exact" if family == "Sonko" else "variant",
    )


async def test_the_name_in_arabic_script_is_another_spelling_never_an_exact_match(casa_agent: Any, create: Any) -> None:
    on_file = await create(casa_agent, person(given_names="Mame Diarra", family_name="Bousso", name_arabic="مريم بوسو"))
    again = await create(casa_agent, person(given_names="مريم", family_name="بوسو"))
    assert again.status_code == 409, again.text
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    assert (_levels(candidate)["given_names"], _levels(candidate)["family_name"]) == ("variant", "variant")
    # and the other way round: a new file's name in Arabic script against the names on file
    arabic_only = await create(casa_agent, person(given_names="مريم", family_name="امباكي", date_of_birth="1980"))
    latin = await create(
        casa_agent,
        person(given_names="Mame Diarra", family_name="Mbacké", date_of_birth="1980", name_arabic="مريم امباكي"),
    )
    assert latin.status_code == 409, latin.text
    assert [c["id"] for c in latin.json()["candidates"]] == [arabic_only.json()["id"]]


async def _name_columns(sessionmaker: Any, registrant_id: str) -> tuple[Any, ...]:
    sql = (
        "SELECT given_names_key, family_name_key, given_names_phonetic, family_name_phonetic, name_arabic_key, "
        "name_arabic_phonetic FROM registrants WHERE id = :r"
    )
    ((*columns,),) = await _rows(sessionmaker, sql, registrant_id)
    return tuple(columns)


async def test_upgrade_keys_again_the_names_in_arabic_script_and_every_word(
    app: Any, client: httpx.AsyncClient, casa_agent: Any, create: Any, settings: Any, sessionmaker: Any
) -> None:
    bodies = [
        _male("عبدو", "انجاي", "1962-11-30"),
        person(given_names="Mame Diarra", family_name="Bousso", name_arabic="مريم بوسو"),
        person(given_names="Awa", family_name="Sarr", date_of_birth="2001-02-03"),
    ]
    ids = []
    for body in bodies:
        created = await create(casa_agent, body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    keys = {rid: await _keys(sessionmaker, rid) for rid in ids}
    columns = {rid: await _name_columns(sessionmaker, rid) for rid in ids}
    assert ("s", "sr0sarr") in keys[ids[2]] and ("n", "abdu") in keys[ids[0]] and ("w", "9mr3m") in keys[ids[1]]
    assert columns[ids[1]][4:] == ("9mr3m 9b2s2", "mariama 9b2s2")  # مريم is Maryam: the group of Mariama
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "2002")
    async with sessionmaker() as session:  # the keys as revision 2002 left them: an Arabic word by its skeleton
        await session.execute(text("DELETE FROM registrant_keys WHERE kind <> 'w'"))
        await session.execute(text("UPDATE registrant_keys SET value = 'bdw' WHERE value = '90bd2'"))
        await session.execute(text("UPDATE registrant_keys SET value = 'njy' WHERE value = '90nj13'"))
        await session.execute(text("UPDATE registrants SET given_names_phonetic = 'bdw', family_name_phonetic = ''"))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    for rid in ids[:2]:
        assert await _keys(sessionmaker, rid) == keys[rid]
        assert await _name_columns(sessionmaker, rid) == columns[rid]
    # Awa Sarr's words are unchanged: only their "s" keys come back (her other keys stay deleted)
    assert await _keys(sessionmaker, ids[2]) == {k for k in keys[ids[2]] if k[0] in ("w", "s")}
    assert await _names(client, casa_agent, "Abdou Ndiaye") == ["عبدو انجاي"]
    assert await _names(client, casa_agent, "مريم") == ["Mame Diarra Bousso"]


SCRIPTS = [
    {"given_names": "عبدو", "family_name": "انجاي"},
    {"given_names": "Abdou", "family_name": "Sagna"},
    {"given_names": "Aliou", "family_name": "Sonko", "name_arabic": "عليو سونكو"},
    {"given_names": "Mame Diarra", "family_name": "Bousso", "name_arabic": "مريم بوسو"},
    {"given_names": "موسى", "family_name": "كامارا"},
    {"given_names": "Awa", "family_name": "Sow"},
    {"given_names": "Awa", "family_name": "Sy"},
    {"given_names": "Fatou", "family_name": "Ndiaye"},
]


@pytest.mark.parametrize(
    "q",
    ["عبدو", "انجاي", "Ndiaye", "سونكو", "عليو سونكو", "مريم", "Camara", "Moussa", "سو", "سي", "Abdou", "موس",
     "عبدو Sagna", "Mame Diarra", "عوا", "Kamara"],
)  # fmt: skip
async def test_on_postgresql_the_name_terms_answer_what_the_keys_answer_in_either_script(
    q: str, casa_agent: Any, create: Any, sessionmaker: Any
) -> None:
    from app.registrants import repository, sounding

    for body in SCRIPTS:
        created = await create(casa_agent, person(**body), confirm=True)
        assert created.status_code == 201, created.text
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the name terms are PostgreSQL's")
        tokens = repository.name_tokens(q)
        heard = await sounding.words(session, tokens)
        by_keys = repository.search_query(repository.SearchFilters(q=q), regions=["MA"], heard=heard)
        terms = await repository.name_terms(session, tokens)
        by_terms = repository.search_query(repository.SearchFilters(q=q), regions=["MA"], terms=terms)
        found = [
            sorted(f"{r.given_names} {r.family_name}" for r in (await session.execute(stmt)).scalars())
            for stmt in (by_keys, by_terms)
        ]
    assert found[1] == found[0]
    if q not in ("موس",):  # the comparison is not vacuous
        assert found[1], q
