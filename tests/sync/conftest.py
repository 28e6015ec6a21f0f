"""Fixtures of the sync tests: the cases tests' registrants written straight to the database, a
partner to refer people to and the administrator who records it."""

from tests.cases.conftest import admin, make_registrant, partner

__all__ = ["admin", "make_registrant", "partner"]
