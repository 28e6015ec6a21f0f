"""A sequencer whose rounds fail (the database refuses its reads) says so: ``/readyz`` and the
metrics call it failing, its retries back off (bounded), and its log holds the traceback once,
then a one-line reminder now and then, and a line when it recovers.

It was "running" (only "lagging" after AUDIT_MAX_UNSEALED_SECONDS), and logged a 107-line
traceback every 0.2 s: 28,000 lines a minute.
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from tests.audit.conftest import run_sequencer_for, write_events

RENAME = "ALTER TABLE audit_checkpoints RENAME TO audit_checkpoints_away"
RESTORE = "ALTER TABLE audit_checkpoints_away RENAME TO audit_checkpoints"


async def _owner(sessionmaker, statement: str) -> None:
    async with sessionmaker() as session:
        await session.execute(text(statement))
        await session.commit()


async def test_a_failing_sequencer_is_reported_failing_backs_off_and_logs_its_traceback_once(
    app, client, make_staff, sessionmaker, caplog
) -> None:
    admin = await make_staff("admin", [])
    sequencer = app.state.audit_sequencer
    sequencer.interval_seconds = 0.01
    sequencer.reminder_seconds = 0.3
    await write_events(sessionmaker, 2)
    await _owner(sessionmaker, RENAME)  # every round's read of the checkpoints fails
    with caplog.at_level(logging.INFO, logger="app.audit.sequencer"):
        rounds = await run_sequencer_for(sequencer, 1.5)
        # 0.01 s apart, that would be over a hundred rounds; doubling from 0.02 s, eight
        assert 5 <= rounds <= 9, rounds
        assert sequencer.state == "failing"
        ready = (await client.get("/readyz")).json()
        assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "failing")
        metrics = (await client.get("/metrics", headers=admin.headers)).text
        assert "diaspora_desk_audit_sealing_failing 1.0" in metrics
        assert "diaspora_desk_audit_sealing_stopped 0.0" in metrics
        records = [r for r in caplog.records if r.name == "app.audit.sequencer"]
        with_traceback = [r for r in records if r.exc_info]
        assert len(with_traceback) == 1
        assert with_traceback[0].getMessage().startswith("audit sequencer: sealing failed (")
        reminders = [r.getMessage() for r in records if not r.exc_info]
        assert 1 <= len(reminders) <= 5, reminders
        assert all("\n" not in line for line in reminders)
        assert reminders[0].startswith("audit sequencer: sealing still failing after ")
        caplog.clear()
        await _owner(sessionmaker, RESTORE)
        sequencer.max_backoff_seconds = 0.05  # the next round comes soon
        await run_sequencer_for(sequencer, 0.5)
    assert sequencer.state == "running"
    ready = (await client.get("/readyz")).json()
    assert (ready["status"], ready["audit"]["sealing"], ready["audit"]["unsealed_events"]) == ("ready", "running", 0)
    resumed = [r.getMessage() for r in caplog.records if r.name == "app.audit.sequencer"]
    assert len(resumed) == 1 and resumed[0].startswith("audit sequencer: sealing resumed after ")


def test_the_backoff_doubles_from_the_interval_up_to_its_bound(app) -> None:
    sequencer = app.state.audit_sequencer
    sequencer.interval_seconds, sequencer.max_backoff_seconds = 0.2, 30.0
    delays = []
    for failed in range(12):
        sequencer.failed_rounds = failed
        delays.append(sequencer.delay_seconds)
    assert delays == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0, 30.0, 30.0]


async def test_row_level_security_on_the_events_makes_the_application_roles_sequencer_failing(
    app, app_role, app_role_connection, database_url, sessionmaker, caplog
) -> None:
    """The tester's case: a policy the owner added on audit_events fails every round of the
    application's sequencer (it reads with row_security off)."""
    from sqlalchemy.engine import make_url

    from app.audit.sequencer import Sequencer
    from app.core.db import create_engine

    await write_events(sessionmaker, 1)
    await _owner(sessionmaker, "ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY")
    await _owner(sessionmaker, "CREATE POLICY matching ON audit_events USING (true)")
    engine = create_engine(make_url(database_url).set(username=app_role).render_as_string(hide_password=False))
    try:
        sequencer = Sequencer(engine, app.state.audit_sequencer.signer, interval_seconds=0.01)
        with caplog.at_level(logging.ERROR, logger="app.audit.sequencer"):
            await run_sequencer_for(sequencer, 0.3)
    finally:
        await engine.dispose()
    assert sequencer.state == "failing"
    assert sequencer.failure is not None and "row-level security policy" in sequencer.failure
    assert len([r for r in caplog.records if r.exc_info]) == 1
