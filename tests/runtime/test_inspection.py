"""The tests' inspection API (tests/support/inspection.py) names every record an execution can
hold, so a new kind of key shows up as `unknown:` in the tests that compare records."""

from __future__ import annotations

import inspect

import fakeredis
from support.inspection import (
    GLOBAL,
    GLOBAL_NAMED,
    NAMED,
    SINGLE,
    record_ids,
    records,
    rq_kinds,
    shared_records,
    timer_kinds,
    timers,
)

from engine.runtime import keys
from engine.runtime.timer_entries import GroupJoin, LeaseExpiry, RetentionExpiry, encode

EXECUTION = "machine:run-1"


def test_every_key_of_an_execution_is_named_by_the_keys_function_that_makes_it(fake) -> None:
    for kind in SINGLE:
        fake.set(getattr(keys, kind)(EXECUTION), 1)
    for kind in NAMED:
        fake.set(getattr(keys, kind)(EXECUTION, "a1b2.3"), 1)
    fake.set(keys.meta("machine:run-10"), 1)  # another execution's
    expected = {*SINGLE, *(f"{kind}:a1b2.3" for kind in NAMED)}
    assert records(fake, EXECUTION) == expected
    assert record_ids(fake, EXECUTION, "group_specs") == {"a1b2.3"}
    fake.set(keys.meta(EXECUTION) + ":new", 1)
    assert f"unknown:{keys.meta(EXECUTION)}:new" in records(fake, EXECUTION)


def test_timers_are_read_as_typed_entries(fake: fakeredis.FakeRedis) -> None:
    lease = LeaseExpiry(EXECUTION, "root", "t" * 32, 0)
    entries = {lease: 2.0, GroupJoin(EXECUTION, "g1"): 1.0, RetentionExpiry("other:x"): 3.0}
    fake.zadd(keys.TIMERS, {encode(entry): due for entry, due in entries.items()})
    assert timers(fake, EXECUTION) == [GroupJoin(EXECUTION, "g1"), lease]
    assert timer_kinds(fake) == ["join", "lease"]  # retention is not work


def test_every_per_execution_key_function_has_a_record_kind() -> None:
    makers = {
        name
        for name, function in vars(keys).items()
        if callable(function) and not name.startswith("_")
        if next(iter(inspect.signature(function).parameters), None) == "execution"
    }
    assert makers == {*SINGLE, *NAMED}


def test_every_global_key_is_named_by_the_keys_constant_or_function_that_makes_it(fake) -> None:
    for name in GLOBAL:
        fake.set(getattr(keys, name), 1)
    for name in GLOBAL_NAMED:
        fake.set(getattr(keys, name)("a1b2"), 1)
    fake.set(keys.meta(EXECUTION), 1)  # the execution's own: not shared
    fake.set(keys.meta("machine:run-10"), 1)  # another execution's: unknown here
    fake.set("rq:queue:sfn", 1)  # RQ's
    fake.set(keys.METRICS + ":new", 1)
    assert shared_records(fake, [EXECUTION]) == {
        *GLOBAL,
        *GLOBAL_NAMED,
        f"unknown:{keys.meta('machine:run-10')}",
        f"unknown:{keys.METRICS}:new",
    }
    assert rq_kinds(fake) == {"rq:queue:*"}


def test_every_global_key_constant_and_function_has_a_name() -> None:
    constants = {
        name
        for name, value in vars(keys).items()
        if name.isupper() and isinstance(value, str) and value.startswith(keys.PREFIX + ":")
    }
    makers = {
        name
        for name, function in vars(keys).items()
        if inspect.isfunction(function) and not name.startswith("_")
        if next(iter(inspect.signature(function).parameters), None) != "execution"
    }
    assert constants - {"TIMERS_DUE"} == set(GLOBAL)  # a pub/sub channel, not a key
    assert makers == set(GLOBAL_NAMED)
