"""Problem types (RFC 9457) shared by every domain.

A problem is raised as a :class:`Problem` subclass carrying its HTTP status, a stable ``type``
slug and a French and English title. ``app.core.problems`` renders them as
``application/problem+json``; services raise them without knowing about HTTP frameworks.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.core.reasons import said, with_reason

PROBLEM_BASE = "/problems/"


class Problem(Exception):
    """Base of every error answered to a client.

    Class attributes: ``status`` (HTTP status code), ``slug`` (the last segment of the stable
    ``type`` URI ``/problems/<slug>``), ``title_fr`` and ``title_en``. An instance carries an
    optional ``detail`` per language and extension members (``extra``) merged into the body.
    """

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title_fr: ClassVar[str] = "Requête invalide"
    title_en: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail_en: str | None = None,
        *,
        detail_fr: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail_en or self.title_en)
        self.detail_en = detail_en
        self.detail_fr = detail_fr or detail_en
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_BASE + cls.slug

    def members(self, language: str) -> dict[str, Any]:
        """The problem's members in ``language`` (``"fr"``, else English): ``type``, ``title``,
        ``status``, ``detail`` when there is one, then the extension members; a :class:`Nested`
        problem among ``errors`` is given in the same language, and a field error that broke a limit
        gets its ``reason`` in that language (:mod:`app.core.reasons`)."""
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title_fr if language == "fr" else self.title_en,
            "status": self.status,
        }
        detail = self.detail_fr if language == "fr" else self.detail_en
        if detail:
            body["detail"] = detail
        body.update(self.extra)
        if isinstance(body.get("errors"), list):
            body["errors"] = [
                e.members(language) if isinstance(e, Nested) else with_reason(e, language) for e in body["errors"]
            ]
        return body


class Nested:
    """A problem reported inside another's ``errors`` (one refused item of a bulk request), in the
    language of the response that carries it: ``where`` (``{"line": 12}``) first, then the
    problem's members (:meth:`Problem.members`)."""

    def __init__(self, problem: Problem, **where: Any) -> None:
        self.problem = problem
        self.where = where

    @property
    def status(self) -> int:
        return self.problem.status

    def members(self, language: str) -> dict[str, Any]:
        return {**self.where, **self.problem.members(language)}


class BadRequest(Problem):
    status, slug = 400, "bad-request"
    title_fr, title_en = "Requête invalide", "Bad request"


class MalformedBody(Problem):
    status, slug = 400, "malformed-body"
    title_fr, title_en = "Corps de requête illisible", "Malformed request body"


class MalformedMultipart(BadRequest):
    """A form (``multipart/form-data``) its parser cannot read: :mod:`app.core.forms`, the
    documents' upload (:mod:`app.documents.multipart`)."""

    slug = "malformed-multipart"
    title_fr, title_en = "Formulaire multipart illisible", "Malformed multipart body"


class TooManyParts(BadRequest):
    """A form of more fields or files than its parser takes."""

    slug = "too-many-parts"
    title_fr, title_en = "Trop de parties dans le formulaire", "Too many parts in the form"


class FormFieldTooLarge(BadRequest):
    """A form's field longer than its parser takes."""

    slug = "form-field-too-large"
    title_fr, title_en = "Champ de formulaire trop long", "Form field too large"


class Unauthorized(Problem):
    status, slug = 401, "unauthorized"
    title_fr, title_en = "Authentification requise", "Authentication required"

    def __init__(self, detail_en: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail_en, **kwargs)


class Forbidden(Problem):
    status, slug = 403, "forbidden"
    title_fr, title_en = "Action non autorisée pour ce rôle", "Not allowed for this role"


class NotFound(Problem):
    status, slug = 404, "not-found"
    title_fr, title_en = "Ressource introuvable", "Resource not found"


class MethodNotAllowed(Problem):
    status, slug = 405, "method-not-allowed"
    title_fr, title_en = "Méthode non autorisée", "Method not allowed"


class Conflict(Problem):
    status, slug = 409, "conflict"
    title_fr, title_en = "Conflit avec l'état actuel", "Conflict with the current state"


class PreconditionFailed(Problem):
    status, slug = 412, "precondition-failed"
    title_fr, title_en = (
        "La ressource a été modifiée depuis votre lecture",
        "The resource changed since you read it",
    )


class PayloadTooLarge(Problem):
    status, slug = 413, "payload-too-large"
    title_fr, title_en = "Contenu trop volumineux", "Content too large"


class UnsupportedMediaType(Problem):
    status, slug = 415, "unsupported-media-type"
    title_fr, title_en = "Type de contenu non accepté", "Unsupported media type"


class ValidationFailed(Problem):
    status, slug = 422, "validation-failed"
    title_fr, title_en = "Données invalides", "Invalid data"


class FilenameTooLong(ValidationFailed):
    """422: the header of a multipart part that carries the file name (``Content-Disposition``)
    is longer than the multipart parser reads (:data:`app.core.media_types.MAX_PART_HEADER_BYTES`,
    in ``max_header_bytes``), at ``["body", "file", "filename"]``."""

    slug = "filename-too-long"
    title_fr, title_en = "Nom de fichier trop long", "File name too long"


class FieldNotApplicable(ValidationFailed):
    """422: the body carries a value the operation does not take (a closing outcome on a move that
    closes nothing, an answer date for a referral not answered…). It is refused rather than
    ignored, so that nothing a person typed is silently dropped. Members: ``field`` (the first
    such field), ``errors`` (one per field: ``loc`` ``["body", name]``, or ``["query", name]`` for a
    query parameter, type ``not_applicable``)."""

    slug = "field-not-applicable"
    title_fr, title_en = "Champ sans objet pour cette opération", "Field does not apply to this operation"


def not_applicable(fields: list[str], *, why_en: str, why_fr: str, where: str = "body") -> FieldNotApplicable:
    """The :class:`FieldNotApplicable` problem naming ``fields`` (as the client sent them, in
    order); ``why_en``/``why_fr`` finish the sentence "…does not apply: <why>"; ``where`` is the
    first member of each error's ``loc`` (``body``, or ``query`` for a query parameter)."""
    names = ", ".join(fields)
    entries = [{"loc": [where, f], "msg": f"does not apply: {why_en}", "type": "not_applicable"} for f in fields]
    return FieldNotApplicable(
        f"{names} {'does' if len(fields) == 1 else 'do'} not apply: {why_en}",
        # The French detail is read by a person: the fields are named by the screen (each error's
        # ``loc``), not by the API's identifiers.
        detail_fr=f"{'Ce champ est' if len(fields) == 1 else 'Ces champs sont'} sans objet : {why_fr}",
        field=fields[0],
        errors=[said(e, fr=f"sans objet : {why_fr}", en=f"does not apply: {why_en}") for e in entries],
    )


class BodyNotTaken(ValidationFailed):
    """422: a request body sent to an operation that takes none (a ``DELETE``, a ``POST`` action
    such as a consent's withdrawal). Refused rather than ignored: what the client sent would be
    dropped without a word. An empty body, ``{}`` and an object whose members are all ``null`` hold
    nothing and pass. Members: ``errors``, one per member holding a value (``loc`` ``["body",
    name]``, type ``not_applicable``) or, for anything but a JSON object, one at ``["body"]``
    (type ``body_not_taken``)."""

    slug = "body-not-taken"
    title_fr, title_en = "Cette opération ne prend pas de corps", "This operation takes no request body"


class IdempotencyKeyReused(Problem):
    status, slug = 422, "idempotency-key-reused"
    title_fr, title_en = (
        "Clé d'idempotence déjà utilisée pour une autre requête",
        "Idempotency key already used for another request",
    )


class PreconditionRequired(Problem):
    status, slug = 428, "precondition-required"
    title_fr, title_en = (
        "Version ouverte à indiquer pour modifier",
        "If-Match header required to modify",
    )


class TooManyRequests(Problem):
    status, slug = 429, "too-many-requests"
    title_fr, title_en = "Trop de tentatives", "Too many requests"


class InternalError(Problem):
    status, slug = 500, "internal-error"
    title_fr, title_en = "Erreur interne", "Internal error"


class ServiceUnavailable(Problem):
    status, slug = 503, "service-unavailable"
    title_fr, title_en = "Service indisponible", "Service unavailable"


def all_problem_types() -> list[type[Problem]]:
    """Every problem class defined so far (domains' included once imported), by slug."""
    seen: dict[str, type[Problem]] = {}
    stack: list[type[Problem]] = [Problem]
    while stack:
        cls = stack.pop()
        seen.setdefault(cls.slug, cls)
        stack.extend(cls.__subclasses__())
    return sorted(seen.values(), key=lambda c: c.slug)
