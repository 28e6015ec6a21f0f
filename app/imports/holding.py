"""What a register import holds, and when: the desk's import lock (one real run of a desk at a
time, refused at once rather than queued) and the read-only transactions in which the import reads
the registry between its steps of CPU work (:mod:`app.imports.service`)."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.db import READ_ONLY_OPTION
from app.desks.models import Desk
from app.imports.errors import ImportAlreadyRunning


@asynccontextmanager
async def desk_import_lock(session: AsyncSession, *, desk: Desk, dry_run: bool) -> AsyncIterator[None]:
    """Hold the desk's import lock for the block, or raise ``ImportAlreadyRunning`` (409) at once.

    Real runs of one desk run one at a time, and not beside a dry run of it (whose report would
    count the rows being stored as they come in); dry runs of one desk run side by side. Nothing
    waits for its turn: an import lasts minutes, and one that waited would hold a connection of
    the pool (and on PostgreSQL a transaction) all that time, up to emptying the pool for every
    other request. The refused import is told at once and holds nothing.

    PostgreSQL: a transaction-level advisory lock tried without waiting
    (``pg_try_advisory_xact_lock``, ``…_shared`` for a dry run) on a connection of its own, kept
    in its transaction until the block ends (it works behind PgBouncer in transaction mode too);
    it locks no row, so other requests never wait on it, and only the import holding it holds
    that connection. SQLite: a lock on a file beside the database (``flock``, shared for a dry
    run), which every process of the machine sees: the server and a command-line import alike;
    a real run also holds, exclusively, the desk's "running" file, which :func:`real_run_alive`
    tries (an in-memory database, which no other process reaches: a claim in this process).
    Either goes with the process that held it, however it ends (``kill -9`` included): the
    database or the kernel lets it go.

    The session's transaction is ended first (it has only read so far): the block begins with
    no connection of the session held.
    """
    await end_reads(session)
    # Read now: after a failure in the block the session is rolled back, which expires ``desk``.
    desk_id, desk_code = desk.id, desk.code
    files = _lock_files(session, desk_id)
    if files is not None:
        async with _file_lock(files, desk_code=desk_code, dry_run=dry_run):
            yield
        return
    if session.get_bind().dialect.name != "postgresql":
        claims = _LOCAL_CLAIMS.setdefault(asyncio.get_running_loop(), {})  # a claim belongs to one event loop
        claim = claims.setdefault(desk_id, _Claim())
        if claim.real or (claim.dry and not dry_run):
            raise _already_running(desk_code, dry_run=dry_run)
        claim.take(dry_run=dry_run)  # no await between the check and the claim: nobody else runs
        try:
            yield
        finally:
            claim.give_back(dry_run=dry_run)
            if not (claim.real or claim.dry):
                claims.pop(desk_id, None)
        return
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    key = _advisory_key(desk_id)
    try_lock = _TRY_SHARED if dry_run else _TRY_EXCLUSIVE
    async with engine.connect() as conn:
        try:
            if not (await conn.execute(try_lock, {"key": key})).scalar_one():
                raise _already_running(desk_code, dry_run=dry_run)
            yield
        finally:
            with anyio.CancelScope(shield=True):
                await conn.rollback()  # ends the transaction: the lock goes with it


def _advisory_key(desk_id: uuid.UUID) -> int:
    """The PostgreSQL advisory lock key of the desk's imports (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.sha256(f"import:{desk_id}".encode()).digest()[:8], "big", signed=True)


def _lock_files(session: AsyncSession, desk_id: uuid.UUID) -> tuple[Path, Path] | None:
    """SQLite in a file: the desk's import lock file and its "running" file, beside the database
    (``<database>.import-<desk id>.lock`` and ``….running``); None on PostgreSQL and for an
    in-memory database."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    base = Path(url.database).resolve()
    return (
        base.with_name(f"{base.name}.import-{desk_id}.lock"),
        base.with_name(f"{base.name}.import-{desk_id}.running"),
    )


@asynccontextmanager
async def _file_lock(files: tuple[Path, Path], *, desk_code: str, dry_run: bool) -> AsyncIterator[None]:
    """The desk's import lock on SQLite (:func:`desk_import_lock`): ``flock`` on ``files[0]``
    tried without waiting (shared for a dry run, exclusive for a real run, which then holds
    ``files[1]`` exclusively too: only :func:`real_run_alive` tries that one, for a moment)."""
    lock = os.open(files[0], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    running: int | None = None
    try:
        try:
            fcntl.flock(lock, (fcntl.LOCK_SH if dry_run else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _already_running(desk_code, dry_run=dry_run) from None
        if not dry_run:
            running = os.open(files[1], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            while True:  # a look by real_run_alive holds it for microseconds
                try:
                    fcntl.flock(running, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.005)
        yield
    finally:
        if running is not None:
            os.close(running)  # the locks go with the descriptors
        os.close(lock)


async def real_run_alive(session: AsyncSession, desk_id: uuid.UUID) -> bool:
    """Whether a real run of the desk's imports holds its lock now, in any process (a batch left
    ``running`` while none does is a run whose process died: it shows ``interrupted``). Takes no
    lock an import could be refused for."""
    files = _lock_files(session, desk_id)
    if files is not None:
        try:
            probe = os.open(files[1], os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(probe)
        return False
    if session.get_bind().dialect.name != "postgresql":
        claims = _LOCAL_CLAIMS.get(asyncio.get_running_loop(), {})
        return desk_id in claims and claims[desk_id].real
    key = _advisory_key(desk_id) & 0xFFFFFFFFFFFFFFFF  # pg_locks shows the key as two unsigned halves
    held = await session.execute(_HELD_EXCLUSIVE, {"high": key >> 32, "low": key & 0xFFFFFFFF})
    return bool(held.scalar_one())


_HELD_EXCLUSIVE = text(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())"
    " AND classid::int8 = :high AND objid::int8 = :low AND objsubid = 1"
    " AND mode = 'ExclusiveLock' AND granted)"
)
_TRY_EXCLUSIVE = text("SELECT pg_catalog.pg_try_advisory_xact_lock(:key)")
_TRY_SHARED = text("SELECT pg_catalog.pg_try_advisory_xact_lock_shared(:key)")


class _Claim:
    """The imports of one desk running in this process (SQLite): a real run, or dry runs."""

    def __init__(self) -> None:
        self.real = False
        self.dry = 0

    def take(self, *, dry_run: bool) -> None:
        if dry_run:
            self.dry += 1
        else:
            self.real = True

    def give_back(self, *, dry_run: bool) -> None:
        if dry_run:
            self.dry -= 1
        else:
            self.real = False


_LOCAL_CLAIMS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[uuid.UUID, _Claim]] = (
    weakref.WeakKeyDictionary()
)


def _already_running(desk_code: str, *, dry_run: bool) -> ImportAlreadyRunning:
    """The refusal of an import of the desk ``desk_code`` while another runs (a dry run: while a real run does)."""
    if dry_run:
        return ImportAlreadyRunning(
            f"An import of desk {desk_code} is running: a dry run now would count the rows it is storing as "
            "they come in. Nothing was read from the file. Try again once that import has ended.",
            detail_fr=f"Un import du bureau {desk_code} est en cours : une simulation maintenant compterait les "
            "lignes qu'il enregistre au fur et à mesure. Rien n'a été lu du fichier. Réessayez une fois cet "
            "import terminé.",
            desk_code=desk_code,
        )
    return ImportAlreadyRunning(
        f"Another import of desk {desk_code} is running: imports of one desk run one at a time. Nothing was "
        "read from the file nor written. Send it again once that import has ended: the rows it stored are "
        "then reported already_imported.",
        detail_fr=f"Un autre import du bureau {desk_code} est en cours : les imports d'un bureau se font l'un "
        "après l'autre. Rien n'a été lu du fichier ni enregistré. Renvoyez-le une fois cet import terminé : "
        "les lignes qu'il a enregistrées seront alors signalées « déjà importées ».",
        desk_code=desk_code,
    )


async def begin_reads(session: AsyncSession) -> None:
    """Begin a read-only transaction of the session (SQLite: ``BEGIN DEFERRED``, which takes no
    write lock, so that nobody waits on the import's reads; PostgreSQL: as any)."""
    await session.connection(execution_options={READ_ONLY_OPTION: True})


async def end_reads(session: AsyncSession) -> None:
    """End the session's transaction, which has only read: its connection goes back to the pool
    (and on SQLite, its lock goes), so that none is held through the CPU work that follows."""
    if session.in_transaction():
        await session.commit()
