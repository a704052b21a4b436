"""The only RQ jobs sfn workers run: sfn's own job functions, with nothing else attached.

Anyone who can write to Redis can enqueue an RQ job naming any importable callable, and RQ
imports whatever a job names when it runs it (its function, callbacks). Workers check a job's
stored names here first, from its JSON data only, and refuse a foreign job before RQ imports
anything it names.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rq.exceptions import DeserializationError
from rq.job import Job

JOBS_MODULE = "engine.runtime.jobs"
JOB_FUNCTIONS = frozenset({"run_task", "advance_group", "notify_parent", "stop_children"})
ALLOWED = frozenset(f"{JOBS_MODULE}.{name}" for name in JOB_FUNCTIONS)
CALLBACKS = ("_success_callback_name", "_failure_callback_name", "_stopped_callback_name")
# A refusal quotes at most this much of what the job names (the text is the sender's).
QUOTE_LIMIT = 80


class ForeignJob(Exception):
    """An RQ job that is not one of sfn's: it is refused, never run."""


def job_path(function: str) -> str:
    """The import path RQ stores for sfn's job function `function` (one of JOB_FUNCTIONS)."""
    if function not in JOB_FUNCTIONS:
        raise ValueError(f"{function!r} is not an sfn job function")
    return f"{JOBS_MODULE}.{function}"


def refusal(job: Job, allowed: frozenset[str] = ALLOWED) -> str | None:
    """Why `job` is not one of sfn's own jobs (the functions `allowed`), or None when it is.
    Reads only its data."""
    try:
        name, instance = job.func_name, job.instance
    except DeserializationError:
        return "its data is not JSON"
    if name not in allowed:
        return f"it names {quote(name)}, not an sfn job function"
    if instance is not None:
        return "it names a method of an object"
    if any(getattr(job, field, None) for field in CALLBACKS) or getattr(job, "webhooks", None):
        return "it has callbacks or webhooks, which sfn never sets"
    return None


def quote(value: Any) -> str:
    """`value` as a short one-line repr (a foreign job's names may be anything)."""
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else f"{text[: QUOTE_LIMIT - 3]}..."


class SfnJob(Job):
    """RQ's Job that resolves nothing a foreign job names: the last line of defence should any
    RQ code path resolve a job's function or callbacks before the worker's own check."""

    allowed: ClassVar[frozenset[str]] = ALLOWED

    def _checked(self) -> None:
        reason = refusal(self, self.allowed)
        if reason is not None:
            raise ForeignJob(f"RQ job {quote(self.id)} refused: {reason}")

    @property
    def func(self) -> Any:
        self._checked()
        return Job.func.fget(self)

    @property
    def success_callback(self) -> Any:
        self._checked()
        return Job.success_callback.fget(self)

    @property
    def failure_callback(self) -> Any:
        self._checked()
        return Job.failure_callback.fget(self)

    @property
    def stopped_callback(self) -> Any:
        self._checked()
        return Job.stopped_callback.fget(self)


def job_class(also_allowed: frozenset[str] = frozenset()) -> type[SfnJob]:
    """The job class of a worker running sfn's jobs and `also_allowed` functions (only the
    benchmark's raw-RQ no-op adds one)."""
    if not also_allowed:
        return SfnJob
    return type("SfnJob", (SfnJob,), {"allowed": ALLOWED | also_allowed})
