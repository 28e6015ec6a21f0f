"""The desk's most frequent requests: ``GET /api/v1/registrants/{id}`` and ``POST
/api/v1/registrants`` (without and with an ``Idempotency-Key``, as the web client sends it; in
alternating rounds) at 32
concurrent clients against one server process on PostgreSQL, next to baseline routes in the same
process: raw asyncpg reading one row (for the GET) and inserting the same JSON body as one row
(for the POST), and the POST's shell (its dependencies and body validation around that raw
INSERT; :mod:`bench.baseline_app`).
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from typing import Any

from bench import ceiling
from bench.common import Request, Result, Server, load, to_json

GIVEN = ["Awa", "Moussa", "Fatou", "Mamadou", "Aïssatou", "Ndèye Fatou", "Cheikh", "Mariama", "Ousmane", "Khady"]
FAMILY = ["Ndiaye", "Diop", "Fall", "Sarr", "Ba", "Gueye", "Sow", "Faye", "Diallo", "Cissé", "Mbaye", "Thiam"]


def registrant_body(n: int) -> dict[str, Any]:
    rng = random.Random(n)
    return {
        "given_names": rng.choice(GIVEN),
        "family_name": f"{rng.choice(FAMILY)}-{uuid.uuid4().hex[:6]}",
        "sex": rng.choice(["female", "male"]),
        "date_of_birth": f"{rng.randint(1960, 2005)}-{rng.randint(1, 12):02d}",
        "phones": [{"number": f"+212661{rng.randint(100_000, 999_999)}", "whatsapp": True}],
        "desk_code": "CASA-BASE",
    }


async def seed_registrants(port: int, headers: dict[str, str], count: int) -> list[str]:
    """Create ``count`` registrants over the API (sequentially) and return their ids."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    from bench.common import _read_response

    ids = []
    try:
        for n in range(count):
            req = Request(
                "POST",
                "/api/v1/registrants?confirm_duplicates=true",
                {**headers, "Content-Type": "application/json"},
                to_json(registrant_body(-n - 1)),
            )
            writer.write(req.encode(port))
            status, body = await _read_response(reader)
            if status != 201:
                raise RuntimeError(f"seeding failed: {status} {body[:300]!r}")
            ids.append(json.loads(body)["id"])
    finally:
        writer.close()
    return ids


CONFIRM = "?confirm_duplicates=true"
"""The registrations are confirmed: every one is written, whatever it resembles."""


async def _registrations(
    server: Server, name: str, path: str, headers: dict[str, str], seconds: float, *, keyed: bool = False
) -> Result:
    """Registrations of distinct people POSTed to ``path``, each answered 201; ``keyed``: each with
    its own ``Idempotency-Key``, as the web client and the mobile apps send a registration."""
    run = uuid.uuid4().hex
    return await load(
        name,
        server.port,
        lambda n: Request(
            "POST",
            path,
            {**headers, "Content-Type": "application/json", **({"Idempotency-Key": f"{run}-{n}"} if keyed else {})},
            to_json(registrant_body(n)),
        ),
        seconds=seconds,
        expect=(201,),
        server=server,
    )


ROUNDS = 3


async def _alternating(server: Server, headers: dict[str, str], seconds: float) -> tuple[Result, Result]:
    """``POST /api/v1/registrants`` without and with an ``Idempotency-Key``, in :data:`ROUNDS`
    alternating rounds of ``seconds / ROUNDS`` each, summed: both meet the same registry sizes (the
    duplicate check's work grows with the registry, so one after the other would charge the
    second for the first's registrations)."""
    path = "/api/v1/registrants" + CONFIRM
    plain, keyed = [], []
    for _ in range(ROUNDS):
        plain.append(await _registrations(server, "POST /api/v1/registrants", path, headers, seconds / ROUNDS))
        keyed.append(
            await _registrations(
                server, "  the same, with Idempotency-Key", path, headers, seconds / ROUNDS, keyed=True
            )
        )
    return Result.summed(plain), Result.summed(keyed)


async def run(server: Server, headers: dict[str, str], *, seconds: float, dsn: str) -> list[Result]:
    ids = await seed_registrants(server.port, headers, 500)
    port = server.port
    results = [
        await load(
            "baseline: raw asyncpg row",
            port,
            lambda n: Request("GET", f"/bench/baseline/{ids[n % len(ids)]}"),
            seconds=seconds,
            server=server,
        ),
        await load(
            "GET /api/v1/registrants/{id}",
            port,
            lambda n: Request("GET", f"/api/v1/registrants/{ids[n % len(ids)]}", headers),
            seconds=seconds,
            server=server,
        ),
        await _registrations(server, "baseline: raw asyncpg INSERT", "/bench/baseline", {}, seconds),
        await _registrations(server, "shell: POST signature + raw INSERT", "/bench/shell" + CONFIRM, headers, seconds),
        *await _alternating(server, headers, seconds),
    ]
    return results + await ceiling.run(dsn, ids, seconds=seconds)
