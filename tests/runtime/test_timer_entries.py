"""Timer entries: typed records with one encoding, and members of earlier versions still read."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from engine.runtime import timers
from engine.runtime.timer_entries import (
    GroupJoin,
    HeartbeatCheck,
    JobWatch,
    LeaseExpiry,
    RetentionExpiry,
    StateTimer,
    TaskTimeout,
    TimerEntry,
    decode,
    encode,
)

ENTRIES = [
    StateTimer("M:e", "root", "wait/4"),
    TaskTimeout("M:e", "g1.0", "tok"),
    HeartbeatCheck("M:e", "root", "tok", 30.0),
    HeartbeatCheck("M:e", "root", "tok", 2.5, 1764650000.25),
    LeaseExpiry("M:e", "g1.3", "tok", 2),
    GroupJoin("M:e", "a1b2c3", ""),
    GroupJoin("M:e", "a1b2c3", "9f9f"),
    RetentionExpiry("M:e"),
    JobWatch("M:e", "sfn", "job1", 1, 3),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: type(entry).__name__)
def test_every_entry_decodes_to_itself(entry) -> None:
    assert decode(encode(entry)) == entry
    assert decode(encode(entry).encode()) == entry  # as Redis returns it


def test_members_written_by_earlier_versions_read_the_same() -> None:
    """The one-letter JSON of before the typed entries, byte for byte."""

    def old(kind: str, run: str, ident: str) -> str:
        return json.dumps({"k": kind, "e": "M:e", "r": run, "id": ident}, sort_keys=True)

    watch = {"k": "job", "e": "M:e", "q": "sfn", "id": "job1", "n": 0, "c": 0}
    written = {
        old("timer", "root", "retry/7/1"): StateTimer("M:e", "root", "retry/7/1"),
        old("heartbeat", "root", "tok/30"): HeartbeatCheck("M:e", "root", "tok", 30.0),
        old("lease", "root", "tok/0"): LeaseExpiry("M:e", "root", "tok", 0),
        old("join", "grp", ""): GroupJoin("M:e", "grp"),
        old("expire", "root", ""): RetentionExpiry("M:e"),
        json.dumps(watch, sort_keys=True): JobWatch("M:e", "sfn", "job1"),
    }
    for member, entry in written.items():
        assert decode(member) == entry
        assert encode(entry) == member  # found again, to be removed, by the same bytes


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown timer entry kind 'nap'"):
        decode(json.dumps({"k": "nap", "e": "M:e", "r": "root", "id": ""}))


def test_every_entry_kind_has_a_handler_a_kind_of_its_own_and_a_case_here() -> None:
    """A kind added to the union without a row in `timers.HANDLERS` (what its falling due
    does) or without a round-trip case above fails here."""
    kinds = set(get_args(TimerEntry))
    assert set(timers.HANDLERS) == kinds
    assert {type(entry) for entry in ENTRIES} == kinds
    assert len({kind.kind for kind in kinds}) == len(kinds)  # `k` tells each member apart
