"""``make bench`` (documents): upload and download of a 100 MiB file through a real server.

One run, all on loopback and one disk: a scratch folder holds a SQLite database and the local
document storage; ONE uvicorn process serves the real app (``app.asgi:app``) on a random port.
The benchmark

1. writes a ``BENCH_DOCUMENT_MIB`` (default 100) MiB PDF-signed random file and times a plain
   copy of it on the same disk (``shutil.copyfile`` + ``fsync``): the floor;
2. uploads it (multipart, streamed by httpx from the file) while sampling the server's
   ``VmRSS`` every 5 ms, after resetting its peak (``/proc/<pid>/clear_refs``); reports the
   throughput and the peak RSS growth over the RSS before the upload (target: < 32 MiB);
3. downloads it back (streamed to a file), checks the SHA-256, reports the throughput.

The client runs on the same machine and competes with the server for the CPU.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.models import DeskMembership, StaffUser  # noqa: E402
from app.cli import migrate_database  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine, create_sessionmaker  # noqa: E402
from app.core.security import create_access_token, hash_password  # noqa: E402
from app.desks.models import Desk  # noqa: E402
from app.registrants.models import Registrant  # noqa: E402

MIB = 1_048_576
SIZE_MIB = int(os.environ.get("BENCH_DOCUMENT_MIB", "100"))
SECRET = "bench-secret-key-0123456789-0123456789-0123456789"


async def _prepare(url: str) -> tuple[str, uuid.UUID]:
    from sqlalchemy import select

    from app.cases.catalogue import seed_service_types
    from app.reference import service as reference
    from app.seed import seed_desks

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        await reference.seed(session)
        await seed_desks(session)
        await seed_service_types(session)
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        user = StaffUser(
            email="bench@desk.example", full_name="Bench", role="agent", password_hash=hash_password("x" * 12)
        )
        session.add(user)
        await session.flush()
        session.add(DeskMembership(user_id=user.id, desk_id=desk_id))
        registrant = Registrant(
            desk_id=desk_id,
            registration_number="BENCH-1",
            given_names="Awa",
            family_name="Ndiaye",
            given_names_key="awa",
            family_name_key="ndiaye",
            given_names_phonetic="A",
            family_name_phonetic="NT",
        )
        session.add(registrant)
        await session.commit()
    await engine.dispose()
    token = create_access_token(
        user_id=user.id, role="agent", token_version=user.token_version, key=SECRET, ttl_seconds=3600
    )
    return token, registrant.id


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler(threading.Thread):
    """Samples a process's VmRSS until stopped; keeps the maximum (KiB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _status_kib(self.pid, "VmRSS"))
            time.sleep(0.005)


def _mib_per_s(size: int, seconds: float) -> float:
    return size / MIB / seconds


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dd-bench-docs-", dir=os.environ.get("BENCH_DIR")))
    data_dir = work / "var"
    url = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
    settings = Settings(database_url=url, data_dir=data_dir, environment="test", _env_file=None)  # type: ignore[call-arg]
    migrate_database(settings)
    token, registrant_id = asyncio.run(_prepare(url))
    headers = {"Authorization": f"Bearer {token}"}

    source = work / "big.pdf"
    digest = hashlib.sha256()
    with source.open("wb") as fh:
        head = b"%PDF-1.7\n"
        fh.write(head)
        digest.update(head)
        for _ in range(SIZE_MIB):
            block = os.urandom(MIB)
            fh.write(block)
            digest.update(block)
    size = source.stat().st_size
    expected = digest.hexdigest()

    started = time.perf_counter()
    copy = work / "copy.pdf"
    shutil.copyfile(source, copy)
    with copy.open("rb") as fh:
        os.fsync(fh.fileno())
    copy_seconds = time.perf_counter() - started
    copy.unlink()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": SECRET,
        "DOCUMENTS_MAX_BYTES": str(size + MIB),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=work,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=300) as http:
            for _ in range(200):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            # Warm up: one small upload so imports and connections are not counted as growth.
            warm = b"%PDF-1.7\n" + os.urandom(65536)
            http.post(
                f"/api/v1/registrants/{registrant_id}/documents",
                headers=headers,
                files={"file": ("w.pdf", warm)},
                data={"kind": "other"},
            )
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            rss_before = _status_kib(server.pid, "VmRSS")
            sampler = RssSampler(server.pid)
            sampler.start()
            started = time.perf_counter()
            with source.open("rb") as fh:
                response = http.post(
                    f"/api/v1/registrants/{registrant_id}/documents",
                    headers=headers,
                    files={"file": ("big.pdf", fh, "application/pdf")},
                    data={"kind": "other"},
                )
            upload_seconds = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            hwm = _status_kib(server.pid, "VmHWM")
            if response.status_code != 201 or response.json()["sha256"] != expected:
                raise SystemExit(f"upload failed: {response.status_code} {response.text[:300]}")
            document_id = response.json()["id"]

            started = time.perf_counter()
            received = hashlib.sha256()
            target = work / "download.pdf"
            with (
                http.stream("GET", f"/api/v1/documents/{document_id}/content", headers=headers) as stream,
                target.open("wb") as out,
            ):
                for chunk in stream.iter_bytes(256 * 1024):
                    received.update(chunk)
                    out.write(chunk)
            download_seconds = time.perf_counter() - started
            if received.hexdigest() != expected:
                raise SystemExit("download differs from the upload")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    growth = (max(sampler.peak, hwm) - rss_before) / 1024
    print(f"documents: {size / MIB:.0f} MiB file, SQLite + local storage, one uvicorn process on loopback")
    print(f"  plain copy on the same disk : {_mib_per_s(size, copy_seconds):8.1f} MiB/s ({copy_seconds:.2f} s)")
    print(f"  upload (multipart, streamed): {_mib_per_s(size, upload_seconds):8.1f} MiB/s ({upload_seconds:.2f} s)")
    print(f"  download (streamed)         : {_mib_per_s(size, download_seconds):8.1f} MiB/s ({download_seconds:.2f} s)")
    print(f"  server RSS before upload    : {rss_before / 1024:8.1f} MiB")
    print(f"  server peak RSS growth      : {growth:8.1f} MiB (target < 32 MiB)")


if __name__ == "__main__":
    main()
