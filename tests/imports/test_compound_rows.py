"""A register row writing a compound given name joined where the registry or the file parts it (or
the other way round), or a family name in its Gambian spelling, is matched like the same spelling:
with the registry's people and with the file's own rows, in a dry run as in an import."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.imports.conftest import csv_file

# Names, sex and a birth year only: the names must carry the match.
ROW = "{n};02/06/2019;{given};{family};M;1985;;;;;;;;;;;;"


def _outcomes(response: httpx.Response) -> list[tuple[str, list[int | None]]]:
    assert response.status_code in (200, 201), response.text
    return [(r["outcome"], [c.get("line") for c in r["candidates"]]) for r in response.json()["rows"]]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(
    ("first", "second"),
    [(("Mame Diarra", "Bousso"), ("Mamediarra", "Bousso")), (("Elhadji", "Sonko"), ("El-Hadji", "Sonko")),
     (("Ndeyefatou", "Badji"), ("Ndèye Fatou", "Badji")), (("Abdou Lahat", "Mbacké"), ("Abdoulahat", "Mbacké")),
     (("Saikou", "Jobarteh"), ("Cheikh", "Diabaté")), (("Ñaña", "Koroma"), ("Gnagna", "Kourouma"))],
)  # fmt: skip
async def test_a_row_is_flagged_against_an_earlier_row_writing_its_names_otherwise(
    first: tuple[str, str], second: tuple[str, str], dry_run: bool, upload: Any
) -> None:
    rows = [ROW.format(n=1, given=first[0], family=first[1]), ROW.format(n=2, given="Awa", family="Faye"),
            ROW.format(n=3, given=second[0], family=second[1])]  # fmt: skip
    response = await upload(csv_file(*rows, encoding="utf-8"), dry_run=dry_run)
    assert _outcomes(response) == [("imported", []), ("imported", []), ("flagged", [2])]


async def test_a_joined_compound_row_is_flagged_against_a_registrant_writing_it_in_two_words(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    body = {"given_names": "Pape Modou", "family_name": "Colley", "sex": "male", "date_of_birth": "1985",
            "desk_code": "CASA-BASE"}  # fmt: skip
    created = await client.post("/api/v1/registrants", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    response = await upload(csv_file(ROW.format(n=1, given="Papemodou", family="Coly"), encoding="utf-8"), dry_run=True)
    assert _outcomes(response) == [("flagged", [None])]
    assert [c["registrant_id"] for c in response.json()["rows"][0]["candidates"]] == [created.json()["id"]]
