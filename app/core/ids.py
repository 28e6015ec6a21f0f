"""New identifiers and salts: random (version 4) UUIDs (RFC 9562 §5.4) and random hex texts, from
OpenSSL's cryptographically secure generator (:func:`ssl.RAND_bytes`).

They replace :func:`uuid.uuid4` and :mod:`secrets` wherever the app makes one per row or per
request. Those ask the kernel for their bytes each time (``os.urandom``) and let go of the
interpreter's lock for that call; while another thread runs Python (an import matching its rows
in a worker thread, a request in the thread pool), taking the lock back costs 80–330 µs per value
instead of 1–3 µs, measured on this project's 2-core server (``bench/imports.py`` measures the
import). OpenSSL's generator runs in the process (seeded and reseeded by the operating system)
and keeps the lock. Python documentation, "ssl — RAND_bytes"; OpenSSL's RAND_bytes(3).
"""

from __future__ import annotations

import ssl
import uuid


def new_id() -> uuid.UUID:
    """A new random UUID (version 4, variant RFC 9562: 122 random bits). Raises ``ssl.SSLError``
    only when OpenSSL's generator has no seed (never on a running system)."""
    return uuid.UUID(bytes=ssl.RAND_bytes(16), version=4)


def random_hex(nbytes: int) -> str:
    """``nbytes`` random bytes as lowercase hex (``2 * nbytes`` characters), as
    :func:`secrets.token_hex` gives them. Raises ``ssl.SSLError`` as :func:`new_id`."""
    return ssl.RAND_bytes(nbytes).hex()
