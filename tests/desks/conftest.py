"""Fixtures of the desk tests: the appointments tests' two-desk world."""

from tests.appointments.conftest import world

__all__ = ["world"]
