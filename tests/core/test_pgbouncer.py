"""Behind PgBouncer in transaction pooling mode (a real PgBouncer the test starts in front of the
test's PostgreSQL database, with fewer server connections than the app has clients), concurrent
writes and audited reads all succeed: no ``prepared statement … does not exist``; and no prepared
statement is left on PgBouncer's server connections, however many requests they served. A
register import, exports, a case and the audit log's sealing and verification work there too.

Needs PostgreSQL (``DATABASE_URL=postgresql+asyncpg://…``) and the Debian package ``pgbouncer``.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.audit.signing import Verifier
from app.core.config import Settings
from app.core.db import behind_pgbouncer, create_engine
from app.core.db_errors import pgbouncer_not_configured
from app.main import create_app
from tests.audit.test_audit_chain import _cli
from tests.conftest import AuditLog
from tests.core.servers import PgBouncer
from tests.core.test_database_outage import _start
from tests.db import postgres_url
from tests.imports.conftest import register_head

needs_postgres = pytest.mark.skipif(postgres_url() is None, reason="PgBouncer stands in front of PostgreSQL only")

SERVER_CONNECTIONS = 3
"""PgBouncer's ``default_pool_size`` in these tests: the app's 20 pooled clients share 3 server connections."""


@pytest.fixture
def pgbouncer(database_url: str) -> Iterator[PgBouncer]:
    bouncer = PgBouncer.in_front_of(database_url, pool_size=SERVER_CONNECTIONS)
    bouncer.start()
    yield bouncer
    bouncer.stop()


@pytest.fixture
async def bounced_app(settings: Settings, database_url: str, pgbouncer: PgBouncer) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"database_url": pgbouncer.url_for(database_url)}))
    yield app
    await app.state.engine.dispose()


@needs_postgres
async def test_concurrent_writes_and_audited_reads_through_pgbouncer(bounced_app: FastAPI, make_staff) -> None:
    assert behind_pgbouncer(bounced_app.state.engine)
    agent = await make_staff("agent")  # written straight to the database, not through PgBouncer
    transport = httpx.ASGITransport(app=bounced_app, client=("203.0.113.30", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def register(i: int) -> httpx.Response:
            body = {"given_names": f"Awa {chr(65 + i % 26)}", "family_name": f"Diop{i}", "sex": "female"}
            return await client.post(
                "/api/v1/registrants", headers=agent.headers, json=body, params={"confirm_duplicates": "true"}
            )

        created = await asyncio.gather(*(register(i) for i in range(24)))
        assert [r.status_code for r in created] == [201] * 24, [r.text for r in created if r.status_code != 201]
        paths = [f"/api/v1/registrants/{r.json()['id']}" for r in created]

        for round_ in range(3):  # audited reads (their own asyncpg path once the actor is cached), lists, writes
            responses = await asyncio.gather(
                *(client.get(path, headers=agent.headers) for path in paths),
                *(client.get("/api/v1/registrants", headers=agent.headers, params={"q": "Diop"}) for _ in range(4)),
                *(client.get("/readyz") for _ in range(4)),
                *(register(100 + 10 * round_ + i) for i in range(4)),
            )
            bad = [(r.request.url.path, r.status_code, r.text[:200]) for r in responses if r.status_code >= 300]
            assert bad == []
        logins = await asyncio.gather(
            *(client.post("/api/v1/auth/token", data={"username": agent.email, "password": p}) for p in ("x", "y"))
        )
        assert [r.status_code for r in logins] == [401, 401]


async def _prepared_statements_per_server_connection(bouncer: PgBouncer, database_url: str) -> dict[int, int]:
    """``pg_prepared_statements`` (one session's own statements) counted on each of PgBouncer's
    server connections: as many clients as it has server connections each hold a transaction open
    at once, so each is handed a different one. Server process id → named prepared statements."""
    dsn = make_url(database_url).set(drivername="postgresql", host="127.0.0.1", port=bouncer.port)
    clients = [
        await asyncpg.connect(dsn.render_as_string(hide_password=False), statement_cache_size=0)
        for _ in range(SERVER_CONNECTIONS)
    ]
    try:
        transactions = [client.transaction() for client in clients]
        for transaction in transactions:
            await transaction.start()
        rows = [
            await client.fetchrow("SELECT pg_backend_pid() AS pid, count(*) AS n FROM pg_prepared_statements")
            for client in clients
        ]
        for transaction in transactions:
            await transaction.rollback()
    finally:
        for client in clients:
            await client.close()
    return {row["pid"]: row["n"] for row in rows}


@needs_postgres
async def test_no_prepared_statement_is_left_on_the_server_connections_behind_pgbouncer(
    bounced_app: FastAPI, make_staff, pgbouncer: PgBouncer, database_url: str
) -> None:
    """Statements are sent unnamed (``app.core.db._unnamed_statement``): named ones, each under a
    new name, stayed prepared on whichever server connection PgBouncer had lent, as asyncpg closes
    one only later and on the server connection it then holds (sqlalchemy#6467): 15 to 20 per
    server connection after these 121 requests, about 190 after 1,200 (17 MB per server process)."""
    agent = await make_staff("agent")
    transport = httpx.ASGITransport(app=bounced_app, client=("203.0.113.31", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def register(i: int) -> httpx.Response:
            body = {"given_names": "Awa", "family_name": f"Diop{i}", "sex": "female"}
            return await client.post(
                "/api/v1/registrants", headers=agent.headers, json=body, params={"confirm_duplicates": "true"}
            )

        created = await register(0)
        assert created.status_code == 201, created.text
        path = f"/api/v1/registrants/{created.json()['id']}"
        for round_ in range(10):  # 10 rounds of 12 concurrent requests: audited reads, searches, writes
            responses = await asyncio.gather(
                *(client.get(path, headers=agent.headers) for _ in range(4)),
                *(client.get("/api/v1/registrants", headers=agent.headers, params={"q": "Diop"}) for _ in range(4)),
                *(register(1 + 2 * round_ + i) for i in range(2)),
                *(client.get("/readyz") for _ in range(2)),
            )
            assert [r.status_code for r in responses if r.status_code >= 300] == []
    await bounced_app.state.engine.dispose()

    per_connection = await _prepared_statements_per_server_connection(pgbouncer, database_url)
    assert len(per_connection) == SERVER_CONNECTIONS
    assert sorted(per_connection.values()) == [0] * SERVER_CONNECTIONS


async def test_the_pgbouncer_option_of_the_url_or_the_setting_configures_the_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    by_url = create_engine("postgresql+asyncpg://app@db.example:6432/desk?pgbouncer=true")
    plain = create_engine("postgresql+asyncpg://app@db.example:5432/desk")
    assert behind_pgbouncer(by_url) and not behind_pgbouncer(plain)
    assert "pgbouncer" not in by_url.url.query  # not passed on to asyncpg as a server setting
    setting = Settings(
        database_url="postgresql+asyncpg://app@db.example:6432/desk",
        database_pgbouncer=True,
        data_dir=tmp_path,
        _env_file=None,  # type: ignore[call-arg]
    )
    assert behind_pgbouncer(create_engine(setting.effective_database_url))
    for engine in (by_url, plain):
        await engine.dispose()


@needs_postgres
async def test_the_desk_workflows_through_pgbouncer(bounced_app: FastAPI, make_staff) -> None:
    """Beyond registrations and reads, through PgBouncer's transaction pooling: a register import
    (binary COPY, its desk lock on a connection of its own); then a dry run of it beside CSV and
    XLSX exports, registrations and a case opened for an imported person; then the audit log
    sealed and verified on the same pooled connections."""
    admin, supervisor, agent = await make_staff("admin", []), await make_staff("supervisor"), await make_staff("agent")
    transport = httpx.ASGITransport(app=bounced_app, client=("203.0.113.32", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def upload(lines: int, dry_run: bool) -> httpx.Response:
            return await client.post(
                "/api/v1/imports/registers",
                files={"file": ("registre.csv", register_head(lines), "application/octet-stream")},
                data={"desk_code": "CASA-BASE", "dry_run": "true" if dry_run else "false"},
                headers=admin.headers,
            )

        imported = await upload(41, dry_run=False)
        assert imported.status_code == 201, imported.text
        assert (imported.json()["counts"]["imported"], imported.json()["counts"]["flagged"]) == (35, 5)
        person = next(r["registrant_id"] for r in imported.json()["rows"] if r["outcome"] == "imported")

        responses = await asyncio.gather(
            upload(41, dry_run=True),
            client.get("/api/v1/exports/registrants", headers=supervisor.headers),
            client.get("/api/v1/exports/registrants", headers=supervisor.headers, params={"format": "xlsx"}),
            *(
                client.post(
                    "/api/v1/registrants",
                    headers=agent.headers,
                    json={"given_names": "Awa", "family_name": f"Sarr{i}", "sex": "female"},
                    params={"confirm_duplicates": "true"},
                )
                for i in range(4)
            ),
            client.post(
                "/api/v1/cases",
                headers=agent.headers,
                json={"registrant_id": person, "service_type": "SOCIAL", "channel": "walk_in"},
            ),
        )
        bad = [(r.request.url.path, r.status_code, r.text[:300]) for r in responses if r.status_code >= 300]
        assert bad == []
        assert responses[0].json()["counts"]["already_imported"] == 35  # the dry run saw the real run's rows
        table = list(csv.reader(io.StringIO(responses[1].content.decode("utf-8-sig"))))
        sheet = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(responses[2].content)).active.rows]
        assert table[0] == sheet[0] and table[0][0] == "person_id"  # pseudonymised for a supervisor
        for rows, response in ((table, responses[1]), (sheet, responses[2])):
            # the imported people, and the registrations committed before it, counted in the
            # snapshot the rows are read from
            assert 35 <= int(response.headers["x-export-rows"]) == len(rows) - 1 <= 39
        case = responses[-1].json()
        assert (responses[-1].status_code, case["registrant_id"], case["status"]) == (201, person, "received")

    audit_log = AuditLog(bounced_app)
    sealed = await audit_log.seal()
    result = await audit_log.verify()
    assert (result.ok, result.checked) == (True, sealed), result.reason


async def test_a_pooled_test_run_puts_every_app_behind_pgbouncer(
    app: FastAPI, pgbouncer_front: PgBouncer | None
) -> None:
    """``make test-pgbouncer``: the app every test drives reaches its database through the
    session's PgBouncer, configured for it."""
    if pgbouncer_front is None:
        pytest.skip("not a TEST_VIA_PGBOUNCER run")
    assert behind_pgbouncer(app.state.engine)
    assert app.state.engine.url.port == pgbouncer_front.port


@pytest.fixture
async def unflagged_app(settings: Settings, database_url: str, pgbouncer: PgBouncer) -> AsyncIterator[FastAPI]:
    """The app behind PgBouncer in transaction pooling mode, not told (an operator's likely
    mistake: neither ``DATABASE_PGBOUNCER`` nor ``?pgbouncer=true``)."""
    front = make_url(database_url).set(host="127.0.0.1", port=pgbouncer.port).render_as_string(hide_password=False)
    app = create_app(settings.model_copy(update={"database_url": front, "database_pgbouncer": False}))
    yield app
    await app.state.engine.dispose()


@needs_postgres
async def test_behind_pgbouncer_not_told_requests_answer_503_naming_the_setting(
    unflagged_app: FastAPI, make_staff, caplog: pytest.LogCaptureFixture
) -> None:
    """Named prepared statements looked for, or prepared again, on another server connection than
    the one that prepared them (``prepared statement … already exists`` / ``… does not exist``):
    503 problems, not 500, and an ERROR log line naming ``DATABASE_PGBOUNCER=true``; ``/readyz``
    failing says the same."""
    assert not behind_pgbouncer(unflagged_app.state.engine)
    agent = await make_staff("agent")
    transport = httpx.ASGITransport(app=unflagged_app, client=("203.0.113.33", 50000))
    seen: list[httpx.Response] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def register(i: int) -> httpx.Response:
            body = {"given_names": "Awa", "family_name": f"Ndiaye{i}", "sex": "female"}
            return await client.post(
                "/api/v1/registrants", headers=agent.headers, json=body, params={"confirm_duplicates": "true"}
            )

        for round_ in range(8):  # until the prepared statements have met another server connection (1st or 2nd)
            seen += await asyncio.gather(
                *(register(10 * round_ + i) for i in range(4)),
                *(client.get("/api/v1/registrants", headers=agent.headers, params={"q": "Ndiaye"}) for _ in range(6)),
                *(client.get("/readyz") for _ in range(2)),
            )
            if any(r.status_code == 503 for r in seen):
                break
    assert [r.text[:300] for r in seen if r.status_code not in (200, 201, 503)] == []
    refused = [r for r in seen if r.status_code == 503]
    assert refused, "no request met a prepared statement of another server connection"
    for response in refused:
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["type"] == "/problems/service-unavailable"
        assert "DATABASE_PGBOUNCER" not in problem["detail"] or response.request.url.path == "/readyz"
    for response in (r for r in refused if r.request.url.path == "/readyz"):
        assert "DATABASE_PGBOUNCER=true" in response.json()["detail"]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and r.name == "app.errors"]
    assert errors and all("DATABASE_PGBOUNCER=true" in line and "README" in line for line in errors), errors
    assert not [r for r in caplog.records if r.name == "app.errors" and "unhandled error" in r.getMessage()]


@needs_postgres
async def test_a_startup_parameter_pgbouncer_refuses_is_told_to_the_operator(
    database_url: str, pgbouncer: PgBouncer, settings: Settings
) -> None:
    """A command that sets run-time parameters when it connects (``verify-audit``: ``statement_timeout``)
    reaching PgBouncer not flagged for it: PgBouncer refuses the startup parameter; the sentence
    :func:`app.core.db_errors.pgbouncer_not_configured` gives the command line names the setting."""
    front = make_url(database_url).set(host="127.0.0.1", port=pgbouncer.port).render_as_string(hide_password=False)
    engine = create_engine(front, server_settings={"statement_timeout": "0"})
    try:
        with pytest.raises(Exception) as refused:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
    assert "unsupported startup parameter" in str(refused.value)
    told = pgbouncer_not_configured(refused.value)
    assert told is not None and "DATABASE_PGBOUNCER=true" in told and "README" in told, told
    assert "\n" not in told
    assert pgbouncer_not_configured(ValueError("unsupported startup parameter")) is None
    # the command itself, sent to PgBouncer without DATABASE_PGBOUNCER: exit 3, the setting named
    key = Verifier(Ed25519PrivateKey.generate().public_key()).public_key_b64
    done = await asyncio.to_thread(_cli, front, settings.data_dir, "verify-audit", "--public-key", key)
    assert done.returncode == 3, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "DATABASE_PGBOUNCER=true" in line and "unsupported startup parameter" in line, line


@needs_postgres
async def test_sealing_failing_on_a_prepared_statement_error_is_said_by_readyz(app: FastAPI, client) -> None:  # type: ignore[no-untyped-def]
    """The errors a prepared statement met on another server connection raises, triggered on
    PostgreSQL itself (no PgBouncer needed: a statement executed that was never prepared, one
    prepared twice), each named by :func:`pgbouncer_not_configured`; the audit sequencer failing
    with one, ``/readyz`` gives the line naming the setting as ``audit.reason``."""
    engine = app.state.engine
    raised: list[BaseException] = []
    for statements in (["EXECUTE dd_fx_never_prepared"], ["PREPARE dd_fx_twice AS SELECT 1"] * 2):
        async with engine.connect() as conn:
            with pytest.raises(Exception) as caught:
                for statement in statements:
                    await conn.exec_driver_sql(statement)
            await conn.rollback()
            if len(statements) == 2:  # PREPARE is not transactional: not left on the connection
                await conn.exec_driver_sql("DEALLOCATE dd_fx_twice")
        raised.append(caught.value)
    causes = [type(exc.orig.__cause__).__name__ for exc in raised]  # type: ignore[attr-defined]
    assert causes == ["InvalidSQLStatementNameError", "DuplicatePreparedStatementError"]
    for exc in raised:
        told = pgbouncer_not_configured(exc)
        assert told is not None and "DATABASE_PGBOUNCER=true" in told, told

    ready = (await client.get("/readyz")).json()
    assert "reason" not in ready["audit"]
    app.state.audit_sequencer._failed(raised[1])  # as its run() records a round that raised
    ready = (await client.get("/readyz")).json()
    assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "failing")
    assert "DATABASE_PGBOUNCER=true" in ready["audit"]["reason"]
    assert "already exists" in ready["audit"]["reason"]


@needs_postgres
async def test_behind_pgbouncer_not_told_the_operator_line_is_logged_once_a_minute(
    unflagged_app: FastAPI, make_staff, caplog: pytest.LogCaptureFixture
) -> None:
    """Every request meeting PgBouncer's transaction pooling answers 503, but the ERROR line naming
    ``DATABASE_PGBOUNCER=true`` is logged for the first at once, then once a minute at most, saying
    how many were not logged meanwhile (``app.core.repeated_lines``)."""
    agent = await make_staff("agent")
    transport = httpx.ASGITransport(app=unflagged_app, client=("203.0.113.34", 50000))

    def told() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and r.name == "app.errors"]

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def refused_until(least: int) -> int:
            """Requests until at least ``least`` answered 503; how many did."""
            count = 0
            for round_ in range(40):
                answers = await asyncio.gather(
                    *(client.get("/api/v1/registrants", headers=agent.headers, params={"q": "Fall"}) for _ in range(8))
                )
                assert [r.text[:300] for r in answers if r.status_code not in (200, 503)] == []
                count += sum(r.status_code == 503 for r in answers)
                if count >= least:
                    return count
            raise AssertionError(f"only {count} requests met a prepared statement of another server connection")

        first = await refused_until(3)
        assert len(told()) == 1, told()
        assert "DATABASE_PGBOUNCER=true" in told()[0] and "not logged" not in told()[0]

        lines = unflagged_app.state.repeated_lines
        later = lines.clock() + 61
        lines.clock = lambda: later  # a minute on
        await refused_until(1)
    assert len(told()) == 2, told()
    assert "DATABASE_PGBOUNCER=true" in told()[1]
    assert told()[1].endswith(f" ({first - 1} more like it in the last 61 s not logged)"), told()[1]


@needs_postgres
@pytest.mark.parametrize("command", ["serve", "uvicorn"])
async def test_a_pgbouncer_dropping_the_start_up_parameters_stops_the_start_naming_the_setting(
    database_url: str, command: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """PgBouncer told to ignore ``search_path`` (``ignore_startup_parameters``) accepts the app's
    connections without the setting, then its named prepared statements fail at random: the app
    would start and answer 503 at random, its sequencer logging a traceback a second."""
    bouncer = PgBouncer(
        host=make_url(database_url).host or "127.0.0.1",
        port=make_url(database_url).port or 5432,
        pool_size=SERVER_CONNECTIONS,
        ignored="extra_float_digits, search_path",
    )
    bouncer.start()
    try:
        front = make_url(database_url).set(host="127.0.0.1", port=bouncer.port).render_as_string(hide_password=False)
        done = await asyncio.to_thread(_start, command, front, tmp_path / "var")
    finally:
        bouncer.stop()
    assert done.returncode == 3, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    where = f"PostgreSQL at 127.0.0.1:{bouncer.port}, "
    assert line.startswith(f"cannot start: the database of DATABASE_URL ({where}"), line
    assert line.endswith(
        'did not receive this app\'s start-up parameters (search_path is "$user", public, not pg_catalog, public, '
        "pg_temp): PostgreSQL is most likely reached through PgBouncer ignoring them (ignore_startup_parameters), "
        "where named prepared statements fail at random; set DATABASE_PGBOUNCER=true (or add ?pgbouncer=true to "
        'DATABASE_URL), see README "Database outages and PgBouncer"'
    ), line
