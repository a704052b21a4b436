"""RQ's record of a job's start, sent with the job's first round trip instead of one of its own.

While an `SfnWorker` runs a Task job, it leaves here what records the job's start (RQ's
execution, the worker busy: `engine.runtime.job_loop`); the job adds it to the trip that
reads its run and takes its lease (`jobs.run_task`). A job that ends before that trip leaves
it unsent, and the worker records only the job's end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.client import Pipeline

_local = threading.local()


@contextmanager
def pending(record: Callable[[Pipeline], Any]) -> Iterator[None]:
    """While the job this thread runs may send `record` (commands for a pipeline)."""
    _local.record = record
    try:
        yield
    finally:
        _local.record = None


def send(pipe: Pipeline) -> None:
    """Add the job's start record to `pipe`, its first trip (once; nothing outside a worker)."""
    record = getattr(_local, "record", None)
    if record is not None:
        _local.record = None
        record(pipe)
