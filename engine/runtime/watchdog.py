"""Job watches: a job whose worker died before it took a lease or committed is not lost.

RQ pops a job off its queue before running it, and reclaims an abandoned job only after the
job's timeout (sfn's jobs have none). A worker killed between that pop and the job's end (or
before a Task attempt holds its lease) would leave the execution waiting forever. So
`dispatch.enqueue` writes a *watch* with every job, in the same transaction: a member of the
timers sorted set due after `SFN_LEASE_SECONDS`, removed by the job when it ends. A due watch
looks at its job: gone or finished, or a Task that is no longer awaited or holds its own lease,
ends the watch; a job still waiting in its queue is watched again. A job seen neither waiting
nor finished at two checks in a row is lost: a Task attempt goes the lost-lease way (sent
again, then Sfn.WorkerLost); a bookkeeping job (child start, join) is enqueued again, which is
safe because those jobs are idempotent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from engine.runtime import dispatch, keys, leases, lost
from engine.runtime.timer_entries import JobWatch, encode

if TYPE_CHECKING:
    from engine.runtime.runtime import Runtime

WAITING = (b"queued", b"scheduled", b"deferred")


def release(client: redis.Redis, execution: str, queue_name: str, job_id: str) -> None:
    """Called by a job that ended normally: its first watch has nothing left to do."""
    client.zrem(keys.TIMERS, encode(JobWatch(execution, queue_name, job_id)))


def check(runtime: Runtime, watch: JobWatch) -> None:
    """Look at a due watch's job: end the watch, watch again, or deliver the job again."""
    client = runtime.redis
    queue_name, job_id = watch.queue, watch.job_id
    job = _fetch(client, job_id)
    if job is None or _settled(runtime, job):
        return
    waiting = _status(client, job_id) in WAITING and _queued(client, queue_name, job_id)
    stuck = 0 if waiting else watch.stuck + 1
    if stuck < 2:
        again = encode(replace(watch, stuck=stuck, check=watch.check + 1))
        client.zadd(keys.TIMERS, {again: dispatch.watch_due(runtime.config.lease_seconds)})
        return
    _deliver_again(runtime, job)


def _fetch(client: redis.Redis, job_id: str) -> Job | None:
    try:
        job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
    except NoSuchJobError:
        return None  # finished jobs expire a moment later (dispatch.RESULT_TTL)
    return None if job.get_status(refresh=False) == "finished" else job


def _status(client: redis.Redis, job_id: str) -> bytes | None:
    return client.hget(f"rq:job:{job_id}", "status")


def _queued(client: redis.Redis, queue_name: str, job_id: str) -> bool:
    return client.lpos(dispatch.queue(client, queue_name).key, job_id) is not None


def _settled(runtime: Runtime, job: Job) -> bool:
    """A Task attempt needs no watch once it is not awaited or its worker holds a lease."""
    if not job.func_name.endswith(".run_task"):
        return False
    task = job.kwargs
    if not runtime.awaits_task(task["execution"], task["run"], task["token"]):
        return True
    lease = leases.lease_member(task["execution"], task["run"], task["token"], _delivery(task))
    return runtime.redis.zscore(keys.TIMERS, lease) is not None


def _delivery(task: dict[str, Any]) -> int:
    return int(task.get("delivery", 0))


def _deliver_again(runtime: Runtime, job: Job) -> None:
    task = job.kwargs
    if job.func_name.endswith(".run_task"):
        token, delivery = task["token"], _delivery(task)
        lost.lost(runtime, task["execution"], task["run"], token, delivery)
        return
    function = job.func_name.rpartition(".")[2]
    with runtime.redis.pipeline() as pipe:
        pipe.multi()
        dispatch.enqueue(
            pipe,
            runtime.redis,
            runtime.config,
            function,
            task,
            queue_name=job.origin,
            description=job.description,
        )
        pipe.execute()
