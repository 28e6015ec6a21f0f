"""Fixtures of the sync tests: the cases tests' registrants written straight to the database."""

from tests.cases.conftest import make_registrant

__all__ = ["make_registrant"]
