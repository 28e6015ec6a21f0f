"""A form the multipart (or url-encoded) parser cannot read — malformed, a part without a name,
too many fields or files, a field too large — is refused as the documents' own upload refuses one
(``malformed-multipart``, ``too-many-parts``, ``form-field-too-large``), in French for a client
that asks for French. Starlette's English sentence (« Invalid multipart data. ») reached every
client. Sent as raw bytes to a real uvicorn server, to the register import (an upload)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

B = "X-desk-boundary"
"""The bodies' multipart boundary."""
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={B}"}


def _field(name: str, value: str) -> str:
    return f'--{B}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'


def _file(name: str = "file", filename: str = "registre.csv") -> str:
    return (
        f'--{B}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\nN°;Nom\r\n"
    )


END = f"--{B}--\r\n"

BODIES = {
    "malformed": (_field("desk_code", "CASA-BASE") + f"--{B}\r\nContent-Disposition form-data\r\n\r\nx\r\n" + END),
    "no-name": (_file() + f'--{B}\r\nContent-Disposition: form-data; filename="b.csv"\r\n\r\nx\r\n' + END),
    "too-many-fields": _file() + "".join(_field(f"f{i}", "x") for i in range(1001)) + END,
    "too-many-files": "".join(_file(f"file{i}") for i in range(1001)) + END,
    "field-too-large": _file() + _field("desk_code", "A" * (1024 * 1024 + 1)) + END,
}
"""Bodies the multipart parser refuses, sent to the register import."""

EXPECTED = {
    "malformed": (
        400,
        "malformed-multipart",
        "The multipart/form-data body cannot be read (RFC 7578): send it as an HTTP client builds a form.",
        "Le formulaire envoyé est illisible : renvoyez-le tel que le logiciel le construit.",
    ),
    "no-name": (
        400,
        "malformed-multipart",
        "Each part needs Content-Disposition: form-data with a name.",
        "Chaque partie doit porter Content-Disposition: form-data avec un nom.",
    ),
    "too-many-fields": (
        400,
        "too-many-parts",
        "At most 1000 fields are accepted in one form.",
        "Au plus 1000 champs sont acceptés dans un formulaire.",
    ),
    "too-many-files": (
        400,
        "too-many-parts",
        "At most 1000 files are accepted in one form.",
        "Au plus 1000 fichiers sont acceptés dans un formulaire.",
    ),
    "field-too-large": (
        400,
        "form-field-too-large",
        "A field of the form is too long: 1\xa0MB at most.",
        "Un champ du formulaire est trop long : 1\u202fMo au plus.",
    ),
}


@pytest.fixture
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    sock.close()


@pytest.mark.parametrize("case", sorted(BODIES))
async def test_a_form_the_parser_refuses_is_a_problem_in_both_languages(server_url, make_staff, case: str) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    status, slug, english, french = EXPECTED[case]
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        for language, detail in (("fr", french), ("en", english)):
            response = await http.post(
                "/api/v1/imports/registers",
                content=BODIES[case].encode(),
                headers={**admin.headers, **MULTIPART, "Accept-Language": language},
            )
            assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
            problem = response.json()
            assert (problem["type"].rsplit("/", 1)[-1], problem["detail"]) == (slug, detail), problem
