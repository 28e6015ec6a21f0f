"""Import fixtures: the shared register, small register files, row counting, the upload call."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.imports.models import ImportBatch, ImportRow
from app.registrants.models import Registrant, RegistrantPhone

REGISTER = Path(__file__).resolve().parents[1] / "fixtures" / "registre_casablanca_2019_2021.csv"
URL = "/api/v1/imports/registers"
HEADER = (
    "N°;Date d'enregistrement;Prénom(s);Nom;Sexe;Date de naissance;Lieu de naissance;Région d'origine;"
    "N° passeport;N° CNI;Téléphone;Email;Ville de résidence;Statut;Profession;Date d'arrivée au Maroc;"
    "Demande;Observations"
)


TRUTH = REGISTER.with_name("registre_casablanca_2019_2021.truth.csv")


def truth_duplicates() -> set[int]:
    """The register's N° whose person appeared on an earlier row (the generator's ``row,pid``)."""
    seen: set[str] = set()
    out: set[int] = set()
    for line in TRUTH.read_text().splitlines()[1:]:
        row, pid = line.split(",")
        if pid in seen:
            out.add(int(row))
        seen.add(pid)
    return out


def register_bytes() -> bytes:
    """The shared register, byte for byte (Windows-1252, ``;``, CRLF)."""
    return REGISTER.read_bytes()


def register_head(lines: int) -> bytes:
    """The header and the first ``lines - 1`` data rows of the shared register, bytes unchanged."""
    return b"".join(register_bytes().splitlines(keepends=True)[:lines])


def csv_file(*rows: str, header: str = HEADER, encoding: str = "cp1252") -> bytes:
    """A small register in the shared file's format (rows are ``;``-separated lines)."""
    return "\r\n".join([header, *rows, ""]).encode(encoding)


NAMES_ROW = "{n};02/06/2019;{given};{family};M;{born};;;;;;;;;;;;"
"""A register row of names, sex and a birth year only: the names must carry a match."""


def names_row(n: int, given: str, family: str, born: str = "1985") -> str:
    """Row ``n`` of :data:`NAMES_ROW`."""
    return NAMES_ROW.format(n=n, given=given, family=family, born=born)


def outcomes(response: httpx.Response) -> list[tuple[str, list[int | None]]]:
    """Each row's outcome and the lines of the file's own rows among its candidates."""
    assert response.status_code in (200, 201), response.text
    return [(r["outcome"], [c.get("line") for c in r["candidates"]]) for r in response.json()["rows"]]


def xlsx_file(rows: list[list[Any]]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows`` (the first is the header)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
async def admin(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("admin", [])


@pytest.fixture
def upload(client: httpx.AsyncClient, admin: Any) -> Callable[..., Awaitable[httpx.Response]]:
    """``await upload(content, filename=…, desk="CASA-BASE", dry_run=False)`` → the POST response."""

    async def _upload(
        content: bytes,
        filename: str = "registre.csv",
        desk: str = "CASA-BASE",
        dry_run: bool = False,
        staff: Any = None,
    ) -> httpx.Response:
        return await client.post(
            URL,
            files={"file": (filename, content, "application/octet-stream")},
            data={"desk_code": desk, "dry_run": "true" if dry_run else "false"},
            headers=(staff or admin).headers,
        )

    return _upload


@pytest.fixture
def count_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[dict[str, int]]]:
    """Rows written by imports: registrants, phones, batches, batch rows and audit events."""

    async def _count() -> dict[str, int]:
        async with sessionmaker() as session:
            out = {}
            for name, model in (
                ("registrants", Registrant),
                ("phones", RegistrantPhone),
                ("batches", ImportBatch),
                ("batch_rows", ImportRow),
                ("audit_events", AuditEvent),
            ):
                out[name] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
            return out

    return _count
