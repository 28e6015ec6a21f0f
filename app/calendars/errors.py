"""Problem types of desk calendars."""

from app.core.errors import Problem, ValidationFailed


class HolidayExists(Problem):
    status, slug = 409, "holiday-exists"
    title_fr, title_en = "Ce jour est déjà férié pour ce guichet", "This day is already a holiday at this desk"


class PublicHolidaysUnavailable(ValidationFailed):
    slug = "public-holidays-unavailable"
    title_fr, title_en = (
        "Jours fériés indisponibles pour ce pays",
        "Public holidays are not available for this country",
    )
