"""The French wording of an import row's reasons and warnings (the English one is built beside it,
in :mod:`app.imports.rows` and :mod:`app.imports.service`): the register's column names as the
desk's registers write them, and the registry's refusals of a value said in French."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.explained import in_french
from app.core.i18n import number

FIELDS_FR: dict[str, str] = {
    "source_number": "N°",
    "registered_on": "date d'enregistrement",
    "given_names": "prénom(s)",
    "family_name": "nom",
    "sex": "sexe",
    "date_of_birth": "date de naissance",
    "place_of_birth": "lieu de naissance",
    "origin_region": "région d'origine",
    "origin_departement": "département d'origine",
    "host_region": "région de résidence",
    "host_city": "ville de résidence",
    "passport_number": "N° passeport",
    "cni_number": "N° CNI",
    "phones": "téléphone",
    "email": "e-mail",
    "status": "statut",
    "status_category": "statut",
    "residence_status": "statut de séjour",
    "occupation": "profession",
    "arrival_date": "date d'arrivée",
    "request": "demande",
    "observations": "observations",
    "notes": "notes",
    "documents": "pièce d'identité",
}
"""A field of a register row or of a registrant, as a French sentence names it."""

OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "imported": ("imported", "importée"),
    "flagged": ("flagged as a possible duplicate", "signalée comme doublon possible"),
    "rejected": ("rejected", "rejetée"),
    "already_imported": ("already imported by an earlier import", "déjà importée par un import précédent"),
    "already_flagged": (
        "already flagged as a possible duplicate by an earlier import",
        "déjà signalée comme doublon possible par un import précédent",
    ),
}
"""A row's outcome in words, English then French (as the web client says them)."""
RESOLUTION_WORDS: dict[str, tuple[str, str]] = {
    "linked": ("linked to an existing file", "rattachée à un dossier existant"),
    "created": ("registered as a new person", "inscrite comme nouvelle personne"),
    "discarded": ("discarded", "écartée"),
    "pending": ("pending", "en attente"),
}
"""A flagged row's resolution in words, English then French."""


def in_words(words: Mapping[str, tuple[str, str]], code: str) -> tuple[str, str]:
    """``code`` in English and French words (a code with no words: itself, with spaces)."""
    return words.get(code, (code.replace("_", " "),) * 2)


_REFUSALS_FR = {
    "phone_invalid": "numéro de téléphone non valide",
    "document_number_invalid": "numéro de pièce d'identité non valide",
    "area_unknown": "lieu inconnu des listes de régions et de départements",
    "area_mismatch": "département d'une autre région",
    "missing": "valeur manquante",
    "string_too_short": "valeur vide",
    "text_disallowed_character": "caractère invisible non autorisé",
    "string_pattern_mismatch": "valeur qui n'a pas la forme attendue",
    "literal_error": "valeur qui n'est pas parmi celles acceptées",
    "enum": "valeur qui n'est pas parmi celles acceptées",
    "date_parsing": "date non valide",
    "date_from_datetime_parsing": "date non valide",
}
_UNSAID_FR = "valeur refusée par le registre"
"""A refusal the registry words in English only: said in French without its English words."""


def field_fr(name: str) -> str:
    """``name`` (a field) in French (itself when it has no French name)."""
    return FIELDS_FR.get(name, name)


def refusal_fr(error: Mapping[str, Any]) -> str:
    """The registry's refusal of a value (one entry of a 422's ``errors``, Pydantic's or the
    service's) in French only: a refusal with no French words is said as refused, never with its
    English words in a French sentence (the English report field keeps them)."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "value_error" and isinstance(context.get("error"), BaseException):
        return in_french(context["error"], _UNSAID_FR)
    if kind.endswith("too_long") and "max_length" in context:
        return f"valeur trop longue (au plus {number(context['max_length'])} caractères)"
    if kind == "text_bidi_control" and {"code", "position"} <= context.keys():
        return (
            f"commande de direction invisible {context['code']} en position {number(context['position'])}, "
            "qui change l'ordre du texte affiché"
        )
    return _REFUSALS_FR.get(kind, _UNSAID_FR)
