"""Raw RQ no-op jobs: the job function, and a worker process that starts on a signal.

`python -m bench.rq_noop URL QUEUE` builds the same worker sfn's `sfn worker` runs (RQ's
SimpleWorker with the JSON serializer, `engine.runtime.worker.make_worker`), reports ready, waits
for the go signal, works in burst mode and prints the time it finished.
"""

from __future__ import annotations

import sys
import time

from rq import SimpleWorker

from engine.runtime.connection import connect
from engine.runtime.worker import make_worker

READY = "bench:rq:ready"
GO = "bench:rq:go"


def noop() -> None:
    """The job: nothing, so what is measured is RQ's own cost per job."""


def main(url: str, queue_name: str) -> None:
    client = connect(url)
    worker = make_worker(client, [queue_name], SimpleWorker)
    client.rpush(READY, "1")
    client.blpop([GO], timeout=120)
    worker.work(burst=True, logging_level="WARNING")
    print(time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
