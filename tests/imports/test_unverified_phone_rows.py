"""A register row's phone the desk cannot verify is compared by its last 9 digits, as registration
compares it (tests/registrants/test_unverified_phone_duplicates.py): against the registry and the
file's earlier rows, the same in the dry run and the real run."""

from __future__ import annotations

from typing import Any

import httpx

from tests.imports.conftest import csv_file

ROW = "{n};02/06/2019;{given};{family};{sex};{born};;;;;{phone};;;;;;;"


def row(n: int, given: str, family: str, phone: str, born: str = "1990", sex: str = "M") -> str:
    """Row ``n``: names, sex, a birth year and a phone only."""
    return ROW.format(n=n, given=given, family=family, sex=sex, born=born, phone=phone)


async def _register(client: httpx.AsyncClient, admin: Any, **body: Any) -> dict[str, Any]:
    body = {"sex": "male", "date_of_birth": "1990", "desk_code": "CASA-BASE", **body}
    created = await client.post(
        "/api/v1/registrants", json=body, headers=admin.headers, params={"confirm_duplicates": "true"}
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def _flags(report: dict[str, Any]) -> list[tuple[str, list[tuple[str | None, int | None, float, list[str]]]]]:
    """Each row's outcome and its candidates (registrant, line, score, reasons); the registrants of
    the file's own rows left out (a dry run creates none)."""
    return [
        (
            r["outcome"],
            [(None if c["line"] else c["registrant_id"], c["line"], c["score"], c["reasons"]) for c in r["candidates"]],
        )
        for r in report["rows"]
    ]


async def test_a_row_with_a_registrants_number_typed_unverified_is_flagged_in_the_dry_run_and_the_real_run(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    """``0077 123 45 67`` for ``+221 77 123 45 67``; and a number nobody has, for contrast."""
    on_file = await _register(
        client, admin, given_names="Mouhamadou", family_name="Ndiaye", phones=[{"number": "+221 77 123 45 67"}]
    )
    content = csv_file(row(1, "Mamadou", "N'Diaye", "0077 123 45 67"), row(2, "Mamadou", "Ndiaye", "0077 123 45 99"))
    dry = await upload(content, dry_run=True)
    real = await upload(content)
    assert (dry.status_code, real.status_code) == (200, 201), (dry.text, real.text)
    assert _flags(dry.json()) == _flags(real.json())
    [(outcome, [(registrant, line, score, reasons)]), other] = _flags(real.json())
    assert (outcome, registrant, line) == ("flagged", on_file["id"], None)
    assert reasons == ["name_variant", "same_family_name", "same_birth_year", "same_phone_last_digits"]
    assert score >= 0.5
    assert "same_phone_last_digits" not in str(other)


async def test_rows_of_the_file_with_one_unverified_number_are_one_phone(upload: Any) -> None:
    """Two people's names (nothing else in common), one number typed two ways: the second row is
    held against the first, as a registration sharing a phone is shown."""
    content = csv_file(
        row(1, "Awa", "Diop", "0077 123 45 67", sex="F"),
        row(2, "Awa", "Diop", "00 77 123 45 67", born="1991", sex="F"),
        row(3, "Moussa", "Faye", "0077 123 45 68"),
    )
    dry = await upload(content, dry_run=True)
    real = await upload(content)
    assert _flags(dry.json()) == _flags(real.json())
    flags = _flags(real.json())
    assert [outcome for outcome, _ in flags] == ["imported", "flagged", "imported"]
    [(registrant, line, _, reasons)] = flags[1][1]
    assert (registrant, line) == (None, 2)
    assert reasons[-1] == "same_phone_last_digits"


async def test_a_number_written_in_e164_that_no_country_has_is_unverified_as_registration_reads_it(
    client: httpx.AsyncClient, admin: Any, upload: Any
) -> None:
    """``+212500000000`` is written like an E.164 number, but Morocco's 0500 block is unallocated:
    kept unverified (digits ``212500000000``), so its last 9 digits are those of ``05 00 00 00 00``,
    in a registration and in a register row alike."""
    on_file = await _register(
        client, admin, given_names="Cheikh", family_name="Sarr", phones=[{"number": "05 00 00 00 00"}]
    )
    body = {"given_names": "Cheikh", "family_name": "Sarr", "sex": "male", "date_of_birth": "1990",
            "phones": [{"number": "+212500000000"}], "desk_code": "CASA-BASE"}  # fmt: skip
    registered = await client.post("/api/v1/registrants", json=body, headers=admin.headers)
    assert registered.status_code == 409, registered.text
    [shown] = registered.json()["candidates"]
    report = await upload(csv_file(row(1, "Cheikh", "Sarr", "+212500000000")), dry_run=True)
    [(outcome, [(registrant, _, _, reasons)])] = _flags(report.json())
    expected = ["same_given_names", "same_family_name", "same_birth_year", "same_phone_last_digits"]
    assert (shown["id"], shown["reasons"]) == (on_file["id"], expected)
    assert (outcome, registrant, reasons) == ("flagged", on_file["id"], expected)
