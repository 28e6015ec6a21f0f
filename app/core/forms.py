"""The form parser's refusals as the API's problems, in French and English.

Starlette's ``Request.form()`` — every ``Form()``/``File()`` endpoint: the register import, the
sign-in form — refuses a body it cannot read with ``HTTPException(400, detail=<English
sentence>)`` raised from a ``MultiPartException``; that sentence reached the client whatever its
language. Each is said here as the documents' own upload parser (:mod:`app.documents.multipart`)
says it, under the same problem types (400 ``malformed-multipart``, ``too-many-parts``,
``form-field-too-large``). A multipart body without boundary is :mod:`app.core.problems`' own
(400 ``malformed-body``).
"""

from __future__ import annotations

import re
from typing import Final

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from app.core import errors
from app.core.i18n import size

_TOO_MANY: Final = re.compile(r"Too many (fields|files)\. Maximum number of \w+ is (\d+)\.")
_TOO_LARGE: Final = re.compile(r"(?:Part|Field) exceeded maximum size of (\d+)KB\.")
_NO_NAME: Final = 'The Content-Disposition header field "name" must be provided.'
NO_BOUNDARY: Final = "Missing boundary in multipart."
"""Starlette's sentence for a multipart body without boundary (answered by :mod:`app.core.problems`)."""


def form_problem(exc: HTTPException) -> errors.Problem | None:
    """The problem for ``exc`` when Starlette's form parser raised it (a ``MultiPartException``
    other than a missing boundary), else None:

    * a part without ``Content-Disposition: form-data; name=…`` or a body the parser cannot read
      → :class:`~app.core.errors.MalformedMultipart`;
    * more fields or files than the parser takes (1,000 each) → :class:`~app.core.errors.TooManyParts`;
    * a field over the parser's limit (1 MB) → :class:`~app.core.errors.FormFieldTooLarge`.
    """
    parsed = exc.__context__
    if not isinstance(parsed, MultiPartException) or parsed.message == NO_BOUNDARY:
        return None
    if parsed.message == _NO_NAME:
        return errors.MalformedMultipart(
            "Each part needs Content-Disposition: form-data with a name.",
            detail_fr="Chaque partie doit porter Content-Disposition: form-data avec un nom.",
        )
    if found := _TOO_MANY.fullmatch(parsed.message):
        what, most = found[1], int(found[2])
        what_fr = "champs" if what == "fields" else "fichiers"
        return errors.TooManyParts(
            f"At most {most} {what} are accepted in one form.",
            detail_fr=f"Au plus {most} {what_fr} sont acceptés dans un formulaire.",
        )
    if found := _TOO_LARGE.fullmatch(parsed.message):
        most_bytes = int(found[1]) * 1024
        return errors.FormFieldTooLarge(
            f"A field of the form is too long: {size(most_bytes, 'en')} at most.",
            detail_fr=f"Un champ du formulaire est trop long : {size(most_bytes)} au plus.",
        )
    return errors.MalformedMultipart(  # « Invalid multipart data. », or a sentence of a later Starlette
        "The multipart/form-data body cannot be read (RFC 7578): send it as an HTTP client builds a form.",
        detail_fr="Le formulaire envoyé est illisible : renvoyez-le tel que le logiciel le construit.",
    )
