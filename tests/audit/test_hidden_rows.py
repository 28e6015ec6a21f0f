"""PostgreSQL: someone with the owner's rights but not the key cannot hide from ``verify-audit``
what a running sequencer stored as evidence: a rewrite rule, a trigger of their own or row-level
security on an audit table is named.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.audit.conftest import write_events


@pytest.fixture
async def sealed(sessionmaker, audit_log) -> None:
    async with sessionmaker() as session:
        postgres = session.bind.dialect.name == "postgresql"
    if not postgres:
        pytest.skip("rules, triggers of one's own and row-level security: PostgreSQL's")
    await write_events(sessionmaker, 3)
    await audit_log.seal()


async def _as_owner(sessionmaker, *statements: str) -> None:
    async with sessionmaker() as session:
        for statement in statements:
            await session.execute(text(statement))
        await session.commit()


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (
            [
                "CREATE RULE drop_witness AS ON INSERT TO audit_witnessed_checkpoints DO INSTEAD NOTHING",
            ],
            "rule drop_witness on audit_witnessed_checkpoints",
        ),
        (
            [
                "CREATE FUNCTION dd_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "CREATE TRIGGER dd_drop BEFORE INSERT ON audit_witnessed_checkpoints "
                "FOR EACH ROW EXECUTE FUNCTION dd_drop()",
            ],
            "trigger dd_drop on audit_witnessed_checkpoints",
        ),
        (
            [
                "ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY matching ON audit_checkpoints USING (true)",
            ],
            "row-level security on audit_checkpoints",
        ),
    ],
    ids=["rule", "trigger", "row-level security"],
)
async def test_what_could_hide_rows_from_the_verifier_is_named(
    sealed, sessionmaker, audit_log, statements: list[str], named: str
) -> None:
    assert (await audit_log.verify()).ok
    await _as_owner(sessionmaker, *statements)
    result = await audit_log.verify()
    assert not result.ok
    assert result.reason.startswith(f"the audit tables are not read as they were written: {named} ")
