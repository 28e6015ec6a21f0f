"""HTTP conditional requests (RFC 9110 §13): ETags from record versions, ``If-Match`` checks."""

from __future__ import annotations

import re

from app.core.errors import PreconditionFailed, PreconditionRequired

# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc excludes DQUOTE. Empty list
# elements around it (a leading, doubled or trailing comma) are skipped, RFC 9110 §5.6.1.2; the
# whitespace around elements is OWS, spaces and tabs only (§5.6.3).
_ENTITY_TAG = re.compile(r'[ \t,]*(W/)?("[^"]*")[ \t]*(?:,[ \t,]*|$)')


def parse_entity_tags(value: str) -> list[tuple[bool, str]] | None:
    """The ``(weak, tag)`` pairs of an ``#entity-tag`` list, or ``None`` when it is malformed.

    ``'"v1", W/"v2"'`` → ``[(False, '"v1"'), (True, '"v2"')]``; ``'"v1", ,'`` → ``[(False, '"v1"')]``;
    ``'v1'`` → ``None``.
    """
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags


def etag_of(version: int) -> str:
    """The strong ETag of a record at ``version`` (RFC 9110 §8.8.3)."""
    return f'"v{version}"'


def require_if_match(if_match: str | None, version: int) -> None:
    """Check an update's ``If-Match`` against the record's current version.

    Raises ``PreconditionRequired`` (428, RFC 6585 §3) when the header is missing or is ``*``,
    and ``PreconditionFailed`` (412) when none of its ETags is current (:func:`check_if_match`:
    the *strong* comparison of RFC 9110 §13.1.1; a malformed field matches nothing). ``*`` (RFC
    9110: "any current representation") would let a client overwrite what it never read: the lost
    update the header is required against (RFC 6585 §3), so it is answered as a missing header.
    """
    if not if_match or not if_match.strip():
        raise PreconditionRequired(
            "Send If-Match with the ETag of your last read.",
            detail_fr="La modification ne dit pas quelle version de la fiche vous avez ouverte : rouvrez-la, "
            "puis refaites votre modification.",
        )
    if if_match.strip() == "*":
        raise PreconditionRequired(
            "Send If-Match with the ETag of your last read: * would overwrite changes you have not seen.",
            detail_fr="La modification doit dire quelle version de la fiche vous avez ouverte : sans elle, elle "
            "écraserait des modifications que vous n'avez pas vues. Rouvrez la fiche, puis refaites votre "
            "modification.",
        )
    check_if_match(if_match, etag_of(version))


def check_if_match(if_match: str | None, current: str) -> None:
    """Check an ``If-Match`` that may be absent (a ``DELETE``'s: none means no condition) against
    ``current``, the record's ETag now.

    Raises ``PreconditionFailed`` (412, with ``current_etag``) when the field is sent and none of
    its ETags is current. RFC 9110 §13.1.1: the field is ``*`` (any current version: as no field,
    for a request that needs none) or a list of entity-tags compared with the *strong* function, so
    a weak tag (``W/"v3"``) never matches; a malformed field matches nothing.
    """
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        return
    tags = parse_entity_tags(if_match) or []
    if not any(not weak and tag == current for weak, tag in tags):
        raise PreconditionFailed(
            f"The record is now at {current}; read it again and reapply your change.",
            detail_fr=f"L'enregistrement est maintenant en {current} ; relisez-le et refaites votre modification.",
            current_etag=current,
        )


def none_match_fails(if_none_match: str, etag: str) -> bool:
    """True when ``If-None-Match`` names ``etag`` (RFC 9110 §13.1.2: ``*`` or the *weak*
    comparison, so ``W/"x"`` matches ``"x"``): a GET then answers 304 Not Modified."""
    if if_none_match.strip() == "*":
        return True
    return any(tag == etag for _, tag in parse_entity_tags(if_none_match) or [])
