"""The scopes app clients may be granted, and which scope each API request needs.

A token issued to an app client carries ``scope`` (RFC 6749 §3.3); the dependency that
authenticates staff requests (:func:`app.auth.deps.get_actor`) checks it with
:func:`required_scope`. Scopes only narrow: the staff user's role and desks still apply. Staff
tokens from the password grant carry no scope and keep full role-based access.
"""

from __future__ import annotations

import re
from typing import Final

SCOPES: Final[dict[str, str]] = {
    "registrants:read": "read the registrants of your desks",
    "registrants:write": "register people and correct their records",
    "cases:read": "read cases, notes, referrals and appointments",
    "cases:write": "open and follow cases, add notes, book appointments",
    "documents:read": "download documents",
    "documents:write": "upload and delete documents",
    "sync": "synchronise everything of your desks that changed (offline work)",
}
"""Scope → what it allows, as shown on the consent page."""

SCOPE_LABELS_FR: Final[dict[str, str]] = {
    "registrants:read": "lire les personnes inscrites de vos guichets",
    "registrants:write": "inscrire des personnes et corriger leur dossier",
    "cases:read": "lire les demandes, notes, orientations et rendez-vous",
    "cases:write": "ouvrir et suivre des demandes, ajouter des notes, prendre des rendez-vous",
    "documents:read": "télécharger des documents",
    "documents:write": "déposer et supprimer des documents",
    "sync": "synchroniser ce qui a changé dans vos guichets (travail hors ligne)",
}

NO_SCOPE: Final = ""
"""Any token may make the request (its own identity, reference data)."""

_READ_METHODS = frozenset({"GET", "HEAD"})
_DOCUMENTS_OF_OWNER = re.compile(r"^/api/v1/(registrants|cases)/[^/]+/documents(/|$)")
_REFERENCE = ("/api/v1/desks", "/api/v1/service-types", "/api/v1/partners", "/api/v1/reference")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def required_scope(method: str, path: str) -> str | None:
    """The scope a client token needs for ``method path``: a scope name, :data:`NO_SCOPE` when
    any client token will do, or ``None`` when no client token may make this request at all
    (administration, reports, exports, audit, privacy, imports: staff sign-in only)."""
    reading = method.upper() in _READ_METHODS
    if path == "/api/v1/auth/me":
        return NO_SCOPE
    if _under(path, "/api/v1/sync"):
        return "sync"
    if _DOCUMENTS_OF_OWNER.match(path) or _under(path, "/api/v1/documents"):
        return "documents:read" if reading else "documents:write"
    if _under(path, "/api/v1/registrants"):
        return "registrants:read" if reading else "registrants:write"
    if _under(path, "/api/v1/cases") or _under(path, "/api/v1/appointments"):
        return "cases:read" if reading else "cases:write"
    if reading and any(_under(path, prefix) for prefix in _REFERENCE):
        return NO_SCOPE
    return None


def parse(scope: str | None) -> list[str]:
    """The scope names of a space-delimited ``scope`` string (RFC 6749 §3.3), deduplicated, in order."""
    return list(dict.fromkeys((scope or "").split()))
