"""Fixtures of the data-protection tests: those of the cases tests (registrants written straight to
the database with their consents, staff of each role, a partner) and a few more."""

from __future__ import annotations

import pytest

from tests.cases.conftest import admin, agent, dakar_agent, make_registrant, partner, supervisor
from tests.conftest import Staff

__all__ = ["admin", "agent", "dakar_agent", "make_registrant", "partner", "supervisor"]


@pytest.fixture
async def auditor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("auditor", [], email="auditor@desk.example")


@pytest.fixture
async def dakar_supervisor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["DKR-MOB"], email="supervisor.dakar@desk.example")
