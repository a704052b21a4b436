"""Retry: which retrier handles an error, and how long to wait before the next attempt.

Counters are per retrier and per state entry; they live in the snapshot's `current` record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.core.errors import error_matches
from engine.definition.model import Retrier


@dataclass(frozen=True)
class RetryDecision:
    """Retry: by the retrier at `retrier_index`, after `delay_seconds`."""

    retrier_index: int
    delay_seconds: float


def retry_delay(retrier: Retrier, attempt: int, random: Callable[[], float]) -> float:
    """Seconds before retry number `attempt + 1` (attempt counts retries already made)."""
    delay = retrier.interval_seconds * retrier.backoff_rate**attempt
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL":
        delay *= random()
    return delay


def decide_retry(
    retriers: Sequence[Retrier],
    counts: Sequence[int],
    error: str | None,
    from_task: bool,
    random: Callable[[], float],
) -> RetryDecision | None:
    """The retry to make for `error`, or None when the first matching retrier is exhausted.

    Only the first retrier whose ErrorEquals matches counts, as in AWS.
    """
    for index, retrier in enumerate(retriers):
        if not error_matches(retrier.error_equals, error, from_task):
            continue
        attempt = counts[index] if index < len(counts) else 0
        if attempt >= retrier.max_attempts:
            return None
        return RetryDecision(index, retry_delay(retrier, attempt, random))
    return None
