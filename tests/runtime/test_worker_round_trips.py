"""SfnWorker leaves out RQ's repeated worker writes: a default heartbeat just after the last
one, a state already written; and runs claimed Tasks before RQ's bookkeeping of the job."""

from __future__ import annotations

import fakeredis
import pytest

from engine.activities import Registry
from engine.runtime import worker as worker_module
from engine.runtime.worker import SfnWorker, make_worker


@pytest.fixture
def sfn_worker(fake: fakeredis.FakeRedis) -> SfnWorker:
    made = make_worker(fake, [], SfnWorker, activities=Registry())
    made.register_birth()
    assert isinstance(made, SfnWorker)
    return made


def test_a_default_heartbeat_right_after_one_is_left_out(fake, sfn_worker) -> None:
    sfn_worker.heartbeat()
    assert fake.hget(sfn_worker.key, "last_heartbeat") is not None
    fake.hdel(sfn_worker.key, "last_heartbeat")
    sfn_worker.heartbeat()
    assert fake.hget(sfn_worker.key, "last_heartbeat") is None  # sent 0 s ago: left out
    assert fake.ttl(sfn_worker.key) > 400  # the TTL the first beat set still holds


def test_a_heartbeat_with_its_own_ttl_is_sent_and_the_next_default_one_too(
    fake, sfn_worker
) -> None:
    sfn_worker.heartbeat()
    sfn_worker.heartbeat(timeout=90)
    assert 0 < fake.ttl(sfn_worker.key) <= 90
    sfn_worker.heartbeat()  # RQ's default TTL again, not the job's shorter one
    assert fake.ttl(sfn_worker.key) > 400


def test_a_default_heartbeat_goes_out_again_after_a_while(
    fake, sfn_worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn_worker.heartbeat()
    fake.hdel(sfn_worker.key, "last_heartbeat")
    later = worker_module.time.monotonic() + worker_module.BEAT_AGAIN_SECONDS
    monkeypatch.setattr(worker_module.time, "monotonic", lambda: later)
    sfn_worker.heartbeat()
    assert fake.hget(sfn_worker.key, "last_heartbeat") is not None


def test_a_state_already_written_is_not_written_again(fake, sfn_worker) -> None:
    sfn_worker.set_state("idle")
    fake.hdel(sfn_worker.key, "state")
    sfn_worker.set_state("idle")
    assert fake.hget(sfn_worker.key, "state") is None
    assert sfn_worker.get_state() == "idle"
    with fake.pipeline() as pipe:
        sfn_worker.set_state("busy", pipeline=pipe)
        pipe.execute()
    sfn_worker.set_state("idle")
    assert fake.hget(sfn_worker.key, "state") == b"idle"
