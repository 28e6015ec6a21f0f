"""A stopped sequencer checks again less and less often, as a failing one does, and still resumes
by itself once the owner has repaired the log.

Stopped on a faulty unsigned tail (a link it did not write after the signed head), its running
task walked and checked that whole tail again every 0.2 s for ever: the tail's links and events
read, each hashed, every round (over a hundred rounds in 1.5 s at the test's 0.01 s interval).
"""

from __future__ import annotations

from sqlalchemy import event

from tests.audit.conftest import run_sequencer_for, write_events
from tests.audit.tampering import as_owner
from tests.audit.test_unsigned_links import _event, _link


class _Reads:
    """The statements ``engine`` sends, counted."""

    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.count = 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> _Reads:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def _forged_tail(app, sessionmaker, audit_log) -> int:
    """Links 1-3 signed, then link 4 of the application's role, its hash forged, and events after
    it; sealing stopped on it (one round). The seq of the forged link."""
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    seq = await _link(sessionmaker, await _event(sessionmaker, "test.forged"), forged_hash="a" * 64)
    await write_events(sessionmaker, 20, action="test.after")
    assert await audit_log.seal() == 0
    assert app.state.audit_sequencer.state == "stopped"
    return seq


async def test_a_stopped_sequencer_checks_the_faulty_tail_again_less_and_less_often(
    app, sessionmaker, audit_log
) -> None:
    await _forged_tail(app, sessionmaker, audit_log)
    sequencer = app.state.audit_sequencer
    with _Reads(app.state.engine) as one:
        await sequencer.seal_all()  # what one round of a stopped sequencer reads
    per_round = one.count
    assert per_round >= 5  # the lock, the witness, the head, the checkpoint, the tail's links…
    sequencer.interval_seconds = 0.01
    with _Reads(app.state.engine) as reads:
        rounds = await run_sequencer_for(sequencer, 1.5)
    # 0.01 s apart, that was over a hundred rounds; doubling from 0.02 s, eight at most
    assert 3 <= rounds <= 9, rounds
    assert reads.count <= rounds * per_round, (reads.count, rounds, per_round)
    assert sequencer.state == "stopped"


def test_the_rounds_of_a_stopped_sequencer_come_up_to_30_seconds_apart(app) -> None:
    sequencer = app.state.audit_sequencer
    sequencer.interval_seconds, sequencer.max_backoff_seconds = 0.2, 30.0
    sequencer.refused = "links 4 to 5, after the last checkpoint (seq 3), signed by no checkpoint: …"
    delays = []
    for stopped in range(12):
        sequencer.stopped_rounds = stopped
        delays.append(sequencer.delay_seconds)
    assert delays == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0, 30.0, 30.0]


async def test_a_stopped_sequencer_resumes_at_its_next_check_once_the_tail_is_repaired(
    app, client, sessionmaker, audit_log
) -> None:
    seq = await _forged_tail(app, sessionmaker, audit_log)
    sequencer = app.state.audit_sequencer
    sequencer.interval_seconds = 0.01
    assert await run_sequencer_for(sequencer, 0.3) >= 2
    assert sequencer.stopped_rounds >= 2 and sequencer.delay_seconds > sequencer.interval_seconds
    await as_owner(app.state.engine, f"DELETE FROM audit_links WHERE seq = {seq}")
    sequencer.max_backoff_seconds = 0.05  # the next check comes soon: within the bound after the repair
    await run_sequencer_for(sequencer, 0.5)
    assert sequencer.state == "running"
    assert (sequencer.stopped_rounds, sequencer.delay_seconds) == (0, 0.01)
    ready = (await client.get("/readyz")).json()
    assert (ready["audit"]["sealing"], ready["audit"]["unsealed_events"]) == ("running", 0)
    assert (await audit_log.verify()).ok
