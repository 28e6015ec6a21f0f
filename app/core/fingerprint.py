"""The fingerprint of a request, by which an ``Idempotency-Key`` retry is told from another request.

Two requests have the same fingerprint when they ask the same thing, however a client spelled it:

- the query string is parsed (percent-decoding undone) and its parameters sorted, so
  ``?a=1&b=2`` and ``?b=2&a=1`` are one request, ``?confirm_duplicates=true`` and no query two;
- a JSON body is read as its endpoint reads it (:func:`canonical_parsed`: the route's body model
  validates it, and the fields the client sent are written again as JSON with sorted keys), so
  ``"id": "0F8FAD5B-D9CB-469F-A165-70867728950E"``, ``"0f8fad5bd9cb469fa16570867728950e"`` and
  ``"0f8fad5b-d9cb-469f-a165-70867728950e"`` are one request, as are a date or a name written
  in any way the model reads as the same value; a body no model reads is parsed and written
  again with sorted keys and no spacing (:func:`canonical_body`, also the rule records stored
  before hold);
- a form (``multipart/form-data`` or url-encoded) counts by its fields as the endpoint parsed them
  (field name, file name, content type, and the SHA-256 of the value's bytes), so a retry of the
  same form under a new multipart boundary — every client draws a new one per request — is the
  same request, and another file is not (the endpoint has consumed the body stream by then: its
  raw bytes could not be read again anyway);
- any other body (or JSON that does not parse) counts by its bytes.

Fingerprints are SHA-256 hex digests (64 characters, the width of
``idempotency_records.fingerprint``), domain-separated by :data:`VERSION` so that none equals a
:func:`legacy_fingerprint_of` (the rule before the query counted) except by a hash collision.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import FormData

_CHUNK = 1 << 20

VERSION = b"diaspora-desk/idempotency-fingerprint/2\n"
"""The prefix of every fingerprint hashed under the current rule."""


def fingerprint_of(method: str, path: str, query: str, body: bytes) -> str:
    """The fingerprint (64 hex characters) of a request: method, path, canonical query, and the
    body as :func:`canonical_body` or :func:`canonical_form` gives it."""
    head = f"{method} {path}?{canonical_pairs(query)}\n".encode()
    return hashlib.sha256(VERSION + head + body).hexdigest()


def legacy_fingerprint_of(method: str, path: str, content_type: str, body: bytes) -> str:
    """The fingerprint the records stored before query strings counted hold: method, path and
    body (JSON sorted, anything else as bytes), query ignored."""
    head = method.encode() + b" " + path.encode() + b"\n"
    return hashlib.sha256(head + _json_or_bytes(content_type, body)).hexdigest()


def canonical_pairs(encoded: str) -> str:
    """A query string as sorted, JSON-written ``[name, value]`` pairs, percent-decoding undone;
    blank values kept (``?flag=`` is not ``?``)."""
    pairs = sorted(parse_qsl(encoded, keep_blank_values=True))
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def canonical_body(content_type: str, body: bytes) -> bytes:
    """A body that is not a form as the bytes that identify it: JSON parsed and written again with
    sorted keys, anything else (or JSON that does not parse) as it came."""
    return _json_or_bytes(content_type, body)


def canonical_parsed(document: Any) -> bytes:
    """A JSON body as its endpoint's model read it (``document``: the fields sent, validated and
    written in JSON mode, so a UUID in any case or without hyphens is its canonical form) as the
    bytes that identify it: sorted keys, no spacing, prefixed so that none equals a
    :func:`canonical_body`."""
    return b"parsed:" + json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


async def canonical_form(form: FormData) -> bytes:
    """A form (``multipart/form-data`` or url-encoded, as the endpoint parsed it) as the bytes that
    identify it: its fields, sorted, each ``[name, file name, content type, SHA-256 of the
    bytes]`` (file name and type blank for a plain field). A file is read in chunks and rewound
    for the endpoint."""
    parts: list[list[str]] = []
    for name, value in form.multi_items():
        if isinstance(value, str):
            parts.append([name, "", "", hashlib.sha256(value.encode()).hexdigest()])
            continue
        digest = hashlib.sha256()
        await value.seek(0)
        while chunk := await value.read(_CHUNK):
            digest.update(chunk)
        await value.seek(0)
        parts.append([name, value.filename or "", (value.content_type or "").lower(), digest.hexdigest()])
    return b"form:" + json.dumps(sorted(parts), ensure_ascii=False, separators=(",", ":")).encode()


def _json_or_bytes(content_type: str, body: bytes) -> bytes:
    if "json" in content_type:
        try:
            return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            return body
    return body
