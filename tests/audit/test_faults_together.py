"""Faults of independent kinds are each named, whichever others are there.

The checkpoints' batches were checked only once every check of the chain had passed, so a
checkpoint deleted was not named beside an event edited, a tail cut, a witnessed head that
differs or a checkpoint forged; and (PostgreSQL) a rule or a trigger of someone else's on an audit
table stopped the verification before any link was read, though neither changes what is read.
"""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, text

from app.audit.models import AuditCheckpoint, AuditWitnessedCheckpoint
from app.audit.signing import Signer
from app.core.db import utcnow
from tests.audit.tampering import as_owner, lift_protection
from tests.audit.test_audit_chain import _cli
from tests.audit.test_every_fault import CONTENT, _edit
from tests.audit.test_every_side_fault import _unsigned_batch
from tests.audit.test_unchained_fields import _sealed_at
from tests.audit.test_verify_failures import _sealed_log, _signer, _verify

OTHER = Signer(Ed25519PrivateKey.generate())


async def _edited(app, sessionmaker) -> set:
    (event_id,) = await _edit(sessionmaker, 5)
    return {(5, event_id, CONTENT)}


async def _checkpoint_deleted(app, sessionmaker) -> set:
    batch = await _sealed_at(sessionmaker, 4)
    await as_owner(app.state.engine, "DELETE FROM audit_checkpoints WHERE seq = 6")
    return {(6, None, _unsigned_batch(4, 6, batch))}


async def _tail_cut(app, sessionmaker) -> set:
    await as_owner(app.state.engine, "DELETE FROM audit_links WHERE seq > 10")
    return {(12, None, "checkpoint at seq 12 is beyond the last link 10 (the log was truncated)")}


async def _witnessed_differs(app, sessionmaker) -> set:
    """A head a running sequencer witnessed at seq 9, another than the stored one (signed with the
    key: the log was cut and sealed again behind it)."""
    witnessed = _signer(app).sign(9, "ab" * 32, utcnow())
    async with sessionmaker() as session:
        session.add(AuditWitnessedCheckpoint(**witnessed.__dict__, witnessed_at=utcnow()))
        await session.commit()
    return {"the witnessed checkpoint at seq 9 (hash abababababababab…"}


async def _checkpoint_forged(app, sessionmaker) -> set:
    async with sessionmaker() as session:
        await lift_protection(session)
        row = await session.get(AuditCheckpoint, 3)
        forged = OTHER.sign(3, row.hash, row.signed_at)
        await session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == 3))
        session.add(AuditCheckpoint(**forged.__dict__))
        await session.commit()
    unsigned = f"checkpoint at seq 3: signed by key {OTHER.key_id}, not by the trusted key {_signer(app).key_id}"
    return {(3, None, unsigned)}


TAMPERING = {
    "edited event": _edited,
    "deleted checkpoint": _checkpoint_deleted,
    "cut tail": _tail_cut,
    "witnessed conflict": _witnessed_differs,
    "forged checkpoint": _checkpoint_forged,
}


def _named(expected: set, faults: tuple) -> list:
    """What of ``expected`` (faults, or the start of a reason) ``faults`` does not name."""
    reasons = [reason for _, _, reason in faults]
    return [
        fault
        for fault in expected
        if (fault not in faults if isinstance(fault, tuple) else not any(r.startswith(fault) for r in reasons))
    ]


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(TAMPERING, 2)))
async def test_each_of_two_faults_is_named(app, sessionmaker, audit_log, first: str, second: str) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=4)  # links 1-12, checkpoints at 3, 6, 9 and 12
    expected = await TAMPERING[first](app, sessionmaker) | await TAMPERING[second](app, sessionmaker)
    for result in await _verify(sessionmaker, _signer(app)):
        assert _named(expected, result.faults) == [], result.faults
        assert len(result.faults) == len(expected), result.faults


async def test_all_five_faults_are_named(app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=4)
    expected: set = set()
    for tamper in TAMPERING.values():
        expected |= await tamper(app, sessionmaker)
    for result in await _verify(sessionmaker, _signer(app)):
        assert _named(expected, result.faults) == [], result.faults
        assert len(result.faults) == len(expected), result.faults


# PostgreSQL: what changes the writes but not the reads is named, and the log checked too


@pytest.fixture
async def postgres(sessionmaker) -> None:
    async with sessionmaker() as session:
        if session.bind.dialect.name != "postgresql":
            pytest.skip("rules, triggers, schemas and role settings: PostgreSQL's")


async def _as_superuser(sessionmaker, *statements: str) -> None:
    async with sessionmaker() as session:
        for statement in statements:
            await session.execute(text(statement))
        await session.commit()


PROTECTION = "the audit tables are not read as they were written: "


async def test_a_rule_and_a_trigger_are_named_and_the_log_still_checked(postgres, app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=4)
    deleted = await _checkpoint_deleted(app, sessionmaker)
    witnessed = await _witnessed_differs(app, sessionmaker)
    await _as_superuser(
        sessionmaker,
        "CREATE RULE drop_checkpoint AS ON INSERT TO public.audit_checkpoints DO INSTEAD NOTHING",
        "CREATE FUNCTION public.fx_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER fx_drop BEFORE INSERT ON public.audit_witnessed_checkpoints "
        "FOR EACH ROW EXECUTE FUNCTION public.fx_drop()",
    )
    named = (
        f"{PROTECTION}rule drop_checkpoint on audit_checkpoints, "
        "trigger fx_drop (not the migrations') on audit_witnessed_checkpoints ("
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.checked == 12
        assert result.reason.startswith(named), result.faults
        assert _named(deleted | witnessed, result.faults) == [], result.faults
        assert len(result.faults) == 3, result.faults


async def test_an_audit_table_turned_into_a_view_stops_the_verification(postgres, app, sessionmaker, audit_log) -> None:
    """A view reads what its query says: nothing read there can be trusted, and that is said alone."""
    await _sealed_log(sessionmaker, audit_log)
    await _as_superuser(
        sessionmaker,
        "ALTER TABLE public.audit_checkpoints RENAME TO fx_checkpoints",
        "CREATE VIEW public.audit_checkpoints AS SELECT * FROM public.fx_checkpoints WHERE seq <> 3",
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert (result.checked, len(result.faults)) == (0, 1)
        assert result.reason.startswith(f"{PROTECTION}a relation of kind v, not a table on audit_checkpoints, rule ")
        assert "rule _RETURN on audit_checkpoints keeps the log from being checked)" in result.reason


async def test_a_relation_of_an_audit_tables_name_in_another_schema_is_named(
    postgres, app, sessionmaker, audit_log
) -> None:
    """Found first on a search_path, a view there takes the application's writes (its rules may
    drop or alter them before they reach the log): the tester's ``number_series.audit_events``."""
    await _sealed_log(sessionmaker, audit_log)
    await _as_superuser(
        sessionmaker,
        "CREATE SCHEMA fx_elsewhere",
        "CREATE VIEW fx_elsewhere.audit_events AS SELECT * FROM public.audit_events",
        "CREATE TABLE number_series.registrants (id int)",
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert result.checked == 6
        assert result.reason.startswith(
            f"{PROTECTION}a relation of its name in schema fx_elsewhere on audit_events, "
            "a relation of its name in schema number_series on registrants ("
        ), result.faults
        assert len(result.faults) == 1


async def test_a_search_path_set_before_public_is_named(postgres, app, sessionmaker, audit_log) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        database = (await session.execute(text("SELECT current_database()"))).scalar_one()
    await _as_superuser(
        sessionmaker,
        f'ALTER DATABASE "{database}" SET search_path = number_series, public',
        f'ALTER ROLE CURRENT_USER IN DATABASE "{database}" SET search_path = "$user", public',
    )
    for result in await _verify(sessionmaker, _signer(app)):
        assert [reason for _, _, reason in result.faults] == [
            "the search_path of every role in database "
            f"{database} is set to number_series, public, a schema before public: the application's writes can "
            "be led to relations of the same names there, and altered or dropped before they are recorded"
        ]


# An auditor's key that is not the log's


async def test_another_key_with_a_kept_checkpoint_of_the_logs_key_is_refused(
    app, sessionmaker, audit_log, database_url, settings, tmp_path
) -> None:
    await _sealed_log(sessionmaker, audit_log)
    async with sessionmaker() as session:
        row = await session.get(AuditCheckpoint, 6)
    signer = _signer(app)
    kept = tmp_path / "kept.json"
    checkpoint = signer.sign(6, row.hash, row.signed_at)
    kept.write_text(json.dumps({**checkpoint.as_json(), "public_key": signer.public_key_b64}))
    done = await asyncio.to_thread(
        _cli,
        database_url,
        settings.data_dir,
        "verify-audit",
        "--public-key",
        OTHER.public_key_b64,
        "--against",
        str(kept),
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"--against {kept} is signed by key {signer.key_id}, but --public-key is key {OTHER.key_id}, which does not "
        "trust it (nor does any key rotation in the log): give the key that signs the log and a checkpoint it signed"
    ]


async def test_another_key_is_said_once_not_as_tampering(app, sessionmaker, audit_log, database_url, settings) -> None:
    await _sealed_log(sessionmaker, audit_log, batches=3)
    done = await asyncio.to_thread(
        _cli, database_url, settings.data_dir, "verify-audit", "--public-key", OTHER.public_key_b64
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"audit log BROKEN: every checkpoint (3) is signed by key {_signer(app).key_id}, not by the trusted key "
        f"{OTHER.key_id}: the key given (--public-key, or AUDIT_SIGNING_KEY_FILE's) is not the one that signs this "
        "log, or every checkpoint was replaced; the links were checked, not against a signature "
        "(9 links checked); 1 event not sealed yet"
    ]
