"""`Engine.wait`: every waiter of an execution learns of its end in the round trip that brings
it (the description is read with the blocking move on the done list, not after it), a timeout
gives back the running description, and the done list keeps its marker for later waiters.
A real Redis (blocking commands), waiters in threads."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from redis.client import Pipeline
from support.waiting import wait_until

from engine.runtime import keys
from engine.runtime.engine import Engine

SLOW = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 600, "End": True}}}


class Trips:
    """Counts each thread's round trips: single commands, and pipelines (one trip each)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.by_thread: Counter[int] = Counter()
        single, execute = redis.Redis.execute_command, Pipeline.execute

        def one(client: redis.Redis, *args: Any, **options: Any) -> Any:
            if not isinstance(client, Pipeline):
                self.by_thread[threading.get_ident()] += 1
            return single(client, *args, **options)

        def flushed(pipe: Pipeline, *args: Any, **options: Any) -> Any:
            self.by_thread[threading.get_ident()] += bool(pipe.command_stack)
            return execute(pipe, *args, **options)

        monkeypatch.setattr(redis.Redis, "execute_command", one)
        monkeypatch.setattr(Pipeline, "execute", flushed)

    def mine(self) -> int:
        return self.by_thread[threading.get_ident()]


def test_several_waiters_learn_of_the_end_in_the_trip_that_brings_it(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(redis_url)
    execution = engine.start_execution(SLOW, {}, "waited")  # no worker: it stays in its Wait
    trips = Trips(monkeypatch)

    def wait() -> tuple[dict[str, Any], int]:
        waiter = Engine(redis_url)
        before = trips.mine()
        described = waiter.wait(execution, timeout=30)
        return described, trips.mine() - before

    with ThreadPoolExecutor(2) as pool:
        waiting = [pool.submit(wait) for _ in range(2)]
        blocked = lambda: engine.redis.info("clients")["blocked_clients"] == 2  # noqa: E731
        wait_until(blocked, what="both waiters blocked on the done list")
        engine.stop(execution, "Stopped", "by the test")
        ended = [future.result(timeout=30) for future in waiting]
    for described, made in ended:
        assert described["status"] == "ABORTED"
        assert described["error"] == "Stopped" and "stopDate" in described
        assert described["redriveStatus"] == "REDRIVABLE"  # its history's length was read too
        assert made == 2  # its first description, then the move that brings the end with it
    assert engine.redis.lrange(keys.done(execution), 0, -1) == [b"ABORTED"]
    # A later waiter finds the end at once, as do the waiters of an ended execution.
    assert engine.wait(execution, timeout=0.01)["status"] == "ABORTED"


def test_a_wait_that_times_out_describes_the_running_execution(redis_url: str) -> None:
    engine = Engine(redis_url)
    execution = engine.start_execution(SLOW, {"n": 1}, "still-running")
    described = engine.wait(execution, timeout=0.05)
    assert described["status"] == "RUNNING"
    assert described["input"] == '{"n":1}'
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
