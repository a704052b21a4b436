"""What the workers, queues and timers are doing now, for the web UI and /metrics.

Read-only: RQ's own worker and queue records, and `sfn:timers`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue, Worker

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
    for worker in Worker.all(connection=client):
        heartbeat = worker.last_heartbeat
        found.append(
            WorkerInfo(
                name=worker.name,
                hostname=str(worker.hostname or ""),
                pid=worker.pid,
                state=str(worker.get_state()),
                queues=worker.queue_names(),
                current_job=worker.get_current_job_id(),
                last_heartbeat=_iso(heartbeat),
                succeeded=worker.successful_job_count,
                failed=worker.failed_job_count,
            )
        )
    return sorted(found, key=lambda w: w.name)


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
