"""Event ids and `previousEventId` as AWS numbers a history, derived from recorded histories.

AWS's `previousEventId` is not `id - 1`: an event usually points to the one before it, but an
event written together with the one before it shares that event's `previousEventId` (the first
state after `ExecutionStarted` points to 0; the next Map iteration points to the last event of
the iteration before, not to its `MapIterationSucceeded`; `MapStateExited` after
`MapStateSucceeded` points where that one does, ...). `shares_previous` is that rule, read from
the 242 histories AWS recorded in tests/conformance/cases; it looks back at most `LOOKBACK`
events, so a reader numbering from the middle of a history starts that far before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Event = dict[str, Any]
# An earlier event by its id (None when it is not at hand).
Earlier = Callable[[int], Event | None]

# previousEventId depends on the previous event's, and so on back, but a chain of shared
# previousEventIds never spans more than a few events (ExecutionStarted, MapStateEntered,
# EvaluationFailed is the longest seen: 3), and a Distributed Map's MapStateExited looks back
# to its MapStateEntered (5 events), itself numbered from 3 before.
LOOKBACK = 12

_ITERATION_ENDS = frozenset({"MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"})
_BLOCK_SUCCEEDED = frozenset({"MapStateSucceeded", "ParallelStateSucceeded"})
_BLOCK_EXITED = frozenset({"MapStateExited", "ParallelStateExited"})
_RUN_ENDS = frozenset({"MapRunSucceeded", "MapRunFailed", "MapRunAborted"})


def shares_previous(last_type: str, event_type: str) -> bool:
    """True when an event of `event_type` written right after one of `last_type` points to the
    event that one points to, rather than to it."""
    if last_type == "ExecutionStarted":
        return True
    if last_type in _ITERATION_ENDS:
        # The Map's own next step (next iteration, retry, failure) follows the iteration's last
        # event; only MapStateSucceeded follows the MapIterationSucceeded itself.
        return event_type != "MapStateSucceeded"
    if event_type in _BLOCK_EXITED:
        return last_type in _BLOCK_SUCCEEDED
    if event_type == "EvaluationFailed":
        # An expression failing as the state starts shares its Entered event's previousEventId;
        # a Wait evaluates when its wait begins, after it was entered.
        return last_type.endswith("StateEntered") and last_type != "WaitStateEntered"
    return False


def numbered(events: Iterable[Event], first_id: int = 1) -> Iterator[Event]:
    """The events with `id` (from `first_id`) and `previousEventId` first, as AWS lists them.

    `first_id` > 1 is for a reader that starts at event `first_id`: numbering is right from
    `LOOKBACK` events on (read from `first_id - LOOKBACK` and drop those).
    """
    last: Event | None = None
    window: dict[int, Event] = {}
    for event_id, event in enumerate(events, first_id):
        previous = previous_event_id(last, event, event_id, window.get)
        last = {"id": event_id, "previousEventId": previous}
        last.update(event)
        window[event_id] = last
        window.pop(event_id - LOOKBACK, None)
        yield last


def previous_event_id(
    last: Event | None, event: Event, event_id: int, earlier: Earlier = lambda _: None
) -> int:
    """The `previousEventId` of `event`, numbered `event_id`, written after `last` (a numbered
    event, or None when `event` is the first one read); `earlier` finds the few events
    before `last` by id."""
    if last is None:
        return 0 if event_id == 1 else event_id - 1
    if not shares_previous(last["type"], event["type"]):
        return last["id"]
    shared = last["previousEventId"]
    run_end = earlier(shared) if event["type"] in _BLOCK_EXITED else None
    ends_run = run_end is not None and run_end["type"] in _RUN_ENDS
    if ends_run and not _entered_first(run_end, earlier):
        # A Distributed Map's MapStateExited points past its MapRunSucceeded to MapRunStarted,
        # unless the Map was the first state (12 of 12 recordings).
        return run_end["previousEventId"]
    return shared


def _entered_first(event: Event, earlier: Earlier) -> bool:
    """Whether the state `event` belongs to was entered first thing (its Entered event shares
    ExecutionStarted's previousEventId 0), walking back through previousEventIds."""
    for _ in range(LOOKBACK):
        found = earlier(event["previousEventId"])
        if found is None:
            return False
        if found["type"].endswith("StateEntered"):
            return found["previousEventId"] == 0
        event = found
    return False
