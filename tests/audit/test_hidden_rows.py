"""PostgreSQL: someone with the owner's rights but not the key cannot hide from ``verify-audit``
what a running sequencer stored as evidence: a rewrite rule, a trigger of their own or row-level
security on an audit table is named.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit.service import verify_chain
from tests.audit.conftest import write_events


@pytest.fixture
async def sealed(sessionmaker, audit_log) -> None:
    async with sessionmaker() as session:
        postgres = session.bind.dialect.name == "postgresql"
    if not postgres:
        pytest.skip("rules, triggers of one's own and row-level security: PostgreSQL's")
    await write_events(sessionmaker, 3)
    await audit_log.seal()


async def _as_owner(sessionmaker, *statements: str) -> None:
    """``statements`` on the application's connection, as the owner. It starts with ``search_path =
    pg_catalog, public, pg_temp`` (``app.core.db.APP_SEARCH_PATH``): what they create is named in public."""
    async with sessionmaker() as session:
        for statement in statements:
            await session.execute(text(statement))
        await session.commit()


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (
            [
                "CREATE RULE drop_witness AS ON INSERT TO audit_witnessed_checkpoints DO INSTEAD NOTHING",
            ],
            "rule drop_witness on audit_witnessed_checkpoints",
        ),
        (
            [
                "CREATE FUNCTION public.dd_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "CREATE TRIGGER dd_drop BEFORE INSERT ON audit_witnessed_checkpoints "
                "FOR EACH ROW EXECUTE FUNCTION public.dd_drop()",
            ],
            "trigger dd_drop (not the migrations') on audit_witnessed_checkpoints",
        ),
        (
            [
                "ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY matching ON audit_checkpoints USING (true)",
            ],
            "row-level security on audit_checkpoints",
        ),
        (
            [
                "ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY matching ON audit_events USING (true)",
            ],
            "row-level security on audit_events",
        ),
        (
            ["ALTER TABLE audit_witnessed_checkpoints ADD CONSTRAINT zz_refuse CHECK (false) NOT VALID"],
            "constraint zz_refuse on audit_witnessed_checkpoints",
        ),
        (
            ["ALTER TABLE audit_witnessed_checkpoints ALTER COLUMN id SET DEFAULT (1 / 0)"],
            "default of id on audit_witnessed_checkpoints",
        ),
        (
            ["ALTER TABLE audit_events ENABLE REPLICA TRIGGER audit_events_txid"],
            "trigger audit_events_txid (a migration's, disabled or firing only as a replica) on audit_events",
        ),
        (
            [
                "CREATE OR REPLACE FUNCTION public.audit_events_stamp_txid() RETURNS trigger LANGUAGE plpgsql "
                "SET search_path = pg_catalog, pg_temp AS $$ BEGIN "
                "NEW.txid := pg_catalog.pg_current_xact_id()::text::int8; NEW.ip := '203.0.113.66'; RETURN NEW; END $$"
            ],
            "function body rewritten on audit_events_stamp_txid",
        ),
        (
            ["ALTER TABLE audit_witnessed_checkpoints ALTER COLUMN id DROP DEFAULT"],
            "no default of id on audit_witnessed_checkpoints",
        ),
        (
            [
                "CREATE DOMAIN public.dd_hash AS varchar(64) CHECK (VALUE <> repeat('f', 64))",
                "ALTER TABLE audit_witnessed_checkpoints ALTER COLUMN hash TYPE public.dd_hash",
            ],
            "column hash of type dd_hash not null on audit_witnessed_checkpoints",
        ),
        (
            ["CREATE UNIQUE INDEX zz_one ON audit_witnessed_checkpoints ((1))"],
            "index zz_one on audit_witnessed_checkpoints",
        ),
        (
            ["CREATE INDEX zz_fails ON audit_witnessed_checkpoints ((1 / (seq - 7)))"],
            "index zz_fails on audit_witnessed_checkpoints",
        ),
        (
            [
                "SET LOCAL allow_system_table_mods = on",
                "CREATE VIEW pg_catalog.audit_events AS SELECT * FROM public.audit_events",
            ],
            "a relation of its name in pg_catalog on audit_events",
        ),
        (
            ["ALTER TABLE audit_witnessed_checkpoints ALTER COLUMN hash TYPE varchar(2)"],
            "column hash of type character varying(2) not null on audit_witnessed_checkpoints",
        ),
        (
            # read as a Decimal, a witnessed checkpoint's seq was passed over as not a number
            ["ALTER TABLE audit_witnessed_checkpoints ALTER COLUMN seq TYPE numeric"],
            "column seq of type numeric not null on audit_witnessed_checkpoints",
        ),
        (
            [
                "CREATE TABLE public.zz_allowed (seq bigint, hash varchar(64), UNIQUE (seq, hash))",
                "INSERT INTO zz_allowed SELECT seq, hash FROM audit_checkpoints",
                "ALTER TABLE audit_witnessed_checkpoints ADD CONSTRAINT zz_fk FOREIGN KEY (seq, hash) "
                "REFERENCES zz_allowed (seq, hash)",
            ],
            "constraint zz_fk on audit_witnessed_checkpoints",
        ),
    ],
    ids=[
        "rule",
        "trigger",
        "row-level security",
        "row-level security on the events",
        "check",
        "default",
        "replica trigger",
        "function body",
        "no default",
        "domain",
        "unique index",
        "failing index",
        "shadow in pg_catalog",
        "column too narrow",
        "column of another type",
        "foreign key",
    ],
)
async def test_what_could_hide_rows_from_the_verifier_is_named(
    sealed, sessionmaker, audit_log, statements: list[str], named: str
) -> None:
    assert (await audit_log.verify()).ok
    await _as_owner(sessionmaker, *statements)
    result = await audit_log.verify()
    assert not result.ok
    prefix = f"the audit tables are not read as they were written: {named}"
    assert result.reason.startswith(prefix) and result.reason[len(prefix)] in " ,", result.reason


async def test_a_migrations_trigger_turned_off_is_not_said_to_be_added(sealed, sessionmaker, audit_log) -> None:
    await _as_owner(sessionmaker, "ALTER TABLE audit_links DISABLE TRIGGER audit_links_append_only")
    assert (await audit_log.verify()).reason == (
        "the audit tables are not read as they were written: trigger audit_links_append_only (a migration's, "
        "disabled or firing only as a replica) on audit_links (made with the owner's rights, whether added, "
        "changed or turned off: such changes can drop, hide or alter rows, such as a checkpoint a sequencer "
        "witnessed)"
    )


@pytest.mark.parametrize(
    ("statements", "refusal"),
    [
        (["SELECT setval('audit_witnessed_checkpoints_id_seq', 9223372036854775807)"], "reached maximum value"),
    ],
    ids=["sequence at its end"],
)
async def test_what_keeps_a_witness_from_being_stored_is_found_by_trying(
    sealed, sessionmaker, audit_log, statements: list[str], refusal: str
) -> None:
    """What no catalog rule names: the verifier tries to store a witnessed checkpoint as a
    sequencer would, and leaves nothing behind."""
    await _as_owner(sessionmaker, *statements)
    result = await audit_log.verify()
    assert not result.ok
    assert result.reason.startswith("the database refuses to store a checkpoint a running sequencer witnessed (")
    assert refusal in result.reason
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT count(*) FROM audit_witnessed_checkpoints"))).scalar_one() == 0


async def test_no_trial_where_none_can_tell_anything(sealed, sessionmaker, audit_log, database_url) -> None:
    """In a read-only session (a standby, an auditor's account) the verifier does not try to
    store a witness: an intact log verifies there, whatever keeps the application's role from
    storing one (the application's own verification names it)."""
    from sqlalchemy.engine import make_url

    from app.core.db import create_engine, create_sessionmaker

    await _as_owner(sessionmaker, "SELECT setval('audit_witnessed_checkpoints_id_seq', 9223372036854775807)")
    assert not (await audit_log.verify()).ok
    database = make_url(database_url).database
    await _as_owner(sessionmaker, f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            result = await verify_chain(session, audit_log.app.state.audit_sequencer.signer)
        assert result.ok, result
    finally:
        await engine.dispose()
        await _as_owner(sessionmaker, f'ALTER DATABASE "{database}" RESET default_transaction_read_only')


async def _next_witness_id(sessionmaker) -> int:
    async with sessionmaker() as session:
        last, called = (
            await session.execute(text("SELECT last_value, is_called FROM audit_witnessed_checkpoints_id_seq"))
        ).one()
    return int(last) + int(called)


async def test_the_trial_store_runs_each_time_and_leaves_no_row(sealed, sessionmaker, audit_log) -> None:
    """Each verification tries (the witnesses' id sequence moves on by one) and leaves no row."""
    before = await _next_witness_id(sessionmaker)
    for _ in range(3):
        assert (await audit_log.verify()).ok
    assert await _next_witness_id(sessionmaker) == before + 3
    async with sessionmaker() as session:
        assert (await session.execute(text("SELECT count(*) FROM audit_witnessed_checkpoints"))).scalar_one() == 0


async def test_a_witness_the_database_refuses_to_store_still_stops_and_shows_its_checkpoint(
    sealed, app, client, sessionmaker, audit_log, tmp_path
) -> None:
    """The owner makes storing the evidence fail (a constraint), cuts, edits and lets a new process
    seal again: the process that saw the cut head stops all the same, and ``/readyz`` shows the
    checkpoint it kept, which ``--against`` names the rewrite with."""
    from app.audit.sequencer import Sequencer
    from app.audit.signing import Checkpoint
    from tests.audit.test_verification import _cut_after_3_and_edit_5

    await write_events(sessionmaker, 3)
    await audit_log.seal()  # head 6, witnessed by the app's sequencer
    refusing = "ALTER TABLE audit_witnessed_checkpoints ADD CONSTRAINT zz_none CHECK (false) NOT VALID"
    await _as_owner(sessionmaker, refusing)
    await _cut_after_3_and_edit_5(sessionmaker)
    assert await Sequencer(app.state.engine, app.state.audit_sequencer.signer).seal_all() == 3
    assert await audit_log.seal() == 0  # no exception: the refused insert is in a savepoint
    ready = (await client.get("/readyz")).json()["audit"]
    assert ready["sealing"] == "stopped"
    kept = Checkpoint.from_json(ready["witnessed_checkpoint"])
    assert kept.seq == 6
    result = await audit_log.verify()
    assert result.reason.startswith("the audit tables are not read as they were written: constraint zz_none ")
    await _as_owner(sessionmaker, "ALTER TABLE audit_witnessed_checkpoints DROP CONSTRAINT zz_none")
    assert (await audit_log.verify()).ok  # the constraint gone, the database alone no longer tells
    result = await audit_log.verify(against=kept)
    assert (result.ok, result.reason) == (False, "the kept checkpoint at seq 6 differs from the stored one")


async def test_row_level_security_on_the_events_is_named_to_the_application_role(
    sealed, app_role, app_role_connection, database_url, sessionmaker, audit_log
) -> None:
    """A policy binds the roles that do not own the table (the owner and superusers pass it): run as
    the application's role, the verifier read the events first (to count those waiting) and failed
    with PostgreSQL's "query would be affected by row-level security policy", unnamed."""
    from sqlalchemy.engine import make_url

    from app.core.db import create_engine, create_sessionmaker

    await _as_owner(
        sessionmaker,
        "ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY matching ON audit_events USING (true)",
    )
    engine = create_engine(make_url(database_url).set(username=app_role).render_as_string(hide_password=False))
    try:
        async with create_sessionmaker(engine)() as session:
            result = await verify_chain(session, audit_log.app.state.audit_sequencer.signer)
    finally:
        await engine.dispose()
    assert result.reason.startswith(
        "the audit tables are not read as they were written: row-level security on audit_events (made with"
    )
