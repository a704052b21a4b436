"""What the workers, queues and timers are doing now, for the web UI and /metrics.

Read-only: RQ's own worker and queue records, and `sfn:timers`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue, Worker
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from engine.runtime import keys

OVERDUE_SECONDS = 1.0  # a timer this late means no poller is keeping up (or none runs)


@dataclass(frozen=True)
class WorkerInfo:
    name: str
    hostname: str
    pid: int | None
    state: str
    queues: list[str]
    current_job: str | None  # an RQ job id: for a Task attempt, its task token
    current_work: str | None  # what that job does: `<resource> (<execution> <state>)`, `join ...`
    current_execution: str | None  # the execution it works for
    last_heartbeat: str | None
    succeeded: int
    failed: int


@dataclass(frozen=True)
class QueueInfo:
    name: str
    depth: int
    started: int  # jobs taken by a worker and not finished
    failed: int


@dataclass(frozen=True)
class TimerInfo:
    total: int
    due: int
    overdue: int  # due more than OVERDUE_SECONDS ago
    lag_seconds: float  # how late the oldest due timer is (0 when none is due)


def workers(client: redis.Redis) -> list[WorkerInfo]:
    found = []
    for worker in Worker.all(connection=client, serializer=JSONSerializer):
        heartbeat = worker.last_heartbeat
        job = _current_job(client, worker)
        found.append(
            WorkerInfo(
                name=worker.name,
                hostname=str(worker.hostname or ""),
                pid=worker.pid,
                state=str(worker.get_state()),
                queues=worker.queue_names(),
                current_job=job.id if job else None,
                current_work=job.description if job else None,
                current_execution=_execution_of(job),
                last_heartbeat=_iso(heartbeat),
                succeeded=worker.successful_job_count,
                failed=worker.failed_job_count,
            )
        )
    return sorted(found, key=lambda w: w.name)


def _current_job(client: redis.Redis, worker: Worker) -> Job | None:
    """The job the worker runs now (JSON-serialized, as sfn enqueues every job), if any."""
    job_id = worker.get_current_job_id()
    if not job_id:
        return None
    try:
        return Job.fetch(job_id, connection=client, serializer=JSONSerializer)
    except NoSuchJobError:  # it ended between the two reads
        return None


def _execution_of(job: Job | None) -> str | None:
    try:
        execution = (job.kwargs or {}).get("execution") if job else None
    except DeserializationError:  # not one of sfn's jobs
        return None
    return execution if isinstance(execution, str) else None


def queues(client: redis.Redis) -> list[QueueInfo]:
    return sorted(
        (
            QueueInfo(
                queue.name,
                queue.count,
                queue.started_job_registry.count,
                queue.failed_job_registry.count,
            )
            for queue in Queue.all(connection=client)
        ),
        key=lambda q: q.name,
    )


def timers(client: redis.Redis, now: float | None = None) -> TimerInfo:
    now = time.time() if now is None else now
    pipe = client.pipeline(transaction=False)
    pipe.zcard(keys.TIMERS)
    pipe.zcount(keys.TIMERS, "-inf", now)
    pipe.zcount(keys.TIMERS, "-inf", now - OVERDUE_SECONDS)
    pipe.zrange(keys.TIMERS, 0, 0, withscores=True)
    total, due, overdue, oldest = pipe.execute()
    lag = max(0.0, now - oldest[0][1]) if oldest else 0.0
    return TimerInfo(int(total), int(due), int(overdue), lag)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
