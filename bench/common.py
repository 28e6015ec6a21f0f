"""Benchmark plumbing: a throw-away PostgreSQL database, a real uvicorn server process on
loopback, and a small keep-alive HTTP/1.1 load generator.

The load generator speaks raw HTTP/1.1 over asyncio streams rather than through httpx: on a
2-core machine the client must cost far less CPU than the server, or it, not the server, is
what gets measured. Every run is bounded in time and talks only to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


class BenchDatabase:
    """A PostgreSQL database created for one benchmark run and dropped afterwards, or, with
    ``per_run=False``, one named exactly ``name`` that a benchmark keeps across runs."""

    def __init__(self, name: str, *, per_run: bool = True) -> None:
        self.name = f"{name}_{os.getpid()}" if per_run else name
        self.url = make_url(ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)

    async def exists(self) -> bool:
        conn = await asyncpg.connect(_dsn(ADMIN_URL))
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", self.name))
        finally:
            await conn.close()

    async def create(self) -> None:
        conn = await asyncpg.connect(_dsn(ADMIN_URL))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()

    async def drop(self) -> None:
        conn = await asyncpg.connect(_dsn(ADMIN_URL))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()

    def dsn(self) -> str:
        return _dsn(self.url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn <app>`` in its own process on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], *, root: Path = ROOT, python: str = sys.executable) -> None:
        """``root``: the source tree the app is imported from (another commit's, exported, for a
        baseline measured in the same run); ``python``: the interpreter that runs uvicorn (another
        project's, with its own packages)."""
        self.port = free_port()
        self.app = app
        self.root = root
        self.python = python
        self.env = {**os.environ, **env, "PYTHONPATH": str(root)}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        cmd = [
            self.python,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far, from /proc."""
        assert self.proc
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def database_cpu_seconds(self) -> float | None:
        """User + system CPU time used so far by the PostgreSQL backends connected to the server's
        database (process titles ``postgres: [<cluster name>:] <user> <database> <host> …``, from
        /proc), or None when its ``DATABASE_URL`` is not a PostgreSQL one. Backends only: the WAL
        writer and the checkpointer, shared by every database, are not counted."""
        url = make_url(self.env.get("DATABASE_URL", "sqlite://"))
        if not url.drivername.startswith("postgresql") or not url.database:
            return None
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().split(b"\0")[0].split()
                if title[:1] != [b"postgres:"] or url.database.encode() not in title[1:5]:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> tuple[int, int]:
        """(current RSS, peak RSS) of the server process, in KiB, from /proc."""
        assert self.proc
        values = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values["VmRSS"], values["VmHWM"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, port: int) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body or self.method in ("POST", "PATCH", "PUT"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value)
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body)
        body += chunk[:-2]


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float | None = None
    database_cpu_seconds: float | None = None

    @classmethod
    def summed(cls, parts: list[Result]) -> Result:
        """Rounds of one scenario as one result: their requests, errors, measured seconds, latencies
        and CPU added up (the CPU unknown when unknown in one round)."""

        def total(values: list[float | None]) -> float | None:
            return None if any(v is None for v in values) else sum(v for v in values if v is not None)

        return cls(
            parts[0].name,
            sum(p.requests for p in parts),
            sum(p.errors for p in parts),
            sum(p.seconds for p in parts),
            [latency for p in parts for latency in p.latencies_ms],
            total([p.server_cpu_seconds for p in parts]),
            total([p.database_cpu_seconds for p in parts]),
        )

    @property
    def rps(self) -> float:
        """Answers as expected per second: an error never counts as throughput (a baseline route
        refusing every request would otherwise look fast)."""
        return (self.requests - self.errors) / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def row(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "req/s": round(self.rps, 1),
            "p50 ms": round(self.percentile(0.50), 2),
            "p99 ms": round(self.percentile(0.99), 2),
            "server CPU ms/req": (
                round(1000 * self.server_cpu_seconds / self.requests, 3)
                if self.server_cpu_seconds is not None and self.requests
                else ""
            ),
            "PostgreSQL CPU ms/req": (
                round(1000 * self.database_cpu_seconds / self.requests, 3)
                if self.database_cpu_seconds is not None and self.requests
                else ""
            ),
        }


async def load(
    name: str,
    port: int,
    make_request: Callable[[int], Request],
    *,
    concurrency: int = 32,
    seconds: float = 10.0,
    warmup: float = 2.0,
    expect: tuple[int, ...] = (200,),
    server: Server | None = None,
) -> Result:
    """Run ``concurrency`` keep-alive connections for ``warmup + seconds``; measure the last part.

    With ``server``, also the CPU time its process spent during the measured part: unlike
    requests per second, it hardly moves with whatever else the machine is doing.
    """
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    counter = iter(range(10**9))
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (now := time.perf_counter()) < stop_at:
                payload = make_request(next(counter)).encode(port)
                writer.write(payload)
                status, _ = await _read_response(reader)
                done = time.perf_counter()
                if now >= measure_from:
                    latencies.append((done - now) * 1000)
                    counts["ok" if status in expect else "errors"] += 1
        finally:
            writer.close()

    async def cpu_during_measure() -> tuple[float | None, float | None]:
        if server is None:
            return None, None
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        before, database_before = server.cpu_seconds(), server.database_cpu_seconds()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        database_after = server.database_cpu_seconds()
        database = None if database_before is None or database_after is None else database_after - database_before
        return server.cpu_seconds() - before, database

    (cpu, database_cpu), *_ = await asyncio.gather(cpu_during_measure(), *(worker() for _ in range(concurrency)))
    return Result(name, counts["ok"] + counts["errors"], counts["errors"], seconds, latencies, cpu, database_cpu)


def print_table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))


def to_json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
