"""Possible duplicates on create: 409 with scored candidates, nothing written, explicit confirmation."""

from __future__ import annotations

from tests.registrants.conftest import person


async def test_variant_spelling_with_same_birth_date_is_409_with_candidates(casa_agent, create, count_rows) -> None:
    first = (
        await create(
            casa_agent, person(given_names="Mouhamadou", family_name="Ndiaye", sex="male", date_of_birth="1990-05-04")
        )
    ).json()
    before = await count_rows()
    response = await create(
        casa_agent, person(given_names="Mamadou", family_name="N'Diaye", sex="male", date_of_birth="1990-05-04")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/possible-duplicates"
    assert body["candidates"] == [
        {
            "id": first["id"],
            "registration_number": first["registration_number"],
            "desk_id": first["desk_id"],
            "given_names": "Mouhamadou",
            "family_name": "Ndiaye",
            "date_of_birth": "1990-05-04",
            "sex": "male",
            "score": 0.6,
            "strength": "strong",
            "reasons": ["same_family_name", "name_variant", "same_birth_date"],
        }
    ]
    assert await count_rows() == before


async def test_confirmed_duplicate_is_created_and_audited(casa_agent, create, audit_events) -> None:
    first = (await create(casa_agent, person(family_name="Ndiaye"))).json()
    response = await create(casa_agent, person(family_name="Njaay"), confirm=True)
    assert response.status_code == 201
    (event,) = await audit_events(response.json()["id"], "registrant.create")
    assert event.details["confirmed_duplicates"] == [first["id"]]


async def test_ndiaye_found_under_njaay_and_uppercase(casa_agent, create) -> None:
    await create(casa_agent, person(given_names="Awa", family_name="Ndiaye", date_of_birth="1988-02-01"))
    for spelling in ("Njaay", "NDIAYE", "N'Diaye"):
        response = await create(casa_agent, person(given_names="Awa", family_name=spelling, date_of_birth="1988"))
        assert response.status_code == 409, spelling
        assert "Awa" in [c["given_names"] for c in response.json()["candidates"]]


async def test_same_phone_is_a_candidate_whatever_the_name(casa_agent, create) -> None:
    await create(casa_agent, person(phones=[{"number": "+221 77 123 45 67"}]))
    response = await create(
        casa_agent,
        person(
            given_names="Ibrahima",
            family_name="Faye",
            sex="male",
            date_of_birth="1970",
            phones=[{"number": "77 123 45 67"}],
        ),
    )
    assert response.status_code == 409
    (candidate,) = response.json()["candidates"]
    assert candidate["reasons"] == ["same_phone", "different_birth_year", "different_sex"]
    assert (candidate["score"], candidate["strength"]) == (0.0, "possible")


async def test_same_document_is_a_candidate(casa_agent, create) -> None:
    await create(casa_agent, person(documents=[{"doc_type": "passport", "number": "A01234567"}]))
    response = await create(
        casa_agent,
        person(
            given_names="Coumba",
            family_name="Sow",
            date_of_birth="1999",
            documents=[{"doc_type": "passport", "number": "a0-123 4567"}],
        ),
    )
    assert response.status_code == 409
    assert response.json()["candidates"][0]["reasons"][0] == "same_document"


async def test_sy_and_sylla_are_a_possible_candidate_never_a_name_match(casa_agent, create) -> None:
    await create(casa_agent, person(given_names="Ousmane", family_name="Sylla", sex="male", date_of_birth="1985-01-01"))
    response = await create(
        casa_agent, person(given_names="Ousmane", family_name="Sy", sex="male", date_of_birth="1985-01-01")
    )
    assert response.status_code == 409
    (candidate,) = response.json()["candidates"]
    assert candidate["strength"] == "possible"
    assert candidate["reasons"] == ["same_given_names", "same_birth_date"]
    confirmed = await create(
        casa_agent,
        person(given_names="Ousmane", family_name="Sy", sex="male", date_of_birth="1985-01-01"),
        confirm=True,
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["family_name"] == "Sy"


async def test_sy_and_sylla_without_other_evidence_are_not_candidates(casa_agent, create) -> None:
    await create(casa_agent, person(given_names="Ousmane", family_name="Sylla", sex="male", date_of_birth="1985"))
    response = await create(
        casa_agent, person(given_names="Cheikh", family_name="Sy", sex="male", date_of_birth="1985")
    )
    assert response.status_code == 201


async def test_candidates_never_come_from_another_desk(casa_agent, dakar_agent, create) -> None:
    await create(dakar_agent, person())
    response = await create(casa_agent, person())
    assert response.status_code == 201
