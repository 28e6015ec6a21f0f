"""``diaspora-desk verify-audit``: the audit log checked from the command line.

Exit codes (README, docs/audit.md):

=====  ======================================================================================
0      the log verifies (events still waiting to be sealed are reported, not a fault)
1      the log is broken: a fault named (link, event, checkpoint), or its tables are not what
       the migrations made (a table dropped, a column of another type), or ``--seal`` could
       not seal an event
2      the command cannot be run as given: the key or the kept checkpoint file cannot be used,
       or the kept checkpoint is signed by a key the key given does not trust
3      the database cannot be read: unreachable, no such database or role, a role without the
       grants, or not at this version's migrations (never migrated, behind, a newer version's:
       nothing is known about the log)
=====  ======================================================================================

Every message is one line on standard error, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.core.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.audit.signing import Signer
    from app.audit.verify import VerifyResult

BROKEN, UNUSABLE_INPUT, UNREADABLE = 1, 2, 3
"""``verify-audit``'s exit codes but 0 (module docstring)."""

AUDIT_SESSION = {"statement_timeout": "0", "idle_in_transaction_session_timeout": "0", "lock_timeout": "0"}
"""The PostgreSQL settings of ``verify-audit``'s connections: no timeouts, whatever the application's
role gave itself (``ALTER ROLE … SET statement_timeout = '1ms'`` would keep every check from ending)."""


def _fail(message: str, code: int) -> typer.Exit:
    from app.cli import refused  # app.cli imports this module's commands

    return refused(message, code)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


def _not_this_versions(exc: BaseException) -> typer.Exit | None:
    """A table or column missing because the database is not at this version's migrations (never
    migrated, behind, or a newer version's: :func:`app.cli.schema_not_this_versions`): exit 3
    with that line, as every command's; None for a table missing in a database at this version's
    migrations (its schema was rewritten: the log is broken)."""
    from app.cli import schema_not_this_versions

    said = schema_not_this_versions(exc)
    return None if said is None else _fail(f"cannot read the audit log: {said}", UNREADABLE)


def _unreadable(exc: BaseException) -> typer.Exit:
    from app.core.db_errors import pgbouncer_not_configured

    if (said := pgbouncer_not_configured(exc)) is not None:  # PgBouncer refused a startup parameter
        return _fail(f"cannot read the audit log: {said}", UNREADABLE)
    from app.cli import databases_named, without_passwords

    return _fail(
        f"cannot read the audit log: the database cannot be reached or refused this role: {databases_named(None)} "
        f"({without_passwords(f'{type(exc).__name__}: {_first_line(exc)}')})",
        UNREADABLE,
    )


def _missing_database(settings: Settings) -> typer.Exit | None:
    """SQLite: exit 3 when the database file does not exist (connecting would make an empty one,
    or fail in the driver's thread); None otherwise."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    if Path(url.database).is_file():
        return None
    return _fail(f"cannot read the audit log: the database file {url.database} does not exist", UNREADABLE)


def verify_audit(
    against: Annotated[
        Path | None,
        typer.Option(help="A checkpoint kept outside the database (JSON from GET /api/v1/audit/checkpoint)."),
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="The trusted public key (base64); default: that of AUDIT_SIGNING_KEY_FILE's private key."),
    ] = None,
    seal: Annotated[bool, typer.Option(help="First seal the events committed but not yet sealed.")] = False,
) -> None:
    """Verify the audit log: hash chain, every signed checkpoint, optionally a kept checkpoint.

    Exits 0 when valid (reporting events still waiting to be sealed); 1 naming what is broken, or
    saying why the log is not what the migrations made (a table or column dropped or of another
    type); 2 when the key or the checkpoint file cannot be used, or contradict each other (the
    checkpoint signed by a key the key given does not trust); 3 when the database cannot be
    read (unreachable, no such database or role, a role without the grants). One line, no traceback.
    """
    from app.audit.sequencer import signer_for
    from app.audit.signing import Verifier, load_checkpoint_file
    from app.audit.verify import KeptUnsigned, KeyMismatch
    from app.cli import counted, run_in_session
    from app.core.db_errors import database_unreadable

    settings = Settings()
    if (missing := _missing_database(settings)) is not None:
        raise missing
    try:
        # --public-key "" (an auditor's unset variable) is refused, not taken for "the server's key file"
        verifier = Verifier.from_b64(public_key) if public_key is not None else signer_for(settings, create=False)
        kept = load_checkpoint_file(against) if against else None
    except (OSError, ValueError) as exc:
        raise _fail(str(exc), UNUSABLE_INPUT) from exc
    if seal:
        try:
            signer = signer_for(settings, create=False)
        except (OSError, ValueError) as exc:  # the private key: missing or not Ed25519
            raise _fail(str(exc), UNUSABLE_INPUT) from exc
        try:
            sealed, blocked = _seal(settings, signer)
        except Exception as exc:  # a rewritten schema: a message, not a traceback
            if (schema := _not_this_versions(exc)) is not None:
                raise schema from exc
            if database_unreadable(exc):
                raise _unreadable(exc) from exc
            raise _fail(f"sealing failed: {type(exc).__name__}: {_first_line(exc)}", BROKEN) from exc
        if isinstance(blocked, str):  # refused: what it would sign over is not what a sequencer wrote
            raise _fail(f"sealing refused: {blocked} ({counted(sealed, 'event')} sealed before)", BROKEN)
        if blocked is not None:  # an event that cannot be hashed: sealed up to it
            unhashed, why = blocked
            raise _fail(
                f"sealing failed: {why} (event {unhashed}; {counted(sealed, 'event')} sealed before it)", BROKEN
            )
        typer.echo(f"sealed {counted(sealed, 'event')}")

    async def check(session: AsyncSession) -> VerifyResult:
        from app.audit.service import verify_chain

        return await verify_chain(session, verifier, against=kept)

    try:
        result = run_in_session(settings, check, server_settings=AUDIT_SESSION)
    except KeyMismatch as exc:  # an auditor's wrong key or file: not the log's fault
        given = "--public-key" if public_key is not None else "AUDIT_SIGNING_KEY_FILE's key"
        raise _fail(
            f"--against {against} is signed by key {exc.kept_key_id}, but {given} is key {exc.key_id}, which does "
            "not trust it (nor does any key rotation in the log): give the key that signs the log and a checkpoint "
            "it signed",
            UNUSABLE_INPUT,
        ) from exc
    except KeptUnsigned as exc:  # the file edited, or another log's: not the log's fault
        raise _fail(
            f"--against {against} is not a checkpoint key {exc.key_id} signed: its signature does not verify (the "
            "file was edited, or comes from another log); the log was not checked against it",
            UNUSABLE_INPUT,
        ) from exc
    except Exception as exc:  # whatever a rewritten schema makes fail: a verdict, not a traceback
        if (schema := _not_this_versions(exc)) is not None:
            raise schema from exc
        if database_unreadable(exc):
            raise _unreadable(exc) from exc
        raise _fail(f"audit log cannot be read: {type(exc).__name__}: {_first_line(exc)}", BROKEN) from exc
    pending = f"; {counted(result.pending.count, 'event')} not sealed yet" if result.pending.count else ""
    if result.ok:
        checked, signed = counted(result.checked, "event"), counted(result.checkpoints, "signed checkpoint")
        typer.echo(f"audit chain valid: {checked}, {signed}{pending}")
        return
    checked = f"{result.checked} links checked" if result.checked else "no link checked"
    if len(result.faults) == 1:  # one line, as it always was
        where = _where(*result.faults[0][:2])
        raise _fail(f"audit log BROKEN{' ' + where if where else ''}: {result.reason} ({checked}){pending}", BROKEN)
    found = counted(len(result.faults) + result.more_faults, "fault")
    lines = [f"audit log BROKEN: {found} ({checked}{pending})"]
    for at, event_id, reason in result.faults:
        where = _where(at, event_id)
        lines.append(f"  {where + ': ' if where else ''}{reason}")
    if result.more_faults:
        lines.append(f"  and {counted(result.more_faults, 'more fault')}, not listed")
    raise _fail("\n".join(lines), BROKEN)


def _where(seq: int | None, event_id: int | None) -> str:
    """``at seq=4 event id=17``: what is known of where a fault is ("" when nothing)."""
    where = " ".join(f"{name}={value}" for name, value in (("seq", seq), ("event id", event_id)) if value)
    return f"at {where}" if where else ""


def _seal(settings: Settings, signer: Signer) -> tuple[int, tuple[int, str] | str | None]:
    """Seal what waits: the number of events sealed, and why sealing stopped, if it did: the
    event that could not be hashed (its id and why), or why it refused to sign (a sentence)."""
    from app.audit.sequencer import Sequencer, witness_file_for
    from app.core.db import create_engine

    async def main() -> tuple[int, tuple[int, str] | str | None]:
        engine = create_engine(settings.effective_database_url, server_settings=AUDIT_SESSION)
        # What the sequencer logs for a server's operators, the command says itself (one line);
        # anything else it would log, the verification that follows names.
        quiet = logging.getLogger("app.audit.sequencer")
        quiet.disabled = True
        try:
            witness = witness_file_for(settings)
            sequencer = Sequencer(engine, signer, batch=settings.audit_seal_batch, witness_file=witness)
            sealed = await sequencer.seal_all()
            if sequencer.rewritten and sequencer.witnessed is not None:
                return sealed, (
                    f"the log does not extend checkpoint {sequencer.witnessed.seq} of {witness}, which a server of "
                    "this host signed or read: it was rewritten or cut (the checkpoint is stored as witnessed; run "
                    f"verify-audit --against {witness})"
                )
            return sealed, sequencer.refused or sequencer.blocked
        finally:
            quiet.disabled = False
            await engine.dispose()

    return asyncio.run(main())


def rotate_audit_key(
    new_key: Annotated[
        Path,
        typer.Option(help="The next signing key: an Ed25519 private key (PEM, PKCS#8), as AUDIT_SIGNING_KEY_FILE."),
    ],
) -> None:
    """Hand the audit log's signing over from AUDIT_SIGNING_KEY_FILE's key to NEW_KEY.

    Run with both keys: it records a rotation event that both keys sign (the key in use and the
    next one, after the latest signed checkpoint) and seals it with the key in use. Then restart
    every server with AUDIT_SIGNING_KEY_FILE naming the new key: their sequencers sign after the
    old key's checkpoints, and verify-audit follows the rotation from either key (docs/audit.md,
    "Rotating the signing key"). Run again, it records nothing twice. Exits 0 when the rotation is
    sealed; 1 when it cannot be (the latest checkpoint is not the key in use's, a transaction
    still open holds it back, sealing refused); 2 when a key cannot be used; 3 when the database
    cannot be read.
    """
    from app.audit.sequencer import signer_for
    from app.audit.signing import load_signer
    from app.cli import counted, run_in_session
    from app.core.db_errors import database_unreadable

    settings = Settings()
    if (missing := _missing_database(settings)) is not None:
        raise missing
    try:
        old = signer_for(settings, create=False)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc), UNUSABLE_INPUT) from exc
    try:
        new = load_signer(new_key, create=False)
    except (OSError, ValueError) as exc:  # said of the setting by load_signer: here, of --new-key
        why = "does not exist" if isinstance(exc, FileNotFoundError) else str(exc)
        why = why.removeprefix(f"audit signing key {new_key} (AUDIT_SIGNING_KEY_FILE) ")
        raise _fail(
            f"--new-key {new_key}: {why}; give the next signing key, an Ed25519 private key (PEM, PKCS#8)",
            UNUSABLE_INPUT,
        ) from exc
    if new.key_id == old.key_id:
        raise _fail(f"{new_key} holds the key in use ({old.key_id}): nothing to rotate", UNUSABLE_INPUT)
    try:
        event_id = run_in_session(settings, lambda session: _record_rotation(session, old, new))
        sealed, stopped = _seal(settings, old)
        seq = run_in_session(settings, lambda session: _rotation_seq(session, event_id))
    except _RotationRefused as exc:
        raise _fail(str(exc), BROKEN) from exc
    except Exception as exc:
        if (schema := _not_this_versions(exc)) is not None:
            raise schema from exc
        if database_unreadable(exc):
            raise _unreadable(exc) from exc
        raise _fail(f"rotation failed: {type(exc).__name__}: {_first_line(exc)}", BROKEN) from exc
    if seq is None:
        why = f"sealing refused: {stopped}" if isinstance(stopped, str) else "a transaction still open holds it back"
        raise _fail(
            f"the rotation to key {new.key_id} is recorded (event {event_id}) but not sealed ({why}): run this "
            "command again once that is resolved; it records nothing twice",
            BROKEN,
        )
    typer.echo(
        f"signing key {old.key_id} hands over to {new.key_id} at link {seq} (event {event_id}; "
        f"{counted(sealed, 'event')} sealed). Restart every server with AUDIT_SIGNING_KEY_FILE={new_key}."
    )


class _RotationRefused(Exception):
    pass


async def _record_rotation(session: AsyncSession, old: Signer, new: Signer) -> int:
    """The id of the rotation event from ``old`` to ``new``: one already recorded, or one recorded
    now after the latest checkpoint, which must be ``old``'s (:class:`_RotationRefused` otherwise)."""
    from sqlalchemy import String, cast, select

    from app.audit import service as audit
    from app.audit.keys import ROTATION_ACTION, rotation_details
    from app.audit.models import GENESIS_HASH, AuditEvent
    from app.audit.state import latest_checkpoint
    from app.audit.strict_json import loads
    from app.core.context import SYSTEM_ACTOR

    recorded = await session.execute(
        select(AuditEvent.id, cast(AuditEvent.details, String))
        .where(AuditEvent.action == ROTATION_ACTION, AuditEvent.entity_id == new.key_id)
        .order_by(AuditEvent.id)
    )
    for found, text in recorded:
        if loads(text).get("previous_key_id") == old.key_id:
            return int(found)
    latest = await latest_checkpoint(await session.connection())
    if latest is not None and not old.verify(latest):
        raise _RotationRefused(
            f"the latest checkpoint (seq {latest.seq}) is signed by key {latest.key_id}, not by "
            f"AUDIT_SIGNING_KEY_FILE's key {old.key_id}: rotate from the key that signs the log"
        )
    head_seq, head_hash = (latest.seq, latest.hash) if latest is not None else (0, GENESIS_HASH)
    await audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action=ROTATION_ACTION,
        entity_type="audit_key",
        entity_id=new.key_id,
        details=rotation_details(old, new, head_seq, head_hash),
    )
    await session.commit()  # events are written at commit
    event_id = await session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.action == ROTATION_ACTION, AuditEvent.entity_id == new.key_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    assert event_id is not None
    return int(event_id)


async def _rotation_seq(session: AsyncSession, event_id: int) -> int | None:
    """The ``seq`` of the link sealing event ``event_id`` (None: not sealed)."""
    from sqlalchemy import select

    from app.audit.models import AuditLink

    return await session.scalar(select(AuditLink.seq).where(AuditLink.event_id == event_id))
