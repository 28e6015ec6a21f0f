"""The media type and charset a request body must have: 415 for another, naming what is accepted.

Every operation that takes a body takes one kind of it: JSON (``application/json``, or a
``+json`` type), a form (``application/x-www-form-urlencoded``; ``multipart/form-data`` too, which
the same parser reads) or a file upload (``multipart/form-data`` only). A body of another type is
refused with 415 Unsupported Media Type (RFC 9110 §15.5.16) before anything reads it, naming the
accepted types in the detail and in ``Accept-Post`` (W3C LDP §7.1, IANA-registered; on ``POST``)
or ``Accept-Patch`` (RFC 5789 §3.1; on ``PATCH``): a JSON body sent to the login form used to be
answered "the e-mail and the password are required", a form sent to a JSON operation "field
required" for every field.

Charset: JSON exchanged between systems MUST be UTF-8 (RFC 8259 §8.1), and the form parser reads
UTF-8 only (WHATWG URL, ``application/x-www-form-urlencoded`` parsing). A body declared in another
charset (``application/json; charset=utf-16``, ``charset=iso-8859-1``) is therefore refused with
415 naming the charset, rather than decoded by it: decoding it would accept, from one client, bytes
that every other reader of the same body (a log, a proxy, a replayed idempotent request) takes as
UTF-8, and read as UTF-8 it would be refused as bytes "not valid UTF-8" or, worse, taken with
another meaning (``é`` in ISO-8859-1 is one byte, which UTF-8 refuses; ``Ã©`` would be two
letters). ``charset=utf-8`` (any case, quoted or not) is accepted, as is no charset, and so is
``charset=us-ascii``, a subset of UTF-8: its body is read as UTF-8 all the same (a byte over 0x7F
is taken as UTF-8, not refused for the declared charset). An empty ``charset=`` is refused, said
to be empty.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from fastapi.routing import APIRoute
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import DEFAULT_MAX_HEADER_SIZE, parse_options_header

from app.core.errors import FilenameTooLong, UnsupportedMediaType
from app.core.i18n import size

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

MAX_PART_HEADER_BYTES = DEFAULT_MAX_HEADER_SIZE
"""The longest header line of a multipart part (4,224 bytes): python-multipart's default, which
Starlette's form parser (the imports' and the token's forms) applies and cannot be told otherwise,
so every multipart parser of the application (the text guard, the documents' streamed upload) uses
it too. A file name is kept to 255 characters; even percent-encoded 4-byte characters (3,060
bytes) fit, with the rest of ``Content-Disposition``."""


def filename_too_long() -> FilenameTooLong:
    """The problem of a ``Content-Disposition`` longer than :data:`MAX_PART_HEADER_BYTES`."""
    return FilenameTooLong(
        f"The file name is too long: the part header carrying it (Content-Disposition) is over "
        f"{MAX_PART_HEADER_BYTES} bytes. A name is shortened to 255 characters anyway: send a shorter one.",
        detail_fr=f"Le nom du fichier est trop long : l'en-tête qui le porte dans le formulaire dépasse "
        f"{size(MAX_PART_HEADER_BYTES)}. Renommez le fichier avec un nom plus court, puis envoyez-le à nouveau.",
        max_header_bytes=MAX_PART_HEADER_BYTES,
        errors=[{"loc": ["body", "file", "filename"], "msg": "file name too long", "type": "too_long"}],
    )


def header_size_exceeded(exc: BaseException) -> bool:
    """True when python-multipart stopped at a part header line over its limit."""
    return isinstance(exc, MultipartParseError) and "header size" in str(exc)


_ACCEPT_HEADER = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}
_ACCEPTED = "diaspora_accepted_media_types"


def hint(method: str, accepted: Sequence[str]) -> dict[str, str]:
    """The response header naming the media types ``accepted`` in a request body of ``method``:
    ``Accept-Post`` for ``POST``, ``Accept-Patch`` for ``PATCH``, ``Accept`` otherwise (RFC 9110
    §12.5.1: which media types the resource prefers in a subsequent request's content)."""
    return {_ACCEPT_HEADER.get(method.upper(), "Accept"): ", ".join(accepted)}


def refused(method: str, accepted: Sequence[str], sent: str) -> UnsupportedMediaType:
    """415 for a body of media type ``sent`` (``""``: none declared) where ``accepted`` are taken."""
    said = " or ".join(accepted)
    said_fr = " ou ".join(accepted)
    if sent:
        english = f"This operation takes a body of type {said}, not {sent}."
        french = f"Cette opération attend un corps de type {said_fr}, pas {sent}."
    else:
        english = f"This operation takes a body of type {said}: send it with Content-Type: {accepted[0]}."
        french = f"Cette opération attend un corps de type {said_fr}, et son type n'est pas indiqué."
    return UnsupportedMediaType(english, detail_fr=french, headers=hint(method, accepted), accepted=list(accepted))


_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii", b"ascii")
"""Charsets a body may be declared in: UTF-8, and US-ASCII (RFC 20), a subset of it. A body
declared ``charset=us-ascii`` is still read as UTF-8: a byte over 0x7F it holds is taken as UTF-8
(refused, 422, when not valid UTF-8), not refused for lying about its charset."""


def charset_refused(method: str, content_type: bytes) -> UnsupportedMediaType | None:
    """415 when ``content_type`` declares a charset other than UTF-8 or US-ASCII (the module's
    docstring says why; :data:`_UTF8_NAMES`), or an empty one (``charset=``); ``None`` when it
    declares UTF-8, US-ASCII or none. The rule cited is the one of the body's type: RFC 8259 §8.1
    for JSON, the WHATWG URL standard for a url-encoded form."""
    media, params = parse_options_header(content_type)
    charset = params.get(b"charset")
    if charset is None or charset.strip().lower() in _UTF8_NAMES:
        return None
    named = charset.decode("latin-1").strip()
    kind = media.decode("latin-1") or JSON
    if kind == FORM:
        rule = "WHATWG URL standard, application/x-www-form-urlencoded parsing"
        rule_fr = "norme URL du WHATWG, lecture de application/x-www-form-urlencoded"
    elif kind == JSON or kind.endswith("+json"):
        rule = rule_fr = "RFC 8259 §8.1"
    else:
        rule = rule_fr = ""
    cited, cited_fr = (f" ({rule})", f" ({rule_fr})") if rule else ("", "")
    if named:
        said_en, said_fr = f"declared in charset {named}", f"déclaré dans le jeu de caractères {named}"
    else:
        said_en = "declared with an empty charset (charset= names none)"
        said_fr = "déclaré avec un jeu de caractères vide (charset= n'en nomme aucun)"
    return UnsupportedMediaType(
        f"The body is {said_en}: {kind} is read in UTF-8 only{cited}; "
        f"send it in UTF-8, with Content-Type: {kind} or {kind}; charset=utf-8.",
        detail_fr=f"Le corps est {said_fr} : {kind} se lit en UTF-8 seulement{cited_fr} ; envoyez-le en UTF-8.",
        headers=hint(method, [f"{kind}; charset=utf-8"]),
        charset=named,
    )


def coding_refused(headers: Sequence[tuple[bytes, bytes]]) -> UnsupportedMediaType | None:
    """415 with ``Accept-Encoding: identity`` (RFC 9110 §15.5.16 and §12.5.3, RFC 7694 §3) when
    a request's raw ``headers`` declare its body in a content coding (``Content-Encoding: gzip``,
    ``br``…, listed in one header or several): the server decodes none, and reading the coded
    bytes as the body would answer as if the client had sent something else (gzip JSON: "not
    valid UTF-8"; an upload: a file stored compressed). ``identity`` (no coding) is accepted;
    ``None`` when nothing else is named. The problem's ``content_coding`` is the list as sent,
    lower-cased."""
    codings = [
        coding.strip().lower()
        for name, value in headers
        if name.lower() == b"content-encoding"
        for coding in value.decode("latin-1").split(",")
        if coding.strip()
    ]
    if all(coding == "identity" for coding in codings):
        return None
    named = ", ".join(codings)
    return UnsupportedMediaType(
        f"The request body is in a content coding ({named}): this server reads bodies without one only; "
        "send it uncompressed, without Content-Encoding.",
        detail_fr=f"Le corps de la requête est compressé ({named}) : le serveur ne lit que des corps non "
        "compressés ; envoyez-le sans Content-Encoding.",
        headers={"Accept-Encoding": "identity"},
        content_coding=named,
    )


def accepted_media_types(route: APIRoute) -> tuple[str, ...]:
    """The media types of the body ``route`` takes, the one to use first; ``()`` for a route
    that takes no body or streams an upload it checks itself (``app.documents.multipart``)."""
    found: tuple[str, ...] | None = getattr(route, _ACCEPTED, None)
    if found is None:
        if route.body_field is not None:  # parsed by FastAPI: JSON, a form, or a form with files
            declared = str(getattr(route.body_field.field_info, "media_type", JSON))
        else:  # parsed by the endpoint (its OpenAPI requestBody): a form, or an upload it streams
            content = ((route.openapi_extra or {}).get("requestBody") or {}).get("content", {})
            declared = FORM if list(content) == [FORM] else ""
        found = {JSON: (JSON,), FORM: (FORM, MULTIPART), MULTIPART: (MULTIPART,)}.get(declared, ())
        setattr(route, _ACCEPTED, found)  # computed once per route, kept with it
    return found


def _framed(request: Request) -> bool:
    """Whether the request has a body (RFC 9112 §6.3)."""
    return request.headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in request.headers


async def reject_unsupported_media_type(request: Request) -> None:
    """Raise 415 (:func:`refused`) when a route taking a form is sent a body of another type (or
    of none declared), or a route taking JSON is sent a body declared of another type; a body left
    out is a missing body (422 for what it lacks), and a JSON body without ``Content-Type`` is
    read as JSON (it is refused, 415 too, only if it does not validate: ``app.core.problems``).

    Installed as an application-wide dependency (``app.core.routing.SHARED_DEPENDENCIES``)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _framed(request):
        return
    accepted = accepted_media_types(route)
    if not accepted:
        return
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if accepted[0] == JSON:
        if not sent or sent == JSON or (sent.startswith("application/") and sent.endswith("+json")):
            return
    elif sent in accepted:
        return
    raise refused(request.method, accepted, sent)
