"""Problem types of staff accounts."""

from app.core.errors import Problem


class LastAdministrator(Problem):
    """The change would leave no active administrator: nobody could manage staff or desks again
    but through the server's command line."""

    status, slug = 409, "last-administrator"
    title_fr, title_en = "Dernier administrateur actif", "Last active administrator"
