"""HTTP conditional requests (RFC 9110 §13): ETags from record versions, ``If-Match`` checks."""

from __future__ import annotations

from app.core.errors import PreconditionFailed, PreconditionRequired


def etag_of(version: int) -> str:
    """The strong ETag of a record at ``version`` (RFC 9110 §8.8.3)."""
    return f'"v{version}"'


def require_if_match(if_match: str | None, version: int) -> None:
    """Check an update's ``If-Match`` against the record's current version.

    Raises ``PreconditionRequired`` (428) when the header is missing and ``PreconditionFailed``
    (412) when none of its ETags is current. ``*`` matches any current version (RFC 9110
    §13.1.1): the client knowingly overwrites.
    """
    if not if_match or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the ETag of your last read.",
            detail_fr="Envoyez If-Match avec l'ETag de votre dernière lecture.",
        )
    current = etag_of(version)
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags:  # RFC 9110 §13.1.1: any current representation matches
        return
    if current not in tags:
        raise PreconditionFailed(
            f"The record is now at {current}; read it again and reapply your change.",
            detail_fr=f"L'enregistrement est maintenant en {current} ; relisez-le et refaites votre modification.",
            current_etag=current,
        )
