"""``Idempotency-Key`` on creating requests (draft-ietf-httpapi-idempotency-key-header).

A first request with a key stores its response in the same transaction as its work; a retry with
the same key and the same request (method, path, query and body as the endpoint reads it: see
:mod:`app.core.fingerprint`)
gets that stored response again; the same key with another request answers 422.
Two concurrent requests with one key: the unique constraint makes the second wait for the first
and then replay it, so only one record is ever created.

A replay never shows what the user may not read now: the record keeps the user's access when it
was stored (role and desks, :func:`access_of`); when that changed since, the stored answer is
sent again only if it still reads the same — same role, and its ``desk_id`` one of the user's
desks now (or, with no ``desk_id`` in it, no desk lost) — and anything else answers 404, as a read
of the record would.

Every ``POST`` of the API accepts it (an endpoint takes :data:`IdempotencyDep`, calls
:meth:`Idempotency.replay` before its work and answers through :meth:`Idempotency.respond`), but
those that say why not in their ``openapi_extra`` (:func:`not_keyed`, shown in the OpenAPI
document as :data:`NOT_KEYED`). ``tests/core/test_idempotency_routes.py`` walks every route.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import JSON, Integer, String, Table, UniqueConstraint, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import strict_json
from app.core.context import Actor
from app.core.db import Base, DriverSQL, transaction_driver, utcnow
from app.core.deps import SessionDep
from app.core.errors import BadRequest, IdempotencyKeyReused, NotFound
from app.core.fingerprint import (
    canonical_body,
    canonical_form,
    canonical_parsed,
    fingerprint_of,
    legacy_fingerprint_of,
)
from app.core.i18n import number

_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})

NOT_KEYED = "x-idempotency-key-not-accepted"
"""``openapi_extra`` key of a ``POST`` operation that takes no ``Idempotency-Key``; its value says why."""


def not_keyed(reason: str) -> dict[str, Any]:
    """The ``openapi_extra`` of a ``POST`` that takes no ``Idempotency-Key``, with the reason
    (a token or secret in the answer, a streamed upload already idempotent by its bytes…)."""
    return {NOT_KEYED: reason}


ACCESS_ENTRY = "(access)"
"""The entry of :attr:`IdempotencyRecord.headers` keeping the user's access when the response was
stored; not an HTTP header (no header name holds parentheses, RFC 9110 §5.1), never sent."""


def access_of(actor: Actor) -> dict[str, Any]:
    """``{"role": …, "desks": [desk id, …] | None}``: what ``actor`` may read (``None``: every desk)."""
    desks = None if actor.desk_ids is None else sorted(str(d) for d in actor.desk_ids)
    return {"role": actor.role, "desks": desks}


def _still_readable(stored: Any, actor: Actor, body: Any) -> bool:
    """Whether a response stored under the access ``stored`` (``None``: stored before access was
    kept) may be shown again to ``actor``: see the module's docstring."""
    now = access_of(actor)
    if stored == now:
        return True
    if isinstance(stored, dict) and stored.get("role") != now["role"]:
        return False  # another role reads other fields (a sensitive one) or nothing at all
    desk = body.get("desk_id") if isinstance(body, dict) else None
    if isinstance(desk, str):
        return actor.desk_ids is None or desk in (now["desks"] or [])
    if not isinstance(stored, dict):
        return True  # stored before access was kept, and nothing in it names a desk
    return stored.get("desks") is not None and (now["desks"] is None or set(stored["desks"]) <= set(now["desks"]))


def _as_read(request: Request, raw: bytes) -> Any | None:
    """The JSON body ``raw`` as the route's body model reads it (the fields sent, validated, in
    JSON mode: :func:`app.core.fingerprint.canonical_parsed`), or ``None`` when the route takes no
    JSON body or the body does not validate (the raw JSON rule then applies)."""
    field = getattr(request.scope.get("route"), "body_field", None)
    if field is None:
        return None
    try:
        document = strict_json.loads(raw)
    except (ValueError, RecursionError):
        return None
    value, errors = field.validate(document, loc=("body",))
    if errors:
        return None
    return field.serialize(value, mode="json", exclude_unset=True)


class IdempotencyRecord(Base):
    """A remembered response, per client scope (the staff user) and key; ``headers`` holds the
    response's headers and, under :data:`ACCESS_ENTRY`, the user's access when it was stored."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Idempotency:
    """Per-request helper: :meth:`replay` before the work, :meth:`respond` after it."""

    def __init__(self, session: AsyncSession, request: Request, key: str | None) -> None:
        self.session = session
        self.request = request
        self.key = key
        self._record_id: int | None = None
        self._access: dict[str, Any] | None = None

    async def replay(self, actor: Actor) -> Response | None:
        """The stored response for a retry by the same staff user, or ``None`` for a first request.

        Keys are scoped to the user who sent them (draft-ietf-httpapi-idempotency-key-header: a
        key is unique per client): another user's request with the same key and body is a first
        request of theirs, never a replay of someone else's response.
        Raises ``IdempotencyKeyReused`` (422) when the key was used with another request: another
        method, path, query (parsed: parameter order does not count) or body (JSON as the
        endpoint's model reads it: a UUID's case or hyphens do not count; a multipart form by its
        fields and files, whatever its boundary). Raises ``NotFound`` (404)
        when the user may no longer read what the stored response shows (their desks or role
        changed since).
        """
        if self.key is None:
            return None
        # A person's account ids and staff ids never share a scope.
        scope = f"{'person' if actor.role == 'person' else 'staff'}:{actor.user_id}"
        request_fingerprint, earlier = await self._fingerprints()  # ``earlier``: computed only if needed
        self._record_id = await self._claim(scope, request_fingerprint)
        if self._record_id is not None:
            self._access = access_of(actor)
            return None
        # Taken: by an earlier request, or by a concurrent one whose commit the claim waited for.
        existing = await self._find(scope)
        assert existing is not None
        # A record stored under an earlier rule (the body as raw JSON; before that, no query) keeps
        # the rule it was stored under, so an upgrade never turns a retry in flight into 422.
        if existing.fingerprint != request_fingerprint and existing.fingerprint not in earlier():
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request (query or body).",
                detail_fr="Cette clé d'idempotence a déjà servi pour une autre requête (paramètres ou corps).",
            )
        headers = dict(existing.headers or {})
        if not _still_readable(headers.pop(ACCESS_ENTRY, None), actor, existing.body):
            raise NotFound(
                "The record this request created is not readable with your current access.",
                detail_fr="L'enregistrement créé par cette requête n'est pas lisible avec vos accès actuels.",
            )
        headers["Idempotent-Replayed"] = "true"
        return JSONResponse(existing.body, status_code=existing.status_code or 200, headers=headers)

    async def _fingerprints(self) -> tuple[str, Callable[[], tuple[str, ...]]]:
        """This request's fingerprint, and a function giving those records stored under earlier
        rules would hold for it (called only for a key already taken): the JSON body as sorted raw
        JSON (before bodies were read as their model reads them), and without the query (before
        the query counted); none for a form."""
        request = self.request
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        method, path, query = request.method, request.url.path, request.url.query
        if media in _FORM_TYPES:
            # FastAPI has parsed the form (and consumed the stream) before the endpoint runs: a
            # keyed endpoint takes its form as Form()/File() parameters, never as a raw stream.
            return fingerprint_of(method, path, query, await canonical_form(await request.form())), tuple
        raw = await request.body()

        def as_json() -> str:
            return fingerprint_of(method, path, query, canonical_body(content_type, raw))

        def legacy() -> str:
            return legacy_fingerprint_of(method, path, content_type, raw)

        parsed = _as_read(request, raw) if "json" in content_type else None
        if parsed is None:
            return as_json(), lambda: (legacy(),)
        return fingerprint_of(method, path, query, canonical_parsed(parsed)), lambda: (as_json(), legacy())

    async def _claim(self, scope: str, fingerprint: str) -> int | None:
        """Record this request under its key, its response to come: the new record's id, or
        ``None`` when the key is taken. ``INSERT … ON CONFLICT (scope, key) DO NOTHING``: a
        concurrent request holding the key makes the database wait for its transaction, then do
        nothing if it committed (PostgreSQL documentation, "INSERT", ON CONFLICT clause)."""
        row: dict[str, Any] = {
            "scope": scope,
            "key": self.key,
            "fingerprint": fingerprint,
            "headers": {},
            "created_at": utcnow(),
        }
        dialect = self.session.get_bind().dialect
        if dialect.name == "postgresql":
            statement = _claim_driver(dialect)
            driver = await transaction_driver(self.session)
            return cast(int | None, await driver.fetchval(statement.sql, *statement.arguments(row)))
        return (await self.session.execute(_claim_statement(dialect.name), row)).scalar_one_or_none()

    async def _find(self, scope: str) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == self.key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def respond(self, status_code: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
        """The JSON response to send, remembered under the key (when one was given)."""
        headers = headers or {}
        payload = json.loads(json.dumps(body, default=str))
        if self._record_id is not None:
            values = {
                "record_id": self._record_id,
                "status_code": status_code,
                "body": payload,
                "headers": {**headers, ACCESS_ENTRY: self._access},
            }
            dialect = self.session.get_bind().dialect
            if dialect.name == "postgresql":
                statement = _respond_driver(dialect)
                await (await transaction_driver(self.session)).execute(statement.sql, *statement.arguments(values))
            else:
                await self.session.execute(_RESPOND, values)
        return JSONResponse(payload, status_code=status_code, headers=headers)


_RECORDS = cast(Table, IdempotencyRecord.__table__)
_RESPOND = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("record_id"))
    .values(status_code=bindparam("status_code"), body=bindparam("body"), headers=bindparam("headers"))
)


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """The INSERT of :meth:`Idempotency._claim` for ``dialect`` (built once: building it cost more than running it)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    values = {name: bindparam(name, type_=_RECORDS.c[name].type) for name in _CLAIMED}
    insert = module.insert(_RECORDS).values(values)
    return insert.on_conflict_do_nothing(index_elements=["scope", "key"]).returning(_RECORDS.c.id)


_CLAIMED = ("scope", "key", "fingerprint", "headers", "created_at")


@functools.lru_cache(maxsize=4)
def _claim_driver(dialect: Dialect) -> DriverSQL:
    """PostgreSQL: the claim's INSERT compiled for ``dialect``'s driver (:func:`app.core.db.transaction_driver`)."""
    return DriverSQL.compile(_claim_statement("postgresql"), dialect)


@functools.lru_cache(maxsize=4)
def _respond_driver(dialect: Dialect) -> DriverSQL:
    """PostgreSQL: the response's UPDATE compiled for ``dialect``'s driver."""
    return DriverSQL.compile(_RESPOND, dialect)


_KEY_MAX_LENGTH = 255


async def get_idempotency(
    request: Request,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Makes a create safe to retry: the same key and body return the first response."),
    ] = None,
) -> Idempotency:
    if len(request.headers.getlist("idempotency-key")) > 1:  # a single value (an Item, RFC 8941)
        raise BadRequest(
            "Send one Idempotency-Key: the request has several.",
            detail_fr="La demande porte plusieurs clés d'idempotence : envoyez-en une seule.",
        )
    if idempotency_key is not None and not (
        1 <= len(idempotency_key) <= _KEY_MAX_LENGTH and idempotency_key.isprintable()
    ):
        raise BadRequest(
            f"Idempotency-Key must be 1 to {number(_KEY_MAX_LENGTH, 'en')} printable characters.",
            detail_fr=f"La clé d'idempotence doit compter de 1 à {number(_KEY_MAX_LENGTH)} caractères imprimables.",
        )
    return Idempotency(session, request, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
