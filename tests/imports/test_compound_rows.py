"""A register row writing a compound given name joined where the registry or the file parts it (or
the other way round), or a family name in its Gambian spelling, is matched like the same spelling:
with the registry's people and with the file's own rows, in a dry run as in an import."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.imports.conftest import csv_file, names_row, outcomes


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
    rows = [names_row(1, first[0], first[1]), names_row(2, "Awa", "Faye"),
            names_row(3, second[0], second[1])]  # fmt: skip
    response = await upload(csv_file(*rows, encoding="utf-8"), dry_run=dry_run)
    assert outcomes(response) == [("imported", []), ("imported", []), ("flagged", [2])]


async def test_a_joined_compound_row_is_flagged_against_a_registrant_writing_it_in_two_words(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    body = {"given_names": "Pape Modou", "family_name": "Colley", "sex": "male", "date_of_birth": "1985",
            "desk_code": "CASA-BASE"}  # fmt: skip
    created = await client.post("/api/v1/registrants", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    response = await upload(csv_file(names_row(1, "Papemodou", "Coly"), encoding="utf-8"), dry_run=True)
    assert outcomes(response) == [("flagged", [None])]
    assert [c["registrant_id"] for c in response.json()["rows"][0]["candidates"]] == [created.json()["id"]]
