"""Diaspora Desk: case management for the desks serving Senegalese abroad.

Importing the package makes every time-zone lookup of the process use the pinned IANA data (the
``tzdata`` package), whatever the host has: see :mod:`app.core.timezones`.
"""

from app.core.timezones import use_pinned_database

use_pinned_database()
