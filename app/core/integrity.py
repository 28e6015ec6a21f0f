"""A write that breaks a UNIQUE constraint answers 409, never 500.

Services check what they can before writing (a taken desk code, a taken number prefix); two
requests racing past the same check, or a human number stored before the current numbering, end
on the database's UNIQUE constraint. That is a conflict with the current state of the resource
(RFC 9110 §15.5.10), and the client may retry.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict
from app.core.problems import problem_response


class UniqueViolation(Conflict):
    slug = "unique-violation"
    title_fr, title_en = "Valeur déjà utilisée", "Value already in use"


def is_unique_violation(exc: IntegrityError) -> bool:
    """True for PostgreSQL's SQLSTATE 23505 and SQLite's ``UNIQUE constraint failed``."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505" or getattr(orig, "pgcode", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(orig) or "duplicate key value violates unique constraint" in str(orig)


async def _on_integrity(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, IntegrityError) or not is_unique_violation(exc):
        raise exc
    return problem_response(
        request,
        UniqueViolation(
            "Another record took this value at the same moment; read the resource again and retry.",
            detail_fr="Un autre enregistrement a pris cette valeur au même moment ; relisez la ressource et réessayez.",
        ),
    )


def install(app: FastAPI) -> None:
    """Register the 409 handler for UNIQUE violations on ``app``."""
    app.add_exception_handler(IntegrityError, _on_integrity)
