"""SfnWorker leaves out RQ's repeated worker writes: a default heartbeat just after the last
one, a state already written; RQ's records of a job cost one round trip before it and one
after, and still tell `rq info` and the workers page what runs."""

from __future__ import annotations

import itertools
from typing import Any

import fakeredis
import pytest
import redis
from redis.client import Pipeline
from rq import Queue, suspension
from rq.job import Job

from engine.activities import Registry
from engine.runtime import config, dispatch, job_loop, observe
from engine.runtime import worker as worker_module
from engine.runtime.engine import Engine
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


# One job's life in an SfnWorker: RQ's records of it, and what they cost ---------------------

ONE_TASK = {
    "StartAt": "Probe",
    "States": {"Probe": {"Type": "Task", "Resource": "records_probe", "End": True}},
}


class Trips:
    """Counts the client's round trips: single commands, and pipelines (one trip each)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        single, execute = redis.Redis.execute_command, Pipeline.execute
        immediate = Pipeline.immediate_execute_command

        def one(client: redis.Redis, *args: Any, **options: Any) -> Any:
            self.count += not isinstance(client, Pipeline)
            return single(client, *args, **options)

        def flushed(pipe: Pipeline, *args: Any, **options: Any) -> Any:
            self.count += bool(pipe.command_stack)
            return execute(pipe, *args, **options)

        def watched(pipe: Pipeline, *args: Any, **options: Any) -> Any:
            self.count += 1
            return immediate(pipe, *args, **options)

        monkeypatch.setattr(redis.Redis, "execute_command", one)
        monkeypatch.setattr(Pipeline, "execute", flushed)
        monkeypatch.setattr(Pipeline, "immediate_execute_command", watched)


@pytest.fixture
def probe_registry() -> Registry:
    registry = Registry()
    registry.activity("records_probe")(lambda task: {"ok": task})
    return registry


def test_rq_sees_the_job_running_then_finished(fake, probe_registry) -> None:
    """What `rq info` and the workers page read: the worker busy with the job while it runs
    (its execution, the started registry), then idle, counted, the job finished and expiring."""
    seen = {}
    name = dispatch.activity_queue("records_probe")

    def probe(task: Any) -> dict:
        [info] = observe.workers(fake)
        [queue] = [q for q in observe.queues(fake) if q.name == name]
        seen.update(state=info.state, job=info.current_job, started=queue.started)
        return {"ok": task}

    probe_registry.activity("records_probe")(probe)
    engine = Engine(client=fake, activities=probe_registry)
    execution = engine.start_execution(ONE_TASK, 1, "records")
    made = make_worker(fake, [], activities=probe_registry)
    [job_id] = fake.lrange(Queue(name, connection=fake).key, 0, 0)
    made.work(burst=True, logging_level="WARNING")
    assert engine.describe(execution)["status"] == "SUCCEEDED"
    assert seen == {"state": "busy", "job": job_id.decode(), "started": 1}
    # The burst worker has ended (RQ registered its death); its record says what it did.
    assert fake.hmget(made.key, "successful_job_count", "failed_job_count") == [b"1", None]
    assert all(queue.started == 0 for queue in observe.queues(fake))
    job_key = Job.key_for(job_id.decode())
    assert fake.hget(job_key, "status") == b"finished"
    assert 0 < fake.ttl(job_key) <= dispatch.RESULT_TTL
    assert float(fake.hget(made.key, "total_working_time")) > 0


@pytest.mark.skipif(not job_loop.LEAN, reason="under RQ other than 3.0, jobs take RQ's own path")
def test_a_job_costs_one_trip_besides_its_own_while_jobs_are_queued(
    fake, probe_registry, monkeypatch
) -> None:
    """RQ's records of a job ride on trips the worker makes anyway: its start on the Task's
    first trip (its reads and lease), its end on the next take, the suspension check on the
    take. While jobs are queued behind the last one, a take (pop and read) is one trip."""
    engine = Engine(client=fake, activities=probe_registry)
    for name in ("first", "second", "third"):
        engine.start_execution(ONE_TASK, 1, name)
    fake.script_load(job_loop.TAKE_SCRIPT)
    made = make_worker(fake, [], activities=probe_registry)
    trips = Trips(monkeypatch)
    takes: list[int] = []
    own: list[int] = []
    perform, take = Job.perform, made._take

    def performed(job: Job) -> Any:
        before = trips.count
        try:
            return perform(job)
        finally:
            own.append(trips.count - before)

    def taking(*args: Any) -> Any:
        takes.append(trips.count)
        return take(*args)

    monkeypatch.setattr(Job, "perform", performed)
    monkeypatch.setattr(made, "_take", taking)
    made.work(burst=True, logging_level="WARNING")
    assert own == [2, 2, 2]  # the Task's reads (with the job's start), its result's commit
    between = [later - earlier for earlier, later in itertools.pairwise(takes)]
    # The first take: a burst pop (`sfn`, then the Task's queue), the fetch (it sees two
    # more queued) and, once per worker as RQ does, the server's version. Then one trip each.
    assert between == [4 + 2, 1 + 2, 1 + 2]
    job_ids = [key for key in fake.keys("rq:job:*") if b":" not in key[len("rq:job:") :]]
    assert sorted(fake.hget(key, "status") for key in job_ids) == [b"finished"] * 3


def test_a_take_loads_its_script_on_a_server_that_lacks_it(fake, probe_registry) -> None:
    engine = Engine(client=fake, activities=probe_registry)
    started = [engine.start_execution(ONE_TASK, n, f"run-{n}") for n in range(3)]
    fake.script_flush()
    make_worker(fake, [], activities=probe_registry).work(burst=True, logging_level="WARNING")
    assert [engine.describe(execution)["status"] for execution in started] == ["SUCCEEDED"] * 3


def test_a_failing_job_is_recorded_failed_and_the_worker_goes_on(fake) -> None:
    with fake.pipeline() as pipe:
        pipe.multi()
        # A join job without its group: its function fails (TypeError), as a bug would.
        dispatch.enqueue(pipe, fake, config.current(), "advance_group", {"execution": "x"})
        pipe.execute()
    made = make_worker(fake, [], activities=Registry())
    made.work(burst=True, logging_level="CRITICAL")
    queue = dispatch.queue(fake)
    [job_id] = queue.failed_job_registry.get_job_ids()
    assert fake.hget(Job.key_for(job_id), "status") == b"failed"
    assert fake.hmget(made.key, "successful_job_count", "failed_job_count") == [None, b"1"]
    assert queue.started_job_registry.count == 0


def test_rq_suspend_during_a_job_stops_the_worker_before_the_next(fake, probe_registry) -> None:
    def suspending(task: Any) -> dict:
        suspension.suspend(fake)
        return {"ok": task}

    probe_registry.activity("records_probe")(suspending)
    engine = Engine(client=fake, activities=probe_registry)
    first = engine.start_execution(ONE_TASK, 1, "first")
    second = engine.start_execution(ONE_TASK, 2, "second")
    make_worker(fake, [], activities=probe_registry).work(burst=True, logging_level="CRITICAL")
    assert engine.describe(first)["status"] == "SUCCEEDED"
    assert engine.describe(second)["status"] == "RUNNING"  # its job still waits in its queue
    assert Queue(dispatch.activity_queue("records_probe"), connection=fake).count == 1


@pytest.mark.skipif(not job_loop.LEAN, reason="under RQ other than 3.0, jobs take RQ's own path")
def test_a_job_popped_as_workers_are_suspended_goes_back_to_the_front_of_its_queue(
    fake, probe_registry, monkeypatch
) -> None:
    engine = Engine(client=fake, activities=probe_registry)
    first = engine.start_execution(ONE_TASK, 1, "first")
    second = engine.start_execution(ONE_TASK, 2, "second")
    queue = Queue(dispatch.activity_queue("records_probe"), connection=fake)
    queued = queue.job_ids
    pop = job_loop.pop

    def suspended_meanwhile(*args: Any, **options: Any) -> Any:
        suspension.suspend(fake)  # after RQ's own check, before the pop
        return pop(*args, **options)

    monkeypatch.setattr(job_loop, "pop", suspended_meanwhile)
    make_worker(fake, [], activities=probe_registry).work(burst=True, logging_level="CRITICAL")
    assert queue.job_ids == queued  # the popped job is back in front, nothing ran
    assert [engine.describe(e)["status"] for e in (first, second)] == ["RUNNING", "RUNNING"]
    assert {fake.hget(Job.key_for(job_id), "status") for job_id in queued} == {b"queued"}
