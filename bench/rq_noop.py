"""Raw RQ no-op jobs: the job function, and a worker process that starts on a signal.

`python -m bench.rq_noop URL` builds the same worker sfn's `sfn worker` runs (`SfnWorker`, RQ's
SimpleWorker that also runs the Tasks its jobs claim, with the JSON serializer, built by
`engine.runtime.worker.make_worker`), reports ready, waits for the go signal, works in burst
mode and prints the time it finished. A no-op job claims nothing, so each job pays what every
sfn job pays besides its own work: its take and RQ's records of it (under RQ 3 sfn's worker
keeps those in fewer round trips than RQ's own path, `engine.runtime.job_loop`, so this limit
is that of sfn's job loop, not of RQ's) and the eager-task check.

The jobs go to sfn's internal queue, the only one such a worker listens on when no activity is
loaded: a burst worker LPOPs its queues one by one, so a worker listening on an empty `sfn`
queue before the job queue would pay a second round trip per job that sfn's workers (one BLPOP
over all their queues) never pay, and the limit would look lower than it is.
"""

from __future__ import annotations

import sys
import time

import redis

from engine.activities import Registry
from engine.runtime import dispatch
from engine.runtime.connection import connect
from engine.runtime.worker import SfnWorker, make_worker

READY = "bench:rq:ready"
GO = "bench:rq:go"
QUEUE = dispatch.DEFAULT_QUEUE


NOOP = "bench.rq_noop.noop"


def noop() -> None:
    """The job: nothing, so what is measured is the worker's own cost per job."""


def worker(client: redis.Redis, activities: Registry | None = None) -> SfnWorker:
    """sfn's worker on the no-op queue alone (it fails if it would listen on more: it runs no
    activity, unless given some)."""
    # The no-op is no sfn job: allowed here only, so the allowlist check is measured too.
    registry = activities if activities is not None else Registry()
    built = make_worker(client, [], SfnWorker, also_allowed=[NOOP], activities=registry)
    if built.queue_names() != [QUEUE]:
        raise RuntimeError(f"the no-op worker listens on {built.queue_names()}, not [{QUEUE}]")
    return built


def main(url: str) -> None:
    client = connect(url)
    burst = worker(client)
    client.rpush(READY, "1")
    client.blpop([GO], timeout=120)
    burst.work(burst=True, logging_level="WARNING")
    print(time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
