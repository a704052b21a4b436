"""Timers fire on time (± 1 s, measured between history events) on real, busy workers.

Wait, retry backoff, TimeoutSeconds and HeartbeatSeconds run at once on three worker
processes, while sleeping activities keep them busy: timers must not depend on a free worker.
The Wait is long enough that the workers sit idle on their queues meanwhile (redis-py 8's 5 s
default socket timeout once ended idle RQ workers).
"""

from __future__ import annotations

from support.crash import ACTIVITIES, FAST, events, moment

from engine.runtime.engine import Engine

TOLERANCE = 1.0
WAIT_SECONDS = 9


def task(resource: str, **fields: object) -> dict:
    return {"Type": "Task", "Resource": resource, "End": True, **fields}


def machine(state: dict, start: dict | None = None) -> dict:
    states = {"Work": state}
    if start is not None:
        states = {"First": {**start, "Next": "Work"}, **states}
    return {"StartAt": next(iter(states)), "States": states}


def gap(history: list[dict], first: str, then: str, nth: int = 0) -> float:
    return moment(events(history, then)[nth]) - moment(events(history, first)[nth])


def test_timers_fire_on_time(redis_url: str, sfn_worker, tmp_path) -> None:
    sfn_worker(activities=[ACTIVITIES], env=FAST, args=["--concurrency", "3"], workers=3)
    engine = Engine(redis_url)
    workers = engine.redis.smembers("rq:workers")
    ledger = str(tmp_path / "ledger")
    retry = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 3}
    started = {
        "wait": engine.start_execution(
            machine(task("crash_square"), {"Type": "Wait", "Seconds": WAIT_SECONDS}),
            7,
            check_resources=False,
        ),
        "retry": engine.start_execution(
            machine(task("crash_flaky", Retry=[retry])),
            {"ledger": ledger, "succeed_on": 3},
            check_resources=False,
        ),
        "timeout": engine.start_execution(
            machine(task("crash_beat", TimeoutSeconds=1)), {"seconds": 1.5}, check_resources=False
        ),
        "silent": engine.start_execution(
            machine(task("crash_beat", HeartbeatSeconds=1)), {"seconds": 1.5}, check_resources=False
        ),
        "beating": engine.start_execution(
            machine(task("crash_beat", HeartbeatSeconds=1)),
            {"seconds": 2, "beat": 0.3},
            check_resources=False,
        ),
    }
    ended = {name: engine.wait(execution, timeout=30) for name, execution in started.items()}
    history = {name: engine.history(execution) for name, execution in started.items()}

    assert (ended["wait"]["status"], ended["wait"]["output"]) == ("SUCCEEDED", "49")
    waited = gap(history["wait"], "WaitStateEntered", "WaitStateExited")
    assert abs(waited - WAIT_SECONDS) <= TOLERANCE, waited

    assert (ended["retry"]["status"], ended["retry"]["output"]) == ("SUCCEEDED", '{"attempts":3}')
    for nth, interval in enumerate((1, 2)):
        backoff = moment(events(history["retry"], "TaskScheduled")[nth + 1]) - moment(
            events(history["retry"], "TaskFailed")[nth]
        )
        assert abs(backoff - interval) <= TOLERANCE, (nth, backoff)

    for name, error in (("timeout", "States.Timeout"), ("silent", "States.HeartbeatTimeout")):
        assert (ended[name]["status"], ended[name]["error"]) == ("FAILED", error)
        late = gap(history[name], "TaskStarted", "TaskTimedOut")
        assert abs(late - 1) <= TOLERANCE, (name, late)

    assert ended["beating"]["status"] == "SUCCEEDED"
    assert not events(history["beating"], "TaskTimedOut")
    # The same RQ workers served throughout: none gave up while idle on its queue.
    assert engine.redis.smembers("rq:workers") == workers
