"""The words of a report chart in French or English: title, axes, codes of the rows and columns.

A chart is an image, so nothing in it can be translated by the client: every word on it comes from
here, in the language the request negotiated (``Accept-Language``, French by default). A code with
no entry (an age band ``18-25``, a month ``2026-03``, a desk code) is drawn as it is; service types
and regions of origin come with their names from the caller (``names``).
"""

from __future__ import annotations

DIMENSIONS: dict[str, tuple[str, str]] = {
    "sex": ("sexe", "sex"),
    "age_band": ("tranche d'âge", "age band"),
    "origin_region": ("région d'origine", "region of origin"),
    "host_city": ("ville de résidence", "city of residence"),
    "status_category": ("situation", "situation"),
    "desk": ("guichet", "desk"),
    "month": ("mois", "month"),
    "service_type": ("service", "service type"),
    "channel": ("canal", "channel"),
    "status": ("statut", "status"),
    "outcome_category": ("résultat", "outcome"),
    "priority": ("priorité", "priority"),
}

MEASURES: dict[str, tuple[str, str]] = {
    "opened": ("ouverts", "opened"),
    "open": ("en cours", "open"),
    "closed": ("clos", "closed"),
}

CODES: dict[str, tuple[str, str]] = {
    # sex
    "female": ("Femme", "Female"),
    "male": ("Homme", "Male"),
    "unknown": ("Non précisé", "Not stated"),
    # case statuses (app.cases.workflow.STATUSES)
    "received": ("Reçu", "Received"),
    "qualified": ("Qualifié", "Qualified"),
    "oriented": ("Orienté", "Oriented"),
    "referred": ("Adressé à un partenaire", "Referred to a partner"),
    "in_follow_up": ("En suivi", "In follow-up"),
    "pending_closure": ("Clôture demandée", "Closure requested"),
    "resolved": ("Résolu", "Resolved"),
    "closed_no_response": ("Clos sans réponse", "Closed, no response"),
    "closed_withdrawn": ("Clos (retrait)", "Closed (withdrawn)"),
    "transferred": ("Transféré", "Transferred"),
    # status categories of a person
    "student": ("Étudiant(e)", "Student"),
    "worker": ("Salarié(e)", "Worker"),
    "trainee": ("Stagiaire", "Trainee"),
    "entrepreneur": ("Entrepreneur(e)", "Entrepreneur"),
    "family_member": ("Membre de famille", "Family member"),
    "returnee": ("De retour", "Returnee"),
    "seasonal_worker": ("Saisonnier(ère)", "Seasonal worker"),
    "job_seeker": ("En recherche d'emploi", "Job seeker"),
    "retired": ("Retraité(e)", "Retired"),
    "other": ("Autre", "Other"),
    # channels (app.cases.workflow.CHANNELS)
    "walk_in": ("Au guichet", "Walk-in"),
    "phone": ("Téléphone", "Phone"),
    "mobile_app": ("Application mobile", "Mobile app"),
    "web": ("Web", "Web"),
    "partner_referral": ("Orienté par un partenaire", "Referred by a partner"),
    # priorities (app.cases.workflow.PRIORITIES)
    "low": ("Basse", "Low"),
    "normal": ("Normale", "Normal"),
    "high": ("Haute", "High"),
    "urgent": ("Urgente", "Urgent"),
    # outcome categories (app.cases.workflow.OUTCOME_CATEGORIES)
    "social": ("Social", "Social"),
    "psychosocial": ("Psychosocial", "Psychosocial"),
    "health": ("Santé", "Health"),
    "economic": ("Économique", "Economic"),
    "training": ("Formation", "Training"),
    "financing": ("Financement", "Financing"),
    "administrative": ("Administratif", "Administrative"),
    "legal": ("Juridique", "Legal"),
    "information": ("Information", "Information"),
    "no_outcome": ("Sans résultat", "No outcome"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "count": ("nombre", "count"),
    "by": ("par", "by"),
    "registrations": ("Inscriptions", "Registrations"),
    "cases": ("Dossiers", "Cases"),
    "monthly": ("Dossiers ouverts par mois et par service", "Cases opened per month by service type"),
    "suppressed": (
        "Masqué pour protéger les petits effectifs (sous {threshold}, ou pour qu'un total ne les révèle "
        "pas) : aucune barre n'est dessinée, ce n'est pas zéro.",
        "Hidden to protect small counts (below {threshold}, or so that a total cannot give them away): "
        "no bar is drawn; it is not zero.",
    ),
    "hidden": ("masqué", "hidden"),
    "hidden_many": ("{count} masqués", "{count} hidden"),
    "empty": ("Aucune donnée pour cette période.", "No data for this period."),
    "all_suppressed": (
        "Toutes les cellules sont masquées pour protéger les petits effectifs : rien à dessiner.",
        "Every cell is hidden to protect small counts: nothing to draw.",
    ),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "fr" else pair[1]


def word(key: str, lang: str, **values: object) -> str:
    """One of the chart's own words (``count``, ``suppressed``, ``empty``…) in ``lang``."""
    return _pick(_WORDS[key], lang).format(**values)


def dimension(name: str, lang: str) -> str:
    """A dimension's name (``sex`` → ``sexe``); an unknown one as its code without underscores."""
    return _pick(DIMENSIONS[name], lang) if name in DIMENSIONS else name.replace("_", " ")


def code(value: str, lang: str, names: dict[str, str] | None = None) -> str:
    """A row or column label: ``names`` first (service types, regions), then ``CODES``, else as is."""
    if names and value in names:
        return names[value]
    return _pick(CODES[value], lang) if value in CODES else value


def title(subject: str, by: list[str], lang: str, measure: str | None = None) -> str:
    """``Inscriptions par sexe``, ``Dossiers en cours par statut`` / ``Open cases by status``."""
    dims = " × ".join(dimension(d, lang) for d in by)
    if subject == "registrations":
        return f"{word('registrations', lang)} {word('by', lang)} {dims}"
    if measure is None:
        return word("monthly", lang)
    how = _pick(MEASURES.get(measure, (measure, measure)), lang)
    if lang == "fr":
        return f"Dossiers {how} par {dims}"
    return f"{how.capitalize()} cases by {dims}"
