"""The sequencers' advisory lock held by another session (PostgreSQL: the application's role may take
any advisory lock): once it has been held for longer than ``AUDIT_MAX_UNSEALED_SECONDS`` while
events older than that wait, ``/readyz`` and the metrics say sealing is ``"blocked"`` and by whom."""

from __future__ import annotations

import asyncio

from app.audit.sequencer import ADVISORY_LOCK_KEY
from tests.audit.conftest import write_events


async def test_the_sealing_lock_held_elsewhere_is_reported(
    app, client, sessionmaker, app_role_connection, make_staff
) -> None:
    sequencer = app.state.audit_sequencer
    sequencer.max_unsealed_seconds = 0.3
    holder = app_role_connection
    await holder.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    await write_events(sessionmaker, 1)
    assert await sequencer.seal_all() == 0
    assert sequencer.state == "running"  # not for long yet
    await asyncio.sleep(0.4)
    assert await sequencer.seal_all() == 0
    assert sequencer.state == "blocked"
    ready = (await client.get("/readyz")).json()
    pid = holder.get_server_pid()
    assert (ready["status"], ready["audit"]["sealing"]) == ("degraded", "blocked")
    assert ready["audit"]["reason"] == f"waiting for the sealing lock, held by PostgreSQL backend pid {pid}"
    admin = await make_staff("admin", [])
    metrics = (await client.get("/metrics", headers=admin.headers)).text
    assert "diaspora_desk_audit_sealing_blocked 1.0" in metrics
    await holder.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
    assert await sequencer.seal_all() == 1
    assert sequencer.state == "running"
