"""PostgreSQL keeps one plan for each hot statement of a registration's duplicate check: after
five executions of a prepared statement it runs the generic plan instead of planning every call
anew (PostgreSQL documentation, "PREPARE": plan_cache_mode auto). Read from
``pg_prepared_statements`` of the session's own connection.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from app.core.db import behind_pgbouncer
from app.registrants import keys, matching, pool, service
from tests.registrants.conftest import person

HOT = {
    "words and counts": keys._WORDS_AND_COUNTS_PG,
    "block": keys._BLOCK_PG,
    "candidates with their other spellings": pool._POOLED_AND_SPELLINGS_PG,
    "counts alone": keys._COUNTS_PG,
    "words alone": keys._WORDS_PG,
}
RUNS = 8


async def _register(create: Any, staff: Any, **body: Any) -> str:
    response = await create(staff, person(**body), confirm=True)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_hot_statements_keep_their_generic_plan(create, casa_agent, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    for given in ("Fatou", "Fatoumata", "Awa"):
        await _register(create, casa_agent, given_names=given, family_name="Diop", date_of_birth="1990-05-04")
    who = matching.PersonKeys.of(given_names="Fatou", family_name="Diop", date_of_birth="1990-05-04", sex="female")
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's plan cache")
        if behind_pgbouncer(session.bind):  # type: ignore[arg-type]
            pytest.skip("behind PgBouncer every statement is an unnamed one, planned once per call")
        for _ in range(RUNS):
            found = await service.find_duplicates(session, data=who)
            assert len(found) == 3
            # the same statements' forms alone (an import's counts; words without counts)
            assert await keys.counts(session, [("gf", "fatu jop"), ("gf", "nobody")]) == {("gf", "fatu jop"): 1}
            assert await keys.values_starting(session, "gf", ["fatu"]) == {"fatu": ["fatu jop", "fatumata jop"]}
        rows = await session.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
        plans = {statement: (generic, custom) for statement, generic, custom in rows}
    # the connection may have run them before (the registrations above): five custom plans, then
    # the generic one every time
    planned = {name: plans.get(sql, (0, 0)) for name, sql in HOT.items()}
    assert {name: (custom, generic >= RUNS - 5) for name, (generic, custom) in planned.items()} == {
        name: (5, True) for name in HOT
    }
