"""A register row whose names are written in Arabic script is matched like its Latin spelling: with
the registry's people and with the file's own rows, either way round, in a dry run as in an import."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.imports.conftest import csv_file, names_row, outcomes


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(
    ("first", "second"),
    [(("Aliou", "Sonko"), ("عليو", "سونكو")), (("عليو", "سونكو"), ("Aliou", "Sonko")),
     (("Abdou", "Ndiaye"), ("عبدو", "انجاي")), (("Abdoulaye", "Diop"), ("عبد الله", "جوب"))],
)  # fmt: skip
async def test_a_row_in_arabic_script_is_flagged_against_an_earlier_row_of_the_file(
    first: tuple[str, str], second: tuple[str, str], dry_run: bool, upload: Any
) -> None:
    content = csv_file(
        names_row(1, *first), names_row(2, "Awa", "Faye", born="1990"), names_row(3, *second), encoding="utf-8"
    )
    assert outcomes(await upload(content, dry_run=dry_run)) == [("imported", []), ("imported", []), ("flagged", [2])]


async def test_a_row_in_arabic_script_is_flagged_against_a_registrant_in_latin_letters(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    body = {"given_names": "Moussa", "family_name": "Camara", "sex": "male", "date_of_birth": "1985",
            "desk_code": "CASA-BASE"}  # fmt: skip
    created = await client.post("/api/v1/registrants", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    response = await upload(csv_file(names_row(1, "موسى", "كامارا"), encoding="utf-8"), dry_run=True)
    assert outcomes(response) == [("flagged", [None])]
    assert [c["registrant_id"] for c in response.json()["rows"][0]["candidates"]] == [created.json()["id"]]


async def test_a_row_in_latin_letters_is_flagged_against_a_registrant_in_arabic_script(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    body = {"given_names": "عليو", "family_name": "سونكو", "sex": "male", "date_of_birth": "1985",
            "desk_code": "CASA-BASE"}  # fmt: skip
    created = await client.post("/api/v1/registrants", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    response = await upload(csv_file(names_row(1, "Aliou", "Sonko"), encoding="utf-8"), dry_run=True)
    assert outcomes(response) == [("flagged", [None])]
    assert [c["registrant_id"] for c in response.json()["rows"][0]["candidates"]] == [created.json()["id"]]
