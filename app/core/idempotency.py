"""``Idempotency-Key`` on creating requests (draft-ietf-httpapi-idempotency-key-header).

A first request with a key stores its response in the same transaction as its work; a retry with
the same key and the same body gets that stored response again; the same key with another body
answers 422. Two concurrent requests with one key: the unique constraint makes the second wait for
the first and then replay it, so only one record is ever created.

Every ``POST`` of the API accepts it (an endpoint takes :data:`IdempotencyDep`, calls
:meth:`Idempotency.replay` before its work and answers through :meth:`Idempotency.respond`), but
those that say why not in their ``openapi_extra`` (:func:`not_keyed`, shown in the OpenAPI
document as :data:`NOT_KEYED`). ``tests/core/test_idempotency_routes.py`` walks every route.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import JSON, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.context import Actor
from app.core.db import Base, utcnow
from app.core.deps import SessionDep
from app.core.errors import BadRequest, IdempotencyKeyReused

NOT_KEYED = "x-idempotency-key-not-accepted"
"""``openapi_extra`` key of a ``POST`` operation that takes no ``Idempotency-Key``; its value says why."""


def not_keyed(reason: str) -> dict[str, Any]:
    """The ``openapi_extra`` of a ``POST`` that takes no ``Idempotency-Key``, with the reason
    (a token or secret in the answer, a streamed upload already idempotent by its bytes…)."""
    return {NOT_KEYED: reason}


class IdempotencyRecord(Base):
    """A remembered response, per client scope (the staff user) and key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Idempotency:
    """Per-request helper: :meth:`replay` before the work, :meth:`respond` after it."""

    def __init__(self, session: AsyncSession, request: Request, key: str | None) -> None:
        self.session = session
        self.request = request
        self.key = key
        self._record: IdempotencyRecord | None = None

    async def replay(self, actor: Actor) -> Response | None:
        """The stored response for a retry by the same staff user, or ``None`` for a first request.

        Keys are scoped to the user who sent them (draft-ietf-httpapi-idempotency-key-header: a
        key is unique per client): another user's request with the same key and body is a first
        request of theirs, never a replay of someone else's response.
        Raises ``IdempotencyKeyReused`` (422) when the key was used with another body.
        """
        if self.key is None:
            return None
        # A person's account ids and staff ids never share a scope.
        scope = f"{'person' if actor.role == 'person' else 'staff'}:{actor.user_id}"
        fingerprint = hashlib.sha256(
            self.request.method.encode() + b" " + self.request.url.path.encode() + b"\n" + await self._canonical_body()
        ).hexdigest()
        existing = await self._find(scope)
        if existing is None:
            record = IdempotencyRecord(scope=scope, key=self.key, fingerprint=fingerprint, headers={})
            try:
                async with self.session.begin_nested():
                    self.session.add(record)
            except IntegrityError:
                # A concurrent request with this key committed first: replay its response.
                existing = await self._find(scope)
            else:
                self._record = record
                return None
        assert existing is not None
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request body.",
                detail_fr="Cette clé d'idempotence a déjà servi pour un autre corps de requête.",
            )
        headers = dict(existing.headers or {})
        headers["Idempotent-Replayed"] = "true"
        return JSONResponse(existing.body, status_code=existing.status_code or 200, headers=headers)

    async def _canonical_body(self) -> bytes:
        """The body as sorted, compact JSON when it is JSON (key order and spacing do not make a
        different request), else its bytes."""
        body = await self.request.body()
        if "json" in self.request.headers.get("content-type", ""):
            try:
                return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
            except ValueError:
                return body
        return body

    async def _find(self, scope: str) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == self.key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def respond(self, status_code: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
        """The JSON response to send, remembered under the key (when one was given)."""
        headers = headers or {}
        payload = json.loads(json.dumps(body, default=str))
        if self._record is not None:
            self._record.status_code = status_code
            self._record.body = payload
            self._record.headers = headers
            await self.session.flush()
        return JSONResponse(payload, status_code=status_code, headers=headers)


async def get_idempotency(
    request: Request,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Makes a create safe to retry: the same key and body return the first response."),
    ] = None,
) -> Idempotency:
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 255 and idempotency_key.isprintable()):
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 printable characters.",
            detail_fr="Idempotency-Key doit compter de 1 à 255 caractères imprimables.",
        )
    return Idempotency(session, request, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
