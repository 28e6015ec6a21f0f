"""A field error's reason in words, with the limit it broke: « trop long (200 caractères au plus) ».

A 422's ``errors`` entries keep Pydantic's ``loc``, ``type`` and English ``msg``; an entry that
broke a limit (a length, a bound) also carries that limit in ``ctx`` (``{"max_length": 200}``),
and, rendered in the response's language, a ``reason`` a person can act on: how much to cut or
add is said, as the person's language writes numbers (:func:`app.core.i18n.number`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.core.explained import Explained
from app.core.i18n import number

LIMITS = ("max_length", "min_length", "ge", "gt", "le", "lt")
"""The members of Pydantic's ``ctx`` that state a limit."""


def limits(context: Mapping[str, Any] | None) -> dict[str, int | float]:
    """The numeric limits of an error's ``ctx`` (the rest, an exception or a pattern, is left)."""
    return {
        key: value
        for key, value in (context or {}).items()
        if key in LIMITS and isinstance(value, int | float) and not isinstance(value, bool)
    }


def entry(error: Mapping[str, Any], loc: Iterable[Any]) -> dict[str, Any]:
    """One ``errors`` member for a Pydantic ``error`` at ``loc``: ``loc``, ``msg``, ``type``, and
    ``ctx`` when the error broke a limit; a validator's refusal said in both languages
    (:class:`app.core.explained.Explained`, Pydantic's ``ctx["error"]``) carries its reason
    (:func:`said`), as does one raised by :func:`app.core.explained.refused`."""
    kind = error.get("type", "")
    if kind in ("too_long", "too_short") and isinstance(error.get("input"), str):
        # a text's length checked after its validator (``Annotated[OneLine, Field(max_length=…)]``):
        # Pydantic's generic type, which would say "too many items"; it is a text's length
        kind = f"string_{kind}"
    found: dict[str, Any] = {"loc": [str(p) for p in loc], "msg": error.get("msg", ""), "type": kind}
    if stated := limits(error.get("ctx")):
        found["ctx"] = stated
    context = error.get("ctx") or {}
    refused = context.get("error")
    if isinstance(refused, Explained):
        return said(found, fr=refused.fr, en=str(refused))
    if isinstance(context.get("reason_fr"), str) and isinstance(context.get("reason_en"), str):
        return said(found, fr=context["reason_fr"], en=context["reason_en"])  # app.core.explained.refused
    return found


def _count(n: int | float, one: str, many: str, language: str) -> str:
    return f"{number(n, language)}\u00a0{one if n == 1 else many}"


def reason(error: Mapping[str, Any], language: str) -> str | None:
    """The reason of an ``errors`` member that broke a limit, in ``language`` (``"fr"``, else
    English), the limit said with its unit; ``None`` for any other error."""
    kind, stated = str(error.get("type", "")), limits(error.get("ctx"))
    fr = language == "fr"
    if kind in _LENGTHS and (key := _LENGTHS[kind][0]) in stated:
        _, said_fr, said_en, unit = _LENGTHS[kind]
        n = stated[key]
        counted = _count(n, *unit[fr], "fr" if fr else "en") if unit else number(n, "fr" if fr else "en")
        return (said_fr if fr else said_en).format(counted)
    if kind in _BOUNDS and (key := _BOUNDS[kind][0]) in stated:
        _, said_fr, said_en = _BOUNDS[kind]
        return (said_fr if fr else said_en).format(number(stated[key], "fr" if fr else "en"))
    return None


def with_reason(error: Any, language: str) -> Any:
    """``error`` (an ``errors`` member) with its :func:`reason` in ``language``, when it has one.
    A member that came with its reason already said in both languages (``reason_fr`` and
    ``reason_en``, :func:`said`) gets the one of ``language`` as its ``reason``; an error of a kind
    whose reason is always the same (a date not written as one, a date in the future) gets it from
    :data:`_KINDS`."""
    if not isinstance(error, Mapping):
        return error
    if "reason_fr" in error or "reason_en" in error:
        kept = {key: value for key, value in error.items() if key not in ("reason_fr", "reason_en")}
        return {**kept, "reason": error.get("reason_fr" if language == "fr" else "reason_en")}
    if (found := reason(error, language)) is None:
        if (kinds := _KINDS.get(str(error.get("type", "")))) is None:
            return error
        found = kinds[0] if language == "fr" else kinds[1]
    return {**error, "reason": found}


def said(error: dict[str, Any], *, fr: str, en: str) -> dict[str, Any]:
    """``error`` with its reason in both languages, given by the code that refused the field (the
    response keeps the one of its language as ``reason``: :func:`with_reason`)."""
    return {**error, "reason_fr": fr, "reason_en": en}


_CHARACTERS = {True: ("caractère", "caractères"), False: ("character", "characters")}
_LENGTHS: dict[str, tuple[str, str, str, dict[bool, tuple[str, str]] | None]] = {
    # Pydantic's error type: (its ctx member, French, English, the unit counted: characters, or items)
    "string_too_long": ("max_length", "trop long ({} au plus)", "too long (at most {})", _CHARACTERS),
    "string_too_short": ("min_length", "trop court (au moins {})", "too short (at least {})", _CHARACTERS),
    "too_long": ("max_length", "trop d'éléments ({} au plus)", "too many items (at most {})", None),
    "too_short": ("min_length", "pas assez d'éléments (au moins {})", "too few items (at least {})", None),
}
_BOUNDS = {
    "greater_than_equal": ("ge", "valeur trop petite (au moins {})", "value too small (at least {})"),
    "greater_than": ("gt", "valeur trop petite (plus de {})", "value too small (more than {})"),
    "less_than_equal": ("le", "valeur trop grande ({} au plus)", "value too large (at most {})"),
    "less_than": ("lt", "valeur trop grande (moins de {})", "value too large (less than {})"),
}
_DATE_WRITTEN = ("une date écrite AAAA-MM-JJ est attendue", "a date written YYYY-MM-DD is expected")
_INSTANT_WRITTEN = (
    "une date et une heure avec leur décalage sont attendues (2026-03-02T10:00:00+01:00)",
    "a date and time with their offset are expected (2026-03-02T10:00:00+01:00)",
)
_KINDS: dict[str, tuple[str, str]] = {
    # Pydantic's own error types whose reason does not depend on a limit: (French, English)
    "date_parsing": ("pas une date du calendrier : " + _DATE_WRITTEN[0], "not a calendar date: " + _DATE_WRITTEN[1]),
    "date_from_datetime_parsing": (
        "pas une date du calendrier : " + _DATE_WRITTEN[0],
        "not a calendar date: " + _DATE_WRITTEN[1],
    ),
    "date_from_datetime_inexact": (
        "une date sans heure est attendue (AAAA-MM-JJ)",
        "a date without a time is expected",
    ),
    "date_type": ("pas une date : " + _DATE_WRITTEN[0], "not a date: " + _DATE_WRITTEN[1]),
    "datetime_parsing": (
        "pas une date et une heure : " + _INSTANT_WRITTEN[0],
        "not a date and time: " + _INSTANT_WRITTEN[1],
    ),
    "datetime_from_date_parsing": (
        "pas une date et une heure : " + _INSTANT_WRITTEN[0],
        "not a date and time: " + _INSTANT_WRITTEN[1],
    ),
    "datetime_type": (
        "pas une date et une heure : " + _INSTANT_WRITTEN[0],
        "not a date and time: " + _INSTANT_WRITTEN[1],
    ),
    "date_in_future": (
        "date dans le futur : une date passée est attendue",
        "date in the future: a past date is expected",
    ),
    "date_in_past": (
        "date passée : aujourd'hui ou une date à venir est attendue",
        "date in the past: today or a date to come is expected",
    ),
    "date_before_referral": ("date antérieure à l'envoi de l'orientation", "date before the referral was sent"),
    "date_before_registration": (
        "date antérieure à l'enregistrement de la personne",
        "date before the person's registration",
    ),
    "timezone_aware": (
        "heure sans décalage horaire : " + _INSTANT_WRITTEN[0],
        "time without an offset: " + _INSTANT_WRITTEN[1],
    ),
}
"""Date and time refusals whose reason is their kind (Pydantic's and the desk's own), in words."""


_PLACES = {
    # loc's first member: (a parameter or field there, with its name; the whole place) in English;
    # (the same in French, never naming the parameter: the French texts speak the desk's words, and
    # the web client names the field from ``errors[].loc``)
    "query": ("query parameter {}", "the query", "Un paramètre de l'adresse"),
    "path": ("path parameter {}", "the path", "L'adresse"),
    "header": ("header {}", "the headers", "Un en-tête envoyé"),
    "cookie": ("cookie {}", "the cookies", "Un cookie envoyé"),
    "body": ("body field {}", "the request body", "Un champ envoyé"),
}


def place(loc: Sequence[Any]) -> str:
    """Where an error is, in the API's terms (English): ``["query", "q"]`` → ``"query parameter
    q"``, ``["body", "phones", "0", "number"]`` → ``"body field phones[0].number"``, ``["path"]`` →
    ``"the path"``, ``["body"]`` → ``"the request body"``."""
    parts = [str(p) for p in loc]
    if not parts:
        return "the request"
    if parts[0] not in _PLACES:
        return ".".join(parts)
    one, whole, _ = _PLACES[parts[0]]
    if len(parts) == 1:
        return whole
    name = parts[1]
    for part in parts[2:]:
        name += f"[{part}]" if part.isdigit() else f".{part}"
    return one.format(name)


def place_fr(loc: Sequence[Any]) -> str:
    """Where an error is, in French words a desk agent reads, capitalised, without the API's name:
    ``["query", "q"]`` → « Un paramètre de l'adresse », ``["body", "family_name"]`` → « Un champ
    envoyé », ``["body"]`` → « Le contenu envoyé »."""
    parts = [str(p) for p in loc]
    if parts == ["body"]:
        return "Le contenu envoyé"
    return _PLACES[parts[0]][2] if parts and parts[0] in _PLACES else "Un texte envoyé"


_WORDS: dict[str, str] = {
    # Pydantic's error types said in words for an English detail; an entry's own ``reason`` (a
    # limit, a date, a validator's refusal) comes first, Pydantic's ``msg`` last
    "missing": "required",
    "int_parsing": "a whole number is expected",
    "int_type": "a whole number is expected",
    "int_from_float": "a whole number is expected",
    "float_parsing": "a number is expected",
    "float_type": "a number is expected",
    "finite_number": "a finite number is expected",
    "decimal_parsing": "a number is expected",
    "string_type": "a text is expected",
    "bool_parsing": "true or false is expected",
    "bool_type": "true or false is expected",
    "uuid_parsing": "an id (UUID) is expected",
    "uuid_type": "an id (UUID) is expected",
    "string_pattern_mismatch": "not in the expected format",
    "dict_type": "a JSON object is expected",
    "model_type": "a JSON object is expected",
    "model_attributes_type": "a JSON object is expected",
    "list_type": "a list is expected",
}
_CHOICES = ("enum", "literal_error")


def in_words(error: Mapping[str, Any]) -> str:
    """What is wrong with the field of an ``errors`` member, in English words: its ``reason``
    (:func:`with_reason`), else the words of its Pydantic type, else its ``msg``. ``expected``
    (Pydantic's ``ctx["expected"]``, which an entry does not keep) names a choice's values."""
    said_here = with_reason(error, "en")
    if isinstance(said_here, Mapping) and said_here.get("reason"):
        return str(said_here["reason"])
    kind = str(error.get("type", ""))
    if kind in _WORDS:
        return _WORDS[kind]
    expected = error.get("expected")
    if kind in _CHOICES and isinstance(expected, str) and expected:
        return f"not one of the accepted values ({expected})"
    msg = str(error.get("msg", ""))
    return msg[:1].lower() + msg[1:] if msg else "invalid value"


def listing(errors: Sequence[Mapping[str, Any]]) -> str:
    """Each invalid field of ``errors`` with where it is and what is wrong, in English:
    ``"query parameter limit: a whole number is expected; query parameter age_min: value too small
    (at least 0)"``."""
    return "; ".join(f"{place(e.get('loc', ()))}: {in_words(e)}" for e in errors)
