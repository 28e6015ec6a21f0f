"""A refusal that also gives its reason in French: a ``ValueError`` for the sentences desk staff
read (an import row's reason or warning), where ``str(exc)`` stays the English one the API and logs
use; and a Pydantic error of its own type carrying both reasons (:func:`refused`)."""

from __future__ import annotations

from pydantic_core import PydanticCustomError


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


def refused(kind: str, msg: str, *, en: str, fr: str) -> PydanticCustomError:
    """A validator's refusal of error type ``kind`` (``msg``: Pydantic's English ``msg``) whose
    reason a person reads in French or English (``ctx`` ``reason_fr``/``reason_en``: the API's
    ``errors[].reason``, :func:`app.core.reasons.entry`). Without them an error of a custom type
    reaches the screen as « valeur non valide »."""
    return PydanticCustomError(kind, msg.replace("{", "(").replace("}", ")"), {"reason_en": en, "reason_fr": fr})


def out_of_years(year: int, first: int, last: int) -> tuple[str, str]:
    """Why a date of ``year`` outside ``first``–``last`` is refused, (English, French):
    « avant 1900 : une date à partir de 1900 est attendue »."""
    if year < first:
        return (
            f"before {first}: a date from {first} on is expected",
            f"avant {first} : une date à partir de {first} est attendue",
        )
    return (f"after {last}: a date up to {last} is expected", f"après {last} : une date jusqu'à {last} est attendue")
