"""Activities for workers in any language (AWS's CreateActivity & GetActivityTask).

An activity is a name (hash `sfn:activity:<name>`, listed in `sfn:activities`). A Task on it
(`Resource: arn:aws:states:...:activity:<name>`, or the plain name) waits as an RQ job on the
activity's queue, where sfn workers that registered it and API pollers both take tasks: a
poller pops the job, and the task is then its own until it sends the result (SendTask*) or
goes silent past HeartbeatSeconds (TimeoutSeconds without one): then `lost.silent_poller`
hands the attempt to the next poller under a new token, so the silent one's late answer is
refused, up to the lost-task redelivery limit; past it, States.HeartbeatTimeout or
States.Timeout fail it, as on AWS.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from engine.core.context import iso
from engine.core.triggers import TaskHeartbeat
from engine.errors import SfnError
from engine.runtime import dispatch, keys
from engine.runtime.requests import HeartbeatRequest
from engine.runtime.runtime import Runtime
from engine.runtime.store import ARN_PREFIX, dumps
from engine.runtime.timer_entries import JobWatch, encode

Json = Any
POLL_SLICE_SECONDS = 5  # each blocking pop; the long poll is several, within the socket timeout


class ActivityDoesNotExist(SfnError):
    """No activity has that name (AWS's ActivityDoesNotExist)."""


@dataclass(frozen=True)
class Activity:
    name: str
    creation_date: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return activity_arn(self.name)


@dataclass(frozen=True)
class ActivityTask:
    """A task a poller took: the token it answers with and the task's input."""

    token: str
    input: Json


def activity_arn(name: str) -> str:
    return f"{ARN_PREFIX}:activity:{name}"


class Activities:
    """Create, read and delete activities; hand their tasks to pollers."""

    def __init__(self, client: redis.Redis, runtime: Runtime):
        self.redis = client
        self.runtime = runtime

    def create(self, name: str, now: datetime, tags: dict[str, str]) -> Activity:
        """The activity (an existing one as it is: CreateActivity is idempotent)."""
        key = keys.activity(name)
        fields = {"name": name, "creationDate": iso(now), "tags": dumps(tags)}
        with self.redis.pipeline() as pipe:
            for field_name, value in fields.items():
                pipe.hsetnx(key, field_name, value)
            pipe.zadd(keys.ACTIVITIES, {name: now.timestamp()}, nx=True)
            pipe.execute()
        return self.get(name)

    def get(self, name: str) -> Activity:
        raw = self.redis.hgetall(keys.activity(name))
        if not raw:
            raise ActivityDoesNotExist(f"Activity Does Not Exist: '{activity_arn(name)}'")
        return _activity(raw)

    def names(self, start: int, count: int) -> list[str]:
        return [
            name.decode() for name in self.redis.zrange(keys.ACTIVITIES, start, start + count - 1)
        ]

    def many(self, names: list[str]) -> list[Activity]:
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(keys.activity(name))
            return [_activity(raw) for raw in pipe.execute() if raw]

    def delete(self, name: str) -> None:
        with self.redis.pipeline() as pipe:
            pipe.delete(keys.activity(name))
            pipe.zrem(keys.ACTIVITIES, name)
            pipe.execute()

    def take_task(self, name: str, wait_seconds: float) -> ActivityTask | None:
        """The next task of activity `name`, waiting up to `wait_seconds` for one (None)."""
        queue = dispatch.queue(self.redis, dispatch.queue_for(name, self.runtime.config))
        deadline = time.monotonic() + wait_seconds
        while (left := deadline - time.monotonic()) > 0:
            popped = self.redis.blpop([queue.key], timeout=min(POLL_SLICE_SECONDS, left))
            if popped is not None:
                task = self._take(queue.name, popped[1].decode())
                if task is not None:
                    return task
        return None

    def _take(self, queue_name: str, job_id: str) -> ActivityTask | None:
        """Make the popped job's task the poller's: its job and watch go, its heartbeat clock
        starts; None when the task is no longer awaited (its job is dropped)."""
        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return None
        task = job.kwargs
        execution, run_id, token = task["execution"], task["run"], task["token"]
        reads = self.runtime.task_reads(execution, run_id, token)
        awaited = reads is not None
        with self.redis.pipeline() as pipe:
            if awaited:  # what `lost.silent_poller` hands on should this poller go silent
                held = {"queue": queue_name, "description": job.description, "job": task}
                held_key = keys.claimed_task(execution, token)
                pipe.set(held_key, json.dumps({**held, "polled": True}), ex=dispatch.TOKEN_TTL)
            pipe.zrem(keys.TIMERS, encode(JobWatch(execution, queue_name, job_id)))
            job.delete(pipeline=pipe, remove_from_queue=False)
            pipe.execute()
        if awaited and task.get("heartbeat_seconds"):
            # The poller starts the task: so does its heartbeat clock (the core's timer).
            self.runtime.advance(HeartbeatRequest(execution, run_id, TaskHeartbeat(token), reads))
        return ActivityTask(token, task["input"]) if awaited else None


def _activity(raw: dict[bytes, bytes]) -> Activity:
    text = {key.decode(): value.decode() for key, value in raw.items()}
    return Activity(text["name"], text["creationDate"], json.loads(text.get("tags") or "{}"))
