"""A ``ValueError`` that also gives its reason in French, for the sentences desk staff read (an
import row's reason or warning), where ``str(exc)`` stays the English one the API and logs use."""

from __future__ import annotations


class Explained(ValueError):
    """``str(exc)``: the reason in English; ``exc.fr``: the same reason in French."""

    def __init__(self, en: str, fr: str) -> None:
        super().__init__(en)
        self.fr = fr


def in_french(exc: BaseException, fallback: str | None = None) -> str:
    """``exc``'s reason in French: its own when it is :class:`Explained`, else ``fallback`` (a
    library's message has no French), else its English text."""
    if isinstance(exc, Explained):
        return exc.fr
    return fallback if fallback is not None else str(exc)
