"""Every periodic job the worker runs: importing this module registers them
(:mod:`app.notifications.scheduler`). Add another domain's job module here (retention)."""

from app.notifications import reminders
from app.notifications.scheduler import JOBS

__all__ = ["JOBS", "reminders"]
