"""RQ's records of a job an `SfnWorker` runs: one round trip before the job, one after.

RQ's own path around a job takes about ten round trips (its execution record, then the job's
start, a heartbeat of the job, a WATCH of its dependents and a transaction for its result,
the worker's state, a heartbeat and a suspension check before the next pop), and builds a
result record sfn never reads. sfn's jobs have no dependents, callbacks, retries or results
(`engine.runtime.allowlist` refuses a job that names any), so the records RQ's tools read are
written in two pipelined transactions: before the job, its execution, the started registry
and the worker busy (`rq info`, the workers page, RQ's `StartedJobRegistry`); after it, the
job finished (it expires as RQ's would, `dispatch.RESULT_TTL`), the worker's counts, state
and heartbeat, and whether workers are suspended (`rq suspend`), which RQ's loop asks next.

The records are those of RQ 3; under RQ 2 (whose worker keeps them differently) an
`SfnWorker` runs its jobs through RQ's own path (`LEAN`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.suspension import WORKERS_SUSPENDED
from rq.utils import now, utcformat
from rq.version import VERSION
from rq.worker import WorkerStatus

if TYPE_CHECKING:
    from rq.queue import Queue
    from rq.worker import SimpleWorker

# RQ 3 keeps a worker's running jobs as `Execution`s in `worker.executions`, as written here.
LEAN = int(VERSION.split(".")[0]) >= 3


def begin(worker: SimpleWorker, job: Job, queue: Queue) -> Execution:
    """Record that `worker` runs `job` now (RQ's `prepare_execution` and
    `prepare_job_execution` in one transaction). The worker's state is BUSY from here on, so
    a stop signal waits for the job, as RQ's does."""
    ttl = worker.get_heartbeat_ttl(job)
    with worker.connection.pipeline() as pipe:
        execution = Execution.create(job, ttl, pipeline=pipe, worker_name=worker.name)
        worker.set_state(WorkerStatus.BUSY, pipeline=pipe)
        worker.heartbeat(ttl, pipeline=pipe)
        job.prepare_for_execution(worker.name, pipeline=pipe)
        pipe.persist(job.key)
        if len(worker.queues) == 1:  # RQ's pop parked it in the intermediate queue
            pipe.lrem(queue.intermediate_queue_key, 1, job.id)
        pipe.execute()
    worker.executions[execution.id] = execution
    return execution


def succeeded(worker: SimpleWorker, job: Job, execution: Execution) -> bool:
    """Record that `job` ended well and the worker is idle, with RQ's next heartbeat; return
    whether workers are suspended (read in the same trip)."""
    job.ended_at = now()
    ended = {"status": JobStatus.FINISHED, "ended_at": utcformat(job.ended_at)}
    kept = job.get_result_ttl(worker.default_result_ttl)  # sfn's: dispatch.RESULT_TTL
    with worker.connection.pipeline() as pipe:
        execution.delete(job=job, pipeline=pipe)
        pipe.hset(job.key, mapping=ended)
        job.cleanup(kept, pipeline=pipe, remove_from_queue=False)
        worker.increment_successful_job_count(pipeline=pipe)
        if job.started_at is not None:
            worker.increment_total_working_time(job.ended_at - job.started_at, pipe)
        pipe.hset(worker.key, "state", WorkerStatus.IDLE)
        worker.heartbeat(pipeline=pipe)
        pipe.exists(WORKERS_SUSPENDED)
        suspended = pipe.execute()[-1]
    job._status = JobStatus.FINISHED
    worker.executions.pop(execution.id, None)
    return bool(suspended)
