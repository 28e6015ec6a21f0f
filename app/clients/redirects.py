"""Redirect URIs of app clients: what may be registered and what matches (RFC 6749 §3.1.2,
RFC 8252 §7-8, OAuth 2.0 Security BCP RFC 9700 §4.1.3: exact string matching).

* ``https://host/path``: a claimed web address; matched exactly.
* ``http://127.0.0.1/path`` or ``http://[::1]/path``: a loopback interface of a native app
  (RFC 8252 §7.3); matched exactly except the port, which the app picks when it starts
  (§7.3: "MUST allow any port"). ``localhost`` is refused (§8.3: it may resolve elsewhere).
* ``com.example.app:/callback``: a private-use URI scheme (§7.1), which must be a reverse domain
  name (contain a dot); matched exactly.

Nothing else is accepted: no fragment (RFC 6749 §3.1.2), no plain ``http`` to another host, no
user information (``https://user:pw@host/…``, ``http://user@127.0.0.1/…``: credentials in a URI,
RFC 3986 §3.2.1 "deprecated", RFC 9700 §4.1; it also makes a URI read as another host) — neither
at registration nor in an authorization request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
MAX_LENGTH = 2000


def problem_with(uri: str) -> str | None:
    """Why ``uri`` cannot be registered, or ``None`` when it can."""
    if len(uri) > MAX_LENGTH or not uri.isprintable() or " " in uri:
        return "too long or not printable"
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return "not a URI"
    del port
    if parts.fragment or "#" in uri:
        return "has a fragment"
    if "@" in parts.netloc:
        return "has user information (user:password@): no credentials in a redirect URI"
    if not parts.scheme:
        return "has no scheme"
    if parts.scheme == "https":
        return None if parts.hostname else "has no host"
    if parts.scheme == "http":
        return None if parts.hostname in _LOOPBACK_HOSTS else "plain http is only for 127.0.0.1 or [::1]"
    if "." not in parts.scheme:
        return "a private-use scheme must be a reverse domain name (com.example.app)"
    return None


def matches(registered: list[str], requested: str) -> bool:
    """True when ``requested`` is one of ``registered`` (exactly), or a loopback URI differing from
    a registered loopback URI only by its port."""
    if requested in registered:
        return True
    try:
        asked = urlsplit(requested)
        asked.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if asked.scheme != "http" or asked.hostname not in _LOOPBACK_HOSTS or asked.fragment or "@" in asked.netloc:
        return False
    for uri in registered:
        known = urlsplit(uri)
        if (
            known.scheme == "http"
            and known.hostname == asked.hostname
            and known.path == asked.path
            and known.query == asked.query
        ):
            return True
    return False
