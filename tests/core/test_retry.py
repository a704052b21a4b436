"""Retry timing and retrier choice: backoff, MaxDelaySeconds, FULL jitter from env, MaxAttempts."""

from __future__ import annotations

import random

import pytest

from engine.core.retry import decide_retry, retry_delay
from engine.definition.model import Retrier


def no_random() -> float:
    raise AssertionError("only FULL jitter may use randomness")


def test_delay_grows_by_the_backoff_rate():
    retrier = Retrier(("E",), interval_seconds=2, backoff_rate=3.0)
    assert [retry_delay(retrier, attempt, no_random) for attempt in range(3)] == [2, 6, 18]


def test_max_delay_caps_the_backoff():
    retrier = Retrier(("E",), interval_seconds=1, backoff_rate=2.0, max_delay_seconds=3)
    assert [retry_delay(retrier, attempt, no_random) for attempt in range(4)] == [1, 2, 3, 3]


def test_full_jitter_scales_the_delay_by_the_env_random_value():
    retrier = Retrier(("E",), interval_seconds=4, backoff_rate=2.0, jitter_strategy="FULL")
    seeded = random.Random(7)
    expected = random.Random(7)
    delays = [retry_delay(retrier, attempt, seeded.random) for attempt in range(3)]
    assert delays == [4 * 2**attempt * expected.random() for attempt in range(3)]
    assert all(0 <= delay < 4 * 2**attempt for attempt, delay in enumerate(delays))


def test_max_attempts_zero_never_retries():
    retriers = [Retrier(("E",), max_attempts=0)]
    assert decide_retry(retriers, [0], "E", False, no_random) is None


def test_retrier_is_exhausted_after_max_attempts():
    retriers = [Retrier(("E",), max_attempts=2, interval_seconds=1, backoff_rate=1.0)]
    assert decide_retry(retriers, [1], "E", False, no_random).delay_seconds == 1
    assert decide_retry(retriers, [2], "E", False, no_random) is None


def test_only_the_first_matching_retrier_counts():
    retriers = [Retrier(("E",), max_attempts=1), Retrier(("States.ALL",), max_attempts=5)]
    assert decide_retry(retriers, [1, 0], "E", False, no_random) is None
    assert decide_retry(retriers, [1, 0], "Other", False, no_random).retrier_index == 1


@pytest.mark.parametrize("error", ["States.Timeout", "Custom"])
def test_states_all_matches_any_error(error):
    decision = decide_retry([Retrier(("States.ALL",))], [0], error, True, no_random)
    assert decision is not None and decision.retrier_index == 0
