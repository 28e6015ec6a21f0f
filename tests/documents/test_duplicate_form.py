"""The same file uploaded again by staff for the same owner: a retry of the same form answers the
document already stored (200); another kind or description typed with it is not dropped
silently — 409 ``document-already-on-file`` names the document already held and its kind (in
French too), and nothing is written."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from app.documents.models import Document
from tests.cases.conftest import open_case
from tests.documents.conftest import PASSPORT, count_rows, upload

FR = {"Accept-Language": "fr"}


async def test_the_same_file_with_another_kind_is_refused_naming_the_document_held(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, make_registrant, storage, sessionmaker
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PASSPORT.read_bytes()
    first = await upload(client, agent.headers, registrant, filename="passeport.pdf", data=data, kind="passport")
    assert first.status_code == 201, first.text

    again = await upload(
        client, {**agent.headers, **FR}, registrant, filename="titre.pdf", data=data, kind="residence_card"
    )

    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    problem = again.json()
    assert problem["type"] == "/problems/document-already-on-file"
    assert (problem["document_id"], problem["kind"], problem["kind_sent"]) == (
        first.json()["id"],
        "passport",
        "residence_card",
    )
    assert problem["detail"] == (
        "Ce fichier figure déjà dans la fiche : document « passeport.pdf » de type « Passeport ». "
        "Il n'a pas été enregistré à nouveau avec le type « Titre de séjour » ; pour changer son type, "
        "un superviseur supprime ce document, puis le fichier est déposé à nouveau."
    )
    assert await count_rows(sessionmaker) == 1
    async with sessionmaker() as session:
        assert (await session.execute(select(Document.kind))).scalars().all() == ["passport"]


async def test_the_same_file_with_another_description_is_refused_in_english_too(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, make_registrant, storage, sessionmaker
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PASSPORT.read_bytes()
    first = await upload(client, agent.headers, registrant, filename="p.pdf", data=data, description="Page 1")
    assert first.status_code == 201, first.text

    again = await upload(
        client, {**agent.headers, "Accept-Language": "en"}, registrant, filename="p.pdf", data=data,
        description="Page 2",
    )  # fmt: skip

    assert again.status_code == 409, again.text
    assert again.json()["detail"] == (
        "This file is already in the person's file: document “p.pdf” of kind “Passport”. It was not recorded again "
        "with the description sent; to change it, a supervisor deletes this document, then the file is "
        "uploaded again."
    )
    assert await count_rows(sessionmaker) == 1


async def test_the_same_form_again_answers_the_document_held(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, make_registrant, storage, sessionmaker
) -> None:
    """A retry (same kind, same description, or none typed) is not a conflict."""
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = await make_registrant()
    data = PASSPORT.read_bytes()
    first = await upload(client, agent.headers, registrant, filename="p.pdf", data=data, description="Page 1")
    same = await upload(client, agent.headers, registrant, filename="p.pdf", data=data, description="Page 1")
    bare = await upload(client, agent.headers, registrant, filename="p.pdf", data=data)
    assert (first.status_code, same.status_code, bare.status_code) == (201, 200, 200)
    assert same.json()["id"] == bare.json()["id"] == first.json()["id"]


async def test_a_cases_document_sent_again_with_another_kind_is_refused(  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient, make_staff, make_registrant, storage, sessionmaker
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    case = await open_case(client, agent, await make_registrant())
    data = PASSPORT.read_bytes()

    async def send(kind: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/cases/{case['id']}/documents",
            headers={**agent.headers, **FR},
            files={"file": ("contrat.pdf", data, "application/pdf")},
            data={"kind": kind},
        )

    assert (await send("contract")).status_code == 201
    again = await send("diploma")
    assert again.status_code == 409, again.text
    assert (again.json()["kind"], again.json()["kind_sent"]) == ("contract", "diploma")
    assert again.json()["detail"].startswith("Ce fichier figure déjà dans le dossier : document « contrat.pdf » ")
    assert await count_rows(sessionmaker) == 1
