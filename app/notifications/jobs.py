"""Every periodic job the worker runs: importing this module registers them
(:mod:`app.notifications.scheduler`): appointment reminders, the retention run and the count of
the common match keys."""

from app.notifications import reminders
from app.notifications.scheduler import JOBS
from app.privacy import retention_job
from app.registrants import frequencies

__all__ = ["JOBS", "frequencies", "reminders", "retention_job"]
