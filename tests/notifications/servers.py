"""Real local servers the notification tests send to: an SMTP server (aiosmtpd) that keeps what
it receives, and a small HTTP server speaking Twilio's Messages API."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import email.utils
import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.core.servers import free_port


@dataclass
class SmtpSink:
    """What the SMTP server received, and how it answers: ``refuse_next`` transient (451) or
    ``refuse_permanently`` (550) replies to DATA, each reply after ``delay_seconds``.
    ``on_received(n)`` is called once the n-th message is kept and before its ``250`` reply (a
    test kills its worker there: the message arrived, the worker never hears it)."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse_next: int = 0
    refuse_permanently: bool = False
    delay_seconds: float = 0
    on_received: Callable[[int], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        with self.lock:
            if self.refuse_permanently:
                return "550 5.7.1 Message refused"
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 Try again later"
            raw = envelope.original_content or b""
            self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
            received = len(self.messages)
        if self.on_received is not None:
            self.on_received(received)
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip() for m in self.messages]


def smtp_server() -> Iterator[SmtpSink]:
    """Start an aiosmtpd server on a free port for the duration of the generator."""
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class FakeTwilio:
    """A local server speaking Twilio's ``POST /2010-04-01/Accounts/{sid}/Messages.json``: it
    checks HTTP Basic credentials, keeps each form, answers 201 with a Message resource, or the
    statuses queued in ``fail_with`` first (with Twilio's error body). ``lose_answers``: that many
    messages are created and the connection closed without an answer. ``GET …/Messages.json``
    lists the messages created (filter ``To``, ``PageSize``; newest first, ``date_created`` in
    RFC 2822 as Twilio writes it)."""

    account_sid: str
    auth_token: str
    port: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    lose_answers: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def twilio_server(account_sid: str, auth_token: str) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid, auth_token, port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _allowed(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return False
            if self.path.partition("?")[0] != f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json":
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return False
            return True

        def do_GET(self) -> None:
            if not self._allowed():
                return
            query = {k: v[0] for k, v in urllib.parse.parse_qs(self.path.partition("?")[2]).items()}
            listed = [m for m in reversed(fake.created) if "To" not in query or m["to"] == query["To"]]
            self._answer(200, {"messages": listed[: int(query.get("PageSize", "50"))], "page_size": 50})

        def do_POST(self) -> None:
            if not self._allowed():
                return
            if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                self._answer(400, {"code": 20001, "message": "Bad content type", "status": 400})
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
            if fake.fail_with:
                status = fake.fail_with.pop(0)
                code = 21211 if status == 400 else 20500
                self._answer(status, {"code": code, "message": "The 'To' number is not valid.", "status": status})
                return
            fake.requests.append(form)
            sid = f"SM{len(fake.requests):032x}"
            resource = {
                "sid": sid,
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "date_created": email.utils.format_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0)),
            }
            fake.created.append(resource)
            if fake.lose_answers > 0:  # created, and the answer never reaches the client
                fake.lose_answers -= 1
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._answer(201, resource)

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
