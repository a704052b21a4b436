"""How an `SfnWorker` takes sfn's jobs and keeps RQ's records of them, in few round trips.

RQ's worker spends about ten round trips around each job besides its pop: its execution
record, the job's start, a heartbeat of the job, a WATCH of its dependents and a transaction
for its result, the worker's state, a heartbeat and a suspension check before the next pop;
and builds a result record sfn never reads. sfn's jobs have no dependents, callbacks, retries
or results (`engine.runtime.allowlist` refuses a job that names any), so under RQ 3 an
`SfnWorker` keeps the records RQ's tools read (`rq info`, `rq suspend`, the workers page,
RQ's registries) with commands that ride on trips it makes anyway:

- the previous job's end (the job finished, expiring as RQ's would after
  `dispatch.RESULT_TTL`; the worker's counts, state and heartbeat) goes with the next take;
- `take_queued`: while jobs were left queued behind the last one, one Lua call pops the next,
  reads it and asks whether workers are suspended; else `pop` blocks and `fetch` reads the
  job in the trip that asks whether workers are suspended (a job popped while they are goes
  back to the front of its queue, as if never popped) and whether more are queued;
- `start_commands`: the job's start (its execution, the started registry, the worker busy)
  goes with the job's first trip: a Task's reads and lease (`engine.runtime.job_start`), or a
  trip of its own for other jobs.

Under RQ 2, whose worker keeps these records differently, and under an RQ after 3.0 (not yet
checked against), an `SfnWorker` runs RQ's own path (`LEAN` is false).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis.exceptions import NoScriptError
from rq.executions import Execution
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.suspension import WORKERS_SUSPENDED
from rq.utils import as_text, now, utcformat
from rq.version import VERSION
from rq.worker import WorkerStatus

if TYPE_CHECKING:
    from redis.client import Pipeline
    from rq.queue import Queue
    from rq.worker import SimpleWorker

Commands = Callable[["Pipeline"], Any]  # adds commands to a trip
# RQ 3.0 keeps a worker's running jobs as `Execution`s in `worker.executions`, as written here.
# These records are RQ's internals: a later RQ takes RQ's own path until checked against it.
LEAN = VERSION.split(".")[:2] == ["3", "0"]
# RQ moves a job into an intermediate list while it pops from a single queue (Redis >= 6.2).
LMOVE_SINCE = (6, 2, 0)


def parks(worker: SimpleWorker) -> bool:
    """Whether the worker's pop parks the job in its queue's intermediate list, as RQ's does
    for a worker of one queue, until the job's start is recorded."""
    return len(worker.queues) == 1 and worker.get_redis_server_version() >= LMOVE_SINCE


# Pop the first job queued on KEYS (in order) and read it, unless workers are suspended:
# {queue key, job id, the job's hash, jobs still queued}, 'suspended', or false (none queued).
# ARGV: the intermediate list a pop parks a job in ('' for none), the job key prefix, the
# suspension key (keys named in ARGV, as in `guarded`: sfn is not cluster-ready).
TAKE_SCRIPT = """
if redis.call('EXISTS', ARGV[3]) == 1 then
  return 'suspended'
end
for i, key in ipairs(KEYS) do
  local id
  if ARGV[1] ~= '' then
    id = redis.call('LMOVE', key, ARGV[1], 'LEFT', 'RIGHT')
  else
    id = redis.call('LPOP', key)
  end
  if id then
    local left = 0
    for j = i, #KEYS do
      left = left + redis.call('LLEN', KEYS[j])
    end
    return {key, id, redis.call('HGETALL', ARGV[2] .. id), left}
  end
end
return false
"""
TAKE_SHA = hashlib.sha1(TAKE_SCRIPT.encode()).hexdigest()
SUSPENDED = "suspended"


@dataclass(frozen=True)
class Taken:
    """A popped job: its queue, its id, its hash as read (empty: it no longer exists), and
    whether more jobs were queued behind it (the next take need not block)."""

    queue_key: str
    job_id: str
    raw: dict[bytes, bytes]
    more: bool


def take_queued(
    worker: SimpleWorker, keys: Sequence[str], ended: Commands | None
) -> Taken | str | None:
    """Pop and read a queued job in one trip, with the last job's `ended` commands, without
    blocking: the job, SUSPENDED (nothing popped), or None when none is queued."""
    intermediate = IntermediateQueue.get_intermediate_queue_key(keys[0]) if parks(worker) else ""
    prefix = worker.job_class.redis_job_namespace_prefix
    args = (TAKE_SHA, len(keys), *keys, intermediate, prefix)
    args += (WORKERS_SUSPENDED,)
    with worker.connection.pipeline(transaction=False) as pipe:
        if ended is not None:
            ended(pipe)
        pipe.evalsha(*args)
        try:
            found = pipe.execute()[-1]
        except NoScriptError:  # a new server (or one restarted) does not know it yet
            worker.connection.script_load(TAKE_SCRIPT)
            found = worker.connection.evalsha(*args)
    if found is None:
        return None
    if isinstance(found, bytes):  # the script's 'suspended'
        return SUSPENDED
    queue_key, job_id, raw, left = found
    return Taken(as_text(queue_key), as_text(job_id), _pairs(raw), int(left) > 0)


def pop(
    worker: SimpleWorker, keys: Sequence[str], timeout: float | None, ended: Commands | None
) -> tuple[str, str] | None:
    """Pop the next job id from the queues `keys` in order, in one trip with the last job's
    `ended` commands, blocking up to `timeout` seconds (None: not at all): its queue key and
    id, or None when there was none."""
    with worker.connection.pipeline(transaction=False) as pipe:
        if ended is not None:
            ended(pipe)
        if parks(worker):
            intermediate = IntermediateQueue.get_intermediate_queue_key(keys[0])
            if timeout is None:
                pipe.lmove(keys[0], intermediate)
            else:
                pipe.blmove(keys[0], intermediate, timeout)
            found = pipe.execute()[-1]
            return None if found is None else (keys[0], as_text(found))
        if timeout is not None:
            pipe.blpop(list(keys), timeout)
            found = pipe.execute()[-1]
            return None if found is None else (as_text(found[0]), as_text(found[1]))
        # Without blocking, one queue after the other, as RQ does: the first pop takes the trip.
        pipe.lpop(keys[0])
        found = pipe.execute()[-1]
    if found is not None:
        return keys[0], as_text(found)
    for key in keys[1:]:
        found = worker.connection.lpop(key)
        if found is not None:
            return key, as_text(found)
    return None


def fetch(worker: SimpleWorker, keys: Sequence[str], queue_key: str, job_id: str) -> Taken | str:
    """Read a popped job, asking in the same trip whether workers are suspended (SUSPENDED:
    the job went back to the front of its queue) and whether more jobs are queued."""
    with worker.connection.pipeline(transaction=False) as pipe:
        pipe.hgetall(worker.job_class.key_for(job_id))
        pipe.exists(WORKERS_SUSPENDED)
        for key in keys:
            pipe.llen(key)
        raw, suspended, *lengths = pipe.execute()
    if suspended:
        with worker.connection.pipeline() as back:
            if parks(worker):
                back.lrem(IntermediateQueue.get_intermediate_queue_key(queue_key), 1, job_id)
            back.lpush(queue_key, job_id)
            back.execute()
        return SUSPENDED
    return Taken(queue_key, job_id, raw, sum(lengths) > 0)


def job_of(worker: SimpleWorker, taken: Taken) -> Job | None:
    """The job taken, as RQ's fetch builds it (None when it no longer exists: RQ skips it)."""
    if not taken.raw:
        return None
    job = worker.job_class(taken.job_id, connection=worker.connection, serializer=worker.serializer)
    job.restore(taken.raw)
    return job


def _pairs(flat: list[bytes]) -> dict[bytes, bytes]:
    """A hash as Lua returns it (field, value, field, value...) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def start_commands(worker: SimpleWorker, job: Job, queue: Queue, pipe: Pipeline) -> Execution:
    """Add to `pipe` the record that `worker` runs `job` now (RQ's `prepare_execution` and
    `prepare_job_execution`): its execution, the started registry, the worker busy."""
    ttl = worker.get_heartbeat_ttl(job)
    execution = Execution.create(job, ttl, pipeline=pipe, worker_name=worker.name)
    pipe.hset(worker.key, "state", WorkerStatus.BUSY)
    if ttl > worker.worker_ttl + 60:  # RQ's default beat (the last one) keeps it alive less
        worker.heartbeat(ttl, pipeline=pipe)
    job.prepare_for_execution(worker.name, pipeline=pipe)
    pipe.persist(job.key)
    if parks(worker):
        pipe.lrem(queue.intermediate_queue_key, 1, job.id)
    worker.executions[execution.id] = execution
    return execution


def end_commands(
    worker: SimpleWorker, job: Job, queue: Queue, execution: Execution | None, pipe: Pipeline
) -> None:
    """Add to `pipe` the record that `job` ended well (RQ's `handle_job_success`, without a
    result record) and the worker is idle, with RQ's next heartbeat. `execution` is None when
    the job's start was never recorded (it ended before its first trip)."""
    job.ended_at = now()
    if execution is not None:
        execution.delete(job=job, pipeline=pipe)
        worker.executions.pop(execution.id, None)
    elif parks(worker):
        pipe.lrem(queue.intermediate_queue_key, 1, job.id)
    pipe.hset(job.key, mapping={"status": JobStatus.FINISHED, "ended_at": utcformat(job.ended_at)})
    kept = job.get_result_ttl(worker.default_result_ttl)  # sfn's jobs: dispatch.RESULT_TTL
    if kept > 0:
        pipe.expire(job.key, kept)  # RQ's cleanup, less its dependents' keys: sfn's have none
    else:
        job.cleanup(kept, pipeline=pipe, remove_from_queue=False)
    job._status = JobStatus.FINISHED
    worker.increment_successful_job_count(pipeline=pipe)
    if job.started_at is not None:
        worker.increment_total_working_time(job.ended_at - job.started_at, pipe)
    pipe.hset(worker.key, "state", WorkerStatus.IDLE)
    worker.heartbeat(pipeline=pipe)


class JobRun:
    """RQ's records of one job an `SfnWorker` runs: `start` and `end` add them to a trip."""

    def __init__(self, worker: SimpleWorker, job: Job, queue: Queue):
        self.worker, self.job, self.queue = worker, job, queue
        self.execution: Execution | None = None  # once its start is recorded

    def start(self, pipe: Pipeline) -> None:
        self.execution = start_commands(self.worker, self.job, self.queue, pipe)

    def end(self, pipe: Pipeline) -> None:
        end_commands(self.worker, self.job, self.queue, self.execution, pipe)
