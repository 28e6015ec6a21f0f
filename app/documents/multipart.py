"""Receive a ``multipart/form-data`` upload as a stream, spooling its file part to disk.

The request body is fed chunk by chunk to python-multipart's ``MultipartParser`` (callbacks, no
buffering of its own). Only the file part's first :data:`~app.documents.content.SNIFF_BYTES`
and the small text fields are kept in memory; the file's bytes go to a spool file as they
arrive, the SHA-256 is updated on the way, and every limit is checked as soon as it can be:

* ``Content-Length`` above the limit → 413 before reading anything; bytes past the limit → 413
  at once (``document-too-large``);
* parts beyond ``DOCUMENTS_MAX_PARTS`` → ``too-many-parts``; a text field beyond
  ``DOCUMENTS_MAX_FIELD_BYTES`` → ``form-field-too-large``; header count and size are bounded by
  the parser (→ ``malformed-multipart``), a ``Content-Disposition`` over
  :data:`~app.core.media_types.MAX_PART_HEADER_BYTES` (a file name of thousands of bytes: shorter
  ones are cut to 255 characters) → 422 ``filename-too-long``, said by the text guard
  (:class:`app.core.middleware.TextGuard`), which reads the body first;
* the type is sniffed as soon as the first 8 KiB have arrived (→ 415 without reading further);
* field names, the file name and text fields must be UTF-8 text the rule of
  :mod:`app.core.text` accepts (→ 422 ``validation-failed``, as everywhere else).

On any failure, including the client disconnecting, the spool file is removed before the error
propagates.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.i18n import size
from app.core.ids import new_id
from app.core.media_types import MAX_PART_HEADER_BYTES, MULTIPART, hint
from app.core.text import require_utf8
from app.documents.content import SNIFF_BYTES, check_type, named_for, sanitize_filename
from app.documents.errors import (
    DocumentFileMissing,
    DocumentTooLarge,
    EmptyDocument,
    FormFieldTooLarge,
    MalformedMultipart,
    MultipartRequired,
    TooManyParts,
)

# RFC 2046 §5.1.1: 1-70 characters from bchars, not ending with a space.
_BOUNDARY = re.compile(rb"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
_FORM_OVERHEAD = 64 * 1024  # headers of the parts and the small text fields
FILE_FIELD = "file"


@dataclass(frozen=True)
class UploadLimits:
    """Bounds of one upload: the file's bytes, the number of parts, a text field's bytes."""

    max_bytes: int
    max_parts: int
    max_field_bytes: int
    allowed_types: list[str]


@dataclass
class ReceivedUpload:
    """A spooled file part and the form's text fields."""

    path: Path
    size: int
    sha256: str
    media_type: str
    filename: str
    fields: dict[str, str] = field(default_factory=dict)
    # the sanitized name as sent, when its extension named another document type than the bytes'
    # (``filename`` then has the bytes' extension: content.named_for)
    sent_filename: str | None = None


def parse_boundary(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type.

    Raises ``MultipartRequired`` (415) for another type, ``MalformedMultipart`` (400) for a
    missing, overlong or malformed boundary.
    """
    if not content_type or len(content_type) > 512:
        raise MultipartRequired(
            "Send the file as multipart/form-data.",
            detail_fr="Envoyez le fichier en multipart/form-data.",
            headers=hint("POST", [MULTIPART]),
        )
    media, params = parse_options_header(content_type)
    if media != b"multipart/form-data":
        raise MultipartRequired(
            "Send the file as multipart/form-data.",
            detail_fr="Envoyez le fichier en multipart/form-data.",
            headers=hint("POST", [MULTIPART]),
        )
    boundary = params.get(b"boundary", b"")
    if not _BOUNDARY.match(boundary):
        raise MalformedMultipart(
            "The multipart boundary is missing or invalid (RFC 2046: 1 to 70 allowed characters).",
            detail_fr="La frontière multipart est absente ou invalide (RFC 2046 : 1 à 70 caractères permis).",
        )
    return boundary


class _Receiver:
    """Parser callbacks: collect headers and fields, hash and buffer the file part's data."""

    def __init__(self, limits: UploadLimits, spool: Path) -> None:
        self.limits = limits
        self.spool = spool
        self.parts = 0
        self.headers: dict[str, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self.name = ""
        self.part_type: str | None = None
        self.in_file = False
        self.file_seen = False
        self.filename = ""
        self.sent_filename: str | None = None
        self.declared: str | None = None
        self.head = bytearray()
        self.media_type: str | None = None
        self.size = 0
        self.sha = hashlib.sha256()
        self.pending: list[bytes] = []
        self.current = bytearray()
        self.fields: dict[str, str] = {}
        self.finished = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise TooManyParts(
                f"At most {self.limits.max_parts} parts are accepted.",
                detail_fr=f"Au plus {self.limits.max_parts} parties sont acceptées.",
            )
        self.headers = {}
        self.current = bytearray()

    def on_header_end(self) -> None:
        self.headers[bytes(self._field).decode("latin-1").strip().lower()] = bytes(self._value).strip()
        self._field.clear()
        self._value.clear()

    def on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self.headers.get("content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            raise MalformedMultipart(
                "Each part needs Content-Disposition: form-data with a name.",
                detail_fr="Chaque partie doit porter Content-Disposition: form-data avec un nom.",
            )
        self.name = require_utf8(params[b"name"], ["body"])
        self.in_file = self.name == FILE_FIELD
        if self.in_file:
            if self.file_seen:
                raise MalformedMultipart("Send one file per request.", detail_fr="Envoyez un fichier par requête.")
            self.file_seen = True
            self.filename = sanitize_filename(require_utf8(params.get(b"filename", b""), ["body", "filename"]))
            declared = self.headers.get("content-type")
            self.declared = declared.decode("latin-1") if declared else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if not self.in_file:
            self.current.extend(piece)
            if len(self.current) > self.limits.max_field_bytes:
                raise FormFieldTooLarge(
                    f"The field {self.name!r} is too long: {size(self.limits.max_field_bytes, 'en')} at most.",
                    detail_fr=f"Le champ {self.name!r} est trop long : {size(self.limits.max_field_bytes)} au plus.",
                )
            return
        self.size += len(piece)
        if self.size > self.limits.max_bytes:
            raise DocumentTooLarge(
                f"The file is too large: {size(self.limits.max_bytes, 'en')} at most.",
                detail_fr=f"Le fichier est trop volumineux : {size(self.limits.max_bytes)} au plus.",
                max_bytes=self.limits.max_bytes,
            )
        self.sha.update(piece)
        if self.media_type is None:
            self.head.extend(piece[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self._check_type()
        self.pending.append(piece)

    def _check_type(self) -> None:
        self.media_type = check_type(
            head=bytes(self.head), declared=self.declared, filename=self.filename, allowed=self.limits.allowed_types
        )
        renamed = named_for(self.filename, self.media_type)
        if renamed != self.filename:
            self.sent_filename, self.filename = self.filename, renamed

    def on_part_end(self) -> None:
        if self.in_file:
            if self.size == 0:
                raise EmptyDocument("The file is empty.", detail_fr="Le fichier est vide.")
            if self.media_type is None:
                self._check_type()
            self.in_file = False
        else:
            if self.name in self.fields:
                raise MalformedMultipart(
                    f"The field {self.name!r} is repeated.", detail_fr=f"Le champ {self.name!r} est répété."
                )
            self.fields[self.name] = require_utf8(bytes(self.current), ["body", self.name])

    def on_end(self) -> None:
        self.finished = True


async def receive_upload(
    stream: AsyncIterator[bytes],
    *,
    content_type: str | None,
    content_length: str | None,
    limits: UploadLimits,
    spool_dir: Path,
) -> ReceivedUpload:
    """Parse the multipart ``stream``, spooling the ``file`` part under ``spool_dir``.

    Returns the spooled file (the caller owns and must remove it) with its size in bytes, SHA-256
    hex digest, sniffed type, sanitized filename and the text fields. Raises the problems listed in
    the module docstring; anything raised by ``stream`` (a client disconnect) propagates after
    clean-up.
    """
    boundary = parse_boundary(content_type)
    body_limit = limits.max_bytes + _FORM_OVERHEAD
    if content_length is not None and content_length.isdigit() and int(content_length) > body_limit:
        raise DocumentTooLarge(
            f"The file is too large: {size(limits.max_bytes, 'en')} at most.",
            detail_fr=f"Le fichier est trop volumineux : {size(limits.max_bytes)} au plus.",
            max_bytes=limits.max_bytes,
        )
    path = spool_dir / f"upload-{new_id().hex}.part"
    receiver = _Receiver(limits, path)
    parser = MultipartParser(
        boundary,
        receiver.callbacks(),  # type: ignore[arg-type]
        max_header_count=8,
        max_header_size=MAX_PART_HEADER_BYTES,
    )
    fh: IO[bytes] = await asyncio.to_thread(path.open, "xb")
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > body_limit:
                raise DocumentTooLarge(
                    f"The file is too large: {size(limits.max_bytes, 'en')} at most.",
                    detail_fr=f"Le fichier est trop volumineux : {size(limits.max_bytes)} au plus.",
                    max_bytes=limits.max_bytes,
                )
            try:
                parser.write(chunk)
            except FormParserError as exc:
                raise MalformedMultipart(
                    "The multipart body is malformed.", detail_fr="Le corps multipart est mal formé."
                ) from exc
            if receiver.pending:
                data = b"".join(receiver.pending)
                receiver.pending.clear()
                await asyncio.to_thread(fh.write, data)
            if receiver.finished:
                break
        if not receiver.finished:
            raise MalformedMultipart(
                "The multipart body ended before its closing boundary.",
                detail_fr="Le corps multipart s'arrête avant sa frontière finale.",
            )
        if not receiver.file_seen:
            raise DocumentFileMissing(
                f"The form has no {FILE_FIELD!r} part.", detail_fr=f"Le formulaire n'a pas de partie {FILE_FIELD!r}."
            )
        await asyncio.to_thread(fh.flush)
    except BaseException:
        fh.close()
        path.unlink(missing_ok=True)
        raise
    fh.close()
    assert receiver.media_type is not None
    return ReceivedUpload(
        path=path,
        size=receiver.size,
        sha256=receiver.sha.hexdigest(),
        media_type=receiver.media_type,
        filename=receiver.filename,
        fields=receiver.fields,
        sent_filename=receiver.sent_filename,
    )
