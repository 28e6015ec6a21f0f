"""A request body in a content coding the server does not decode (``Content-Encoding: gzip``…)
is refused with 415 and ``Accept-Encoding: identity`` (RFC 9110 §15.5.16, RFC 7694 §3), an RFC
9457 problem saying so in French, before anything reads it.

Before: the coding was ignored and the compressed bytes read as the body: a gzip JSON body got
422 « pas de l'UTF-8 valide », an upload was stored compressed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.registrants.models import Registrant
from tests.conftest import Staff

PASSPORT = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "specimen_passport.pdf"
PERSON = {"given_names": "Awa", "family_name": "Ndiaye"}


@pytest.fixture
async def agent(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])  # type: ignore[no-any-return]


def _refused(response: httpx.Response, coding: str) -> None:
    assert response.status_code == 415, response.text
    assert response.headers["accept-encoding"] == "identity"
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/unsupported-media-type"
    assert body["content_coding"] == coding
    assert body["detail"] == (
        f"Le corps de la requête est compressé ({coding}) : le serveur ne lit que des corps non "
        "compressés ; envoyez-le sans Content-Encoding."
    )


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate", "GZIP", "identity, gzip"])
async def test_a_json_body_in_a_content_coding_is_415_with_accept_encoding_identity(
    client: httpx.AsyncClient, agent: Staff, coding: str, sessionmaker: Any
) -> None:
    compressed = gzip.compress(json.dumps(PERSON).encode())
    headers = {**agent.headers, "Content-Type": "application/json", "Content-Encoding": coding}

    response = await client.post("/api/v1/registrants", content=compressed, headers=headers)

    _refused(response, coding.lower())
    async with sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Registrant))).scalar_one() == 0


async def test_an_upload_in_a_content_coding_is_415(client: httpx.AsyncClient, agent: Staff) -> None:
    upload = httpx.Request(
        "POST", "http://x/", files={"file": ("p.pdf", PASSPORT.read_bytes(), "application/pdf")}, data={"kind": "cv"}
    )
    body = gzip.compress(upload.read())
    headers = {**agent.headers, "Content-Type": upload.headers["content-type"], "Content-Encoding": "gzip"}
    registrant = await client.post("/api/v1/registrants", json=PERSON, headers=agent.headers)

    response = await client.post(
        f"/api/v1/registrants/{registrant.json()['id']}/documents", content=body, headers=headers
    )

    _refused(response, "gzip")


async def test_identity_is_no_coding_and_is_read(client: httpx.AsyncClient, agent: Staff) -> None:
    headers = {**agent.headers, "Content-Encoding": "identity"}
    response = await client.post("/api/v1/registrants", json=PERSON, headers=headers)
    assert response.status_code == 201, response.text
