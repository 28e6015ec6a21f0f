"""Throw-away PostgreSQL and PgBouncer servers that a test starts, stops and restarts itself.

Both use the Debian binaries (``/usr/lib/postgresql/*/bin``, ``/usr/sbin/pgbouncer``); tests skip
when they are absent. Neither program runs as root: when the tests do, the servers run as the
``postgres`` system user (``runuser``), in a temporary folder it owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start a server as another user")
    return [runuser, "-u", "postgres", "--", *argv]


def _server_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="dd-server-"))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


def _wait_for_port(port: int, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class ThrowAwayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free port (trust authentication)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        self.bin = Path(found[-1]).parent
        self.dir = _server_dir()
        self.data = self.dir / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        subprocess.run(_as_server_user([str(self.bin / argv[0]), *argv[1:]]), check=True, capture_output=True)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PgBouncer:
    """PgBouncer in transaction pooling mode on a free port, in front of ``host:port``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        pool_size: int = 4,
        user: str = "postgres",
        password: str = "",
        ignored: str = "extra_float_digits",
    ) -> None:
        """``user``/``password``: the role PgBouncer logs in to the server as (its clients connect
        as that role, without a password: ``auth_type = trust``); ``ignored``: its
        ``ignore_startup_parameters`` (accepted from clients, not passed on)."""
        binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
        if binary is None:
            pytest.skip("pgbouncer is not installed (Debian package pgbouncer)")
        self.binary = binary
        self.dir = _server_dir()
        self.port = free_port()
        quoted = [value.replace('"', '""') for value in (user, password)]
        (self.dir / "users.txt").write_text(f'"{quoted[0]}" "{quoted[1]}"\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = {self.dir}\n"
            "auth_type = trust\n"
            f"auth_file = {self.dir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 200\n"
            f"ignore_startup_parameters = {ignored}\n"
            f"logfile = {self.dir / 'log'}\n"
        )
        if os.geteuid() == 0:
            for name in ("users.txt", "pgbouncer.ini"):
                shutil.chown(self.dir / name, "postgres", "postgres")
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def in_front_of(cls, database_url: str, *, pool_size: int) -> PgBouncer:
        """PgBouncer for the server of ``database_url``, logging in as its role."""
        target = make_url(database_url)
        return cls(
            host=target.host or "127.0.0.1",
            port=target.port or 5432,
            pool_size=pool_size,
            user=target.username or "postgres",
            password=target.password or "",
        )

    def url_for(self, database_url: str) -> str:
        """``database_url`` reached through this PgBouncer, flagged for it (``?pgbouncer=true``)."""
        front = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return front.update_query_dict({"pgbouncer": "true"}).render_as_string(hide_password=False)

    def start(self) -> None:
        """Start it and wait until it listens; stopped (its folder removed) if it does not."""
        self.process = subprocess.Popen(
            _as_server_user([self.binary, str(self.dir / "pgbouncer.ini")]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(self.port)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
