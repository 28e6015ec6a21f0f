"""Problem types of desks."""

from app.core.errors import Problem, ValidationFailed


class UnknownDesk(ValidationFailed):
    slug = "unknown-desk"
    title_fr, title_en = "Guichet inconnu", "Unknown desk"


class DeskCodeTaken(Problem):
    status, slug = 409, "desk-code-taken"
    title_fr, title_en = "Code de guichet déjà utilisé", "Desk code already in use"


class NumberPrefixTaken(Problem):
    status, slug = 409, "number-prefix-taken"
    title_fr, title_en = "Préfixe de numérotation déjà utilisé", "Number prefix already in use"


class DeskInactive(Problem):
    """The desk is closed (``is_active: false``): it takes no new registration, case, appointment,
    import or member; what it holds stays readable and exportable."""

    status, slug = 409, "desk-inactive"
    title_fr, title_en = "Guichet fermé", "Desk closed"


class TimeZoneNotInCountry(ValidationFailed):
    """422: the time zone is a place's zone, but not one of the desk's country (``valid_time_zones``
    lists those of the country, from the pinned IANA tables ``zone.tab`` and ``zone1970.tab``)."""

    slug = "time-zone-not-in-country"
    title_fr, title_en = "Fuseau horaire hors du pays du guichet", "Time zone not of the desk's country"


class DeskTimeZoneInUse(Problem):
    """409: the desk already holds registrations, cases or appointments, whose local dates the
    time zone decides; the change needs ``confirm_time_zone_change: true`` (docs: README "Desks")."""

    status, slug = 409, "desk-time-zone-in-use"
    title_fr, title_en = "Fuseau horaire d'un guichet déjà utilisé", "Time zone of a desk already in use"
