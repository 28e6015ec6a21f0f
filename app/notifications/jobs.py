"""Every periodic job the worker runs: importing this module registers them
(:mod:`app.notifications.scheduler`): appointment reminders and the retention run."""

from app.notifications import reminders
from app.notifications.scheduler import JOBS
from app.privacy import retention_job

__all__ = ["JOBS", "reminders", "retention_job"]
