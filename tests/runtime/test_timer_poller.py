"""The timer poller: a timer due before its next poll (a yield, a Wait of 0 s) fires at once,
woken by the commit that starts it, not a poll interval later; a stop ends its wait."""

from __future__ import annotations

import time

import redis

from engine.core.env import TRANSITION_BUDGET
from engine.runtime import config
from engine.runtime.engine import Engine
from engine.runtime.timers import TimerPoller

LONG_POLL = 30.0  # seconds: nothing in these tests may wait for a poll
# A Choice loop of 3 budgets of transitions: it yields (a timer due now) 3 times.
ROUNDS = 3 * TRANSITION_BUDGET // 2
LOOP = {
    "StartAt": "Add",
    "States": {
        "Add": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)"},
            "Next": "More",
        },
        "More": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThan": ROUNDS, "Next": "Add"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
WAIT_0 = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "End": True}}}


def test_timers_due_before_the_next_poll_wake_the_poller(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    engine = Engine(client=client)
    poller = TimerPoller(client, config.current(), interval=LONG_POLL).start()
    try:
        began = time.monotonic()
        # Each yield after the first is committed by the poller itself, which then waits:
        # only the wake its own commit sent gets it going again.
        looped = engine.start_execution(LOOP, {"i": 0}, check_resources=False)
        assert engine.wait(looped, timeout=LONG_POLL / 3)["status"] == "SUCCEEDED"
        waited = engine.start_execution(WAIT_0, {}, check_resources=False)
        assert engine.wait(waited, timeout=LONG_POLL / 3)["status"] == "SUCCEEDED"
        assert time.monotonic() - began < LONG_POLL / 3
        yields = [e for e in engine.history(looped) if e["type"] == "ChoiceStateExited"]
        assert len(yields) == ROUNDS
    finally:
        poller.stop()


def test_a_stop_ends_the_wait_between_polls(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    engine = Engine(client=client)
    poller = TimerPoller(client, config.current(), interval=LONG_POLL).start()
    waited = engine.start_execution(WAIT_0, {}, check_resources=False)
    assert engine.wait(waited, timeout=LONG_POLL / 3)["status"] == "SUCCEEDED"
    assert poller.listening.wait(LONG_POLL / 10)  # it waits for its next poll, LONG_POLL away
    began = time.monotonic()
    poller.stop()
    assert time.monotonic() - began < LONG_POLL / 10
