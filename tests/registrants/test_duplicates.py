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
    (candidate,) = body["candidates"]
    assert {k: candidate[k] for k in ("id", "registration_number", "desk_id", "given_names", "family_name")} == {
        "id": first["id"],
        "registration_number": first["registration_number"],
        "desk_id": first["desk_id"],
        "given_names": "Mouhamadou",
        "family_name": "Ndiaye",
    }
    assert (candidate["date_of_birth"], candidate["sex"], candidate["strength"]) == ("1990-05-04", "male", "strong")
    assert candidate["reasons"] == ["name_variant", "same_family_name", "same_birth_date"]
    # every field compared says its level and what it weighed (log2(m/u), bits)
    levels = {c["field"]: c["level"] for c in candidate["comparisons"]}
    assert levels == {"given_names": "variant", "family_name": "exact", "date_of_birth": "exact", "sex": "exact"}
    dob = next(c for c in candidate["comparisons"] if c["field"] == "date_of_birth")
    assert dob["weight"] == 13.98  # log2(0.90 / (1 / 18000))
    total = candidate["prior_weight"] + sum(c["weight"] for c in candidate["comparisons"])
    assert abs(candidate["match_weight"] - total) < 0.05
    assert candidate["score"] >= 0.9
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


async def test_names_typed_in_each_others_column_are_a_candidate(casa_agent, create) -> None:
    """ "NDIAYE Awa", the family name said first and typed as the given name: found through the
    names read the other way round (a year alone: no birth date to block on), shown as swapped."""
    first = (
        await create(casa_agent, person(given_names="Awa", family_name="Ndiaye", date_of_birth="1988-02-01"))
    ).json()
    response = await create(casa_agent, person(given_names="NDIAYE", family_name="Awa", date_of_birth="1988"))
    assert response.status_code == 409
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert candidate["reasons"][0] == "names_swapped"
    levels = {c["field"]: c["level"] for c in candidate["comparisons"]}
    assert (levels["given_names"], levels["family_name"]) == ("swapped", "swapped")


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
    # shown because it shares the phone, though names, birth year and sex all speak against it
    assert candidate["reasons"] == ["different_birth_year", "different_sex", "same_phone"]
    assert candidate["strength"] == "possible" and candidate["score"] < 0.2


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
    assert "same_document" in response.json()["candidates"][0]["reasons"]


async def test_sy_and_sylla_are_a_candidate_never_a_name_match(casa_agent, create) -> None:
    await create(casa_agent, person(given_names="Ousmane", family_name="Sylla", sex="male", date_of_birth="1985-01-01"))
    response = await create(
        casa_agent, person(given_names="Ousmane", family_name="Sy", sex="male", date_of_birth="1985-01-01")
    )
    assert response.status_code == 409
    (candidate,) = response.json()["candidates"]
    # the same birth date makes it a candidate; the family names count against, never as a variant
    assert candidate["reasons"] == ["same_given_names", "same_birth_date"]
    family = next(c for c in candidate["comparisons"] if c["field"] == "family_name")
    assert (family["level"], family["weight"]) == ("different", -7.49)  # log2(0.005 / 0.9)
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


async def test_an_edit_that_makes_a_file_resemble_another_is_409_and_changes_nothing(  # type: ignore[no-untyped-def]
    casa_agent, dakar_agent, create, client
) -> None:
    first = (await create(casa_agent, person(phones=[{"number": "+221771234567"}]))).json()
    other = await create(casa_agent, person(given_names="Khady", family_name="Sow", date_of_birth="1980-01-02"))
    url, etag = f"/api/v1/registrants/{other.json()['id']}", other.headers["etag"]
    same = {"given_names": "Ndeye Fatou", "family_name": "Ndiaye", "date_of_birth": "1994-03-12"}
    response = await client.patch(url, json=same, headers={**casa_agent.headers, "If-Match": etag})
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/possible-duplicates"
    assert [c["id"] for c in response.json()["candidates"]] == [first["id"]]
    unchanged = await client.get(url, headers=casa_agent.headers)
    assert (unchanged.headers["etag"], unchanged.json()["given_names"]) == (etag, "Khady")

    # an edit of what does not identify the person is not checked; a confirmed one goes through
    plain = await client.patch(url, json={"occupation": "couturière"}, headers={**casa_agent.headers, "If-Match": etag})
    assert plain.status_code == 200, plain.text
    confirmed = await client.patch(
        url,
        json=same,
        params={"confirm_duplicates": "true"},
        headers={**casa_agent.headers, "If-Match": plain.headers["etag"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["given_names"] == "Ndeye Fatou"
    # it resembles the first file already (confirmed): a further edit is not stopped for it again
    again = await client.patch(
        url,
        json={"sex": "female", "date_of_birth": "1994-03"},
        headers={**casa_agent.headers, "If-Match": confirmed.headers["etag"]},
    )
    assert again.status_code == 200, again.text


async def test_an_edit_is_not_a_duplicate_of_the_file_itself_nor_of_another_desks(  # type: ignore[no-untyped-def]
    casa_agent, dakar_agent, create, client
) -> None:
    await create(dakar_agent, person(phones=[{"number": "+221771234567"}]))
    mine = await create(casa_agent, person(), confirm=True)
    url = f"/api/v1/registrants/{mine.json()['id']}"
    changed = await client.patch(
        url,
        json={"phones": [{"number": "+221771234567"}]},
        headers={**casa_agent.headers, "If-Match": mine.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text


async def test_an_edit_that_makes_a_possible_candidate_a_strong_one_is_409(  # type: ignore[no-untyped-def]
    casa_agent, create, client
) -> None:
    first = (await create(casa_agent, person())).json()  # Ndèye Fatou N'Diaye, 1994-03-12
    other = await create(casa_agent, person(date_of_birth="1994-07-30"), confirm=True)
    assert other.status_code == 201, other.text  # the same names, another birth date: a possible one
    url = f"/api/v1/registrants/{other.json()['id']}"
    headers = {**casa_agent.headers, "If-Match": other.headers["etag"]}
    response = await client.patch(url, json={"date_of_birth": "1994-03-12"}, headers=headers)
    assert response.status_code == 409, response.text  # now a strong one: said, nothing changed
    assert [(c["id"], c["strength"]) for c in response.json()["candidates"]] == [(first["id"], "strong")]
