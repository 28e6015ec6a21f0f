"""What a register import holds, and when: the desk's import lock (one real run of a desk at a
time, refused at once rather than queued; on PostgreSQL a lease row, which pins no connection),
the import's turn at the database (one import of the process uses a connection at a time) and
the read-only transactions in which the import reads the registry between its steps of CPU work
(:mod:`app.imports.service`). An import holds at most one pooled connection at any moment, and
none while Python works."""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import hashlib
import logging
import os
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import anyio
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.db import READ_ONLY_OPTION
from app.core.ids import new_id
from app.desks.models import Desk
from app.imports.errors import ImportAlreadyRunning, ImportInterrupted
from app.imports.models import ImportBatch

logger = logging.getLogger("app.imports")


LEASE_SECONDS = 30.0
"""How long a desk's import lease (PostgreSQL) lasts unless renewed (``IMPORT_LEASE_SECONDS``): a
run renews it with every chunk it stores and every third of it meanwhile; the lease of a run whose
process died holds its desk (409) and shows its batch ``running`` for up to that long."""
IMPORTS_AT_THE_DATABASE = 1
"""How many imports of one process use a database connection at once (:func:`database_turn`): the
others' database steps wait their turn, their CPU work goes on."""


@dataclasses.dataclass
class DeskLock:
    """The desk's import lock a run holds (:func:`desk_import_lock`). On PostgreSQL a lease row
    (``holder``, renewed every :attr:`seconds`/3 by a task of its own and by every chunk stored,
    :meth:`renew`); elsewhere nothing to renew (``holder`` None)."""

    holder: uuid.UUID | None = None
    seconds: float = LEASE_SECONDS
    desk_code: str = ""

    async def renew(self, session: AsyncSession) -> None:
        """Extend the lease in the transaction of ``session`` (a chunk's, committed with it), or
        raise ``ImportInterrupted`` (409) if it expired: what a run stores after losing its desk
        is rolled back. Nothing on SQLite."""
        if self.holder is None:
            return
        renewed = await session.execute(_RENEW, {"holder": self.holder, "seconds": self.seconds})
        if cast(CursorResult[Any], renewed).rowcount != 1:
            raise _lease_lost(self.desk_code, self.seconds)

    async def own(self, session: AsyncSession, batch_id: uuid.UUID) -> None:
        """Name the run's batch in its lease, in the transaction of ``session`` (the one storing the
        batch): the batch is shown ``running`` while the lease lives (:func:`batch_now`)."""
        if self.holder is not None:
            await session.execute(_OWN, {"holder": self.holder, "batch": batch_id})


@asynccontextmanager
async def database_turn() -> AsyncIterator[None]:
    """Wait for this import's turn to use a database connection: :data:`IMPORTS_AT_THE_DATABASE`
    imports of the process at once (per event loop), each step of theirs (a read, a chunk stored,
    numbers drawn, the lease renewed) in turn, so that N imports never take N pooled connections
    while requests wait. A step holds the turn for its statements only, never through CPU work."""
    loop = asyncio.get_running_loop()
    turn = _TURNS.get(loop)
    if turn is None:
        turn = _TURNS[loop] = asyncio.Semaphore(IMPORTS_AT_THE_DATABASE)
    async with turn:
        yield


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def read_step(session: AsyncSession) -> AsyncIterator[None]:
    """One step of reading the registry: the import's turn (:func:`database_turn`), a read-only
    transaction of ``session`` (:func:`begin_reads`), ended as the block ends (rolled back on a
    failure). The block holds only queries: its connection is never idle in its transaction while
    Python works."""
    async with database_turn():
        await begin_reads(session)
        try:
            yield
        except BaseException:
            with anyio.CancelScope(shield=True):
                await session.rollback()
            raise
        await end_reads(session)


@asynccontextmanager
async def desk_import_lock(
    session: AsyncSession, *, desk: Desk, dry_run: bool, seconds: float = LEASE_SECONDS
) -> AsyncIterator[DeskLock]:
    """Hold the desk's import lock for the block, or raise ``ImportAlreadyRunning`` (409) at once.

    Real runs of one desk run one at a time, and not beside a dry run of it (whose report would
    count the rows being stored as they come in); dry runs of one desk run side by side. Nothing
    waits for its turn: an import lasts minutes, and one that waited would hold a connection of
    the pool all that time. The refused import is told at once and holds nothing.

    PostgreSQL: a lease row of ``import_leases`` (kind ``real``, or ``dry`` for a dry run), taken in
    one short transaction (serialised per desk by ``pg_advisory_xact_lock``, let go at its commit)
    after deleting the desk's expired leases, and refused while another live lease of the desk
    conflicts. It holds no connection: a task renews it every ``seconds``/3 (a short transaction in
    the import's turn, :func:`database_turn`), every chunk stored renews it in its own transaction
    (:meth:`DeskLock.renew`), and the block's end deletes it. A run whose process dies (``kill -9``)
    leaves a lease that expires within ``seconds``: until then the desk refuses imports and its
    batch shows ``running``. Works behind PgBouncer in transaction mode. SQLite: a lock on a file
    beside the database (``flock``, shared for a dry run), which every process of the machine
    sees: the server and a command-line import alike; a real run also holds, exclusively, the
    desk's "running" file, which :func:`real_run_alive` tries (an in-memory database, which no
    other process reaches: a claim in this process). The kernel lets it go with the process.

    The session's transaction is ended first (it has only read so far): the block begins with
    no connection of the session held.
    """
    await end_reads(session)
    # Read now: after a failure in the block the session is rolled back, which expires ``desk``.
    desk_id, desk_code = desk.id, desk.code
    files = _lock_files(session, desk_id)
    if files is not None:
        async with _file_lock(files, desk_code=desk_code, dry_run=dry_run):
            yield DeskLock()
        return
    if session.get_bind().dialect.name != "postgresql":
        claims = _LOCAL_CLAIMS.setdefault(asyncio.get_running_loop(), {})  # a claim belongs to one event loop
        claim = claims.setdefault(desk_id, _Claim())
        if claim.real or (claim.dry and not dry_run):
            raise _already_running(desk_code, dry_run=dry_run)
        claim.take(dry_run=dry_run)  # no await between the check and the claim: nobody else runs
        try:
            yield DeskLock()
        finally:
            claim.give_back(dry_run=dry_run)
            if not (claim.real or claim.dry):
                claims.pop(desk_id, None)
        return
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    lock = DeskLock(holder=new_id(), seconds=seconds, desk_code=desk_code)
    kind = "dry" if dry_run else "real"
    async with database_turn(), engine.begin() as conn:
        await conn.execute(_SERIALISE, {"key": _advisory_key(desk_id)})
        await conn.execute(_FORGET_EXPIRED, {"desk": desk_id})
        kinds = set((await conn.execute(_LIVE_KINDS, {"desk": desk_id})).scalars())
        if "real" in kinds or (kinds and not dry_run):
            raise _already_running(desk_code, dry_run=dry_run)
        await conn.execute(_TAKE, {"holder": lock.holder, "desk": desk_id, "kind": kind, "seconds": seconds})
    renewing = asyncio.ensure_future(_keep_renewed(engine, lock))
    try:
        yield lock
    finally:
        with anyio.CancelScope(shield=True):
            renewing.cancel()
            await asyncio.wait({renewing})
            try:
                async with database_turn(), engine.begin() as conn:
                    await conn.execute(_GIVE_BACK, {"holder": lock.holder})
            except Exception:  # the database gone: the lease expires by itself
                logger.warning("could not give back the import lease %s", lock.holder, exc_info=True)


async def _keep_renewed(engine: AsyncEngine, lock: DeskLock) -> None:
    """Renew ``lock``'s lease every third of its life, each time in a short transaction of its
    own, until cancelled. A renewal that fails is logged and tried again; a lease found expired
    is left so: the run's next chunk finds it lost (:meth:`DeskLock.renew`)."""
    while True:
        await asyncio.sleep(lock.seconds / 3)
        try:
            async with database_turn(), engine.begin() as conn:
                renewed = await conn.execute(_RENEW, {"holder": lock.holder, "seconds": lock.seconds})
            if renewed.rowcount != 1:
                logger.warning("the import lease %s expired before it was renewed", lock.holder)
                return
        except Exception:
            logger.warning("could not renew the import lease %s", lock.holder, exc_info=True)


_SERIALISE = text("SELECT pg_catalog.pg_advisory_xact_lock(:key)")
_FORGET_EXPIRED = text("DELETE FROM import_leases WHERE desk_id = :desk AND expires_at <= pg_catalog.clock_timestamp()")
_LIVE_KINDS = text("SELECT DISTINCT kind FROM import_leases WHERE desk_id = :desk")
_TAKE = text(
    "INSERT INTO import_leases (holder, desk_id, kind, expires_at) VALUES (:holder, :desk, :kind,"
    " pg_catalog.clock_timestamp() + CAST(:seconds AS float8) * interval '1 second')"
)
_RENEW = text(
    "UPDATE import_leases SET expires_at = pg_catalog.clock_timestamp() + CAST(:seconds AS float8) * interval"
    " '1 second' WHERE holder = :holder AND expires_at > pg_catalog.clock_timestamp()"
)
_OWN = text("UPDATE import_leases SET batch_id = :batch WHERE holder = :holder")
_GIVE_BACK = text("DELETE FROM import_leases WHERE holder = :holder")


def _advisory_key(desk_id: uuid.UUID) -> int:
    """The PostgreSQL advisory lock key that serialises the taking of the desk's import leases (a
    signed 64-bit integer)."""
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


async def batch_now(session: AsyncSession, batch: ImportBatch) -> tuple[str, bool]:
    """The batch's ``status`` now, and whether a real run holding its desk's lock is its run, in
    any process (a batch left ``running`` while none is, is a run whose process died: it shows
    ``interrupted``). Takes no lock an import could be refused for.

    PostgreSQL: one statement reads the stored status and the batch's live lease together (a run
    stores ``completed`` before it gives its lease back, so a batch is never seen ``running``
    without its lease while its run ends). SQLite: ``batch.status`` as read, and the desk's
    "running" file tried for a moment (an in-memory database: this process's claim)."""
    files = _lock_files(session, batch.desk_id)
    if files is not None:
        try:
            probe = os.open(files[1], os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return batch.status, False
        try:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return batch.status, True
        finally:
            os.close(probe)
        return batch.status, False
    if session.get_bind().dialect.name != "postgresql":
        claims = _LOCAL_CLAIMS.get(asyncio.get_running_loop(), {})
        return batch.status, batch.desk_id in claims and claims[batch.desk_id].real
    status, alive = (await session.execute(_BATCH_NOW, {"batch": batch.id})).one()
    return str(status), bool(alive)


_BATCH_NOW = text(
    "SELECT b.status, EXISTS (SELECT 1 FROM import_leases l WHERE l.batch_id = b.id AND l.kind = 'real'"
    " AND l.expires_at > pg_catalog.clock_timestamp()) FROM import_batches b WHERE b.id = :batch"
)


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


def _lease_lost(desk_code: str, seconds: float) -> ImportInterrupted:
    """The failure of a run that lost its lease on the desk ``desk_code`` (:meth:`DeskLock.renew`)."""
    return ImportInterrupted(
        f"The import of desk {desk_code} stopped: it went more than {seconds:g} s without renewing its hold on "
        "the desk, which another import may hold now. The rows it stored are kept and its batch is interrupted; "
        "send the file again to resume it.",
        detail_fr=f"L'import du bureau {desk_code} s'est arrêté : il est resté plus de {seconds:g} s sans "
        "renouveler sa réservation du bureau, qu'un autre import peut tenir maintenant. Les lignes enregistrées "
        "sont gardées et son lot est interrompu ; renvoyez le fichier pour le reprendre.",
        desk_code=desk_code,
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
