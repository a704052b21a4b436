"""A group's stored records: the join record decoded in one place, child specs stored with the
context their children share once."""

from __future__ import annotations

import json

from engine.core import joins
from engine.core.effects import Child, StartChildren
from engine.runtime import groups
from engine.runtime.group_records import (
    SHARED,
    ChildSpec,
    GroupRecord,
    decode_specs,
    encode_specs,
    spec_fields,
)

EXECUTION = {"Id": "arn:x", "Name": "x", "StartTime": "2026-01-01T00:00:00.000Z"}


def _children(count: int) -> list[Child]:
    """As the core builds them: one shared dict, each child's own run id and index over it."""
    shared = {"Execution": EXECUTION, "sfn:variables": {"v": 1}}
    return [
        Child(i, ("M", 0), {"item": i}, {**shared, "sfn:run": f"/M@2.0[{i}]", "sfn:index": i})
        for i in range(count)
    ]


def _stored(fields: dict[str, str], positions: list[int]) -> list[ChildSpec]:
    """What a read of `positions` returns from the hash `fields` (as HMGET would)."""
    found = [fields.get(name) for name in spec_fields(positions)]
    return decode_specs([None if value is None else value.encode() for value in found])


def test_specs_round_trip_and_store_the_shared_context_once() -> None:
    children = _children(3)
    fields = encode_specs(children)
    assert set(fields) == {SHARED, "0", "1", "2"}
    assert all("Execution" not in fields[str(i)] for i in range(3))
    specs = _stored(fields, [2, 0, 1])
    assert [spec.index for spec in specs] == [2, 0, 1]
    for spec in specs:
        child = children[spec.index]
        assert (spec.machine_path, spec.input, spec.context) == (
            child.machine_path,
            child.input,
            child.context,
        )


def test_a_context_with_other_keys_is_stored_whole() -> None:
    (first,) = _children(1)
    odd = Child(1, ("P", 1), "in", {"Execution": EXECUTION})
    specs = _stored(encode_specs([first, odd]), [0, 1])
    assert specs[1].context == {"Execution": EXECUTION}
    assert specs[0].context == first.context


def test_specs_of_an_earlier_version_hold_whole_contexts() -> None:
    context = {"Execution": EXECUTION, "sfn:index": 4}
    raw = {"index": 4, "machinePath": ["M", 0], "input": 7, "context": context}
    (spec,) = decode_specs([json.dumps(raw).encode(), None])  # no shared field then
    assert (spec.index, spec.machine_path, spec.input, spec.context) == (4, ("M", 0), 7, context)


def test_the_join_record_decodes_its_counts_and_limits() -> None:
    effect = StartChildren("M", _children(4), 2, 1, 25.0)
    stored = GroupRecord.opened("root", effect).encode()
    raw = {key.encode(): str(value).encode() for key, value in stored.items()}
    raw[b"started"], raw[b"finished"], raw[b"failed"] = b"3", b"1", b"1"
    record = GroupRecord.decode(raw)
    assert record is not None
    assert (record.parent, record.state, record.started, record.finished, record.failed) == (
        "root",
        "M",
        3,
        1,
        1,
    )
    assert (record.limits.total, record.limits.max_concurrency) == (4, 2)
    assert (record.limits.tolerated_count, record.limits.tolerated_percentage) == (1, 25.0)
    assert record.running == 2
    assert GroupRecord.decode({}) is None  # the group is gone


def test_a_groups_results_and_failures_are_parsed_by_child_index() -> None:
    raw = {b"2": b'{"a":"x,y"}', b"0": b"[1,[2]]", b"1": b"null"}
    assert groups.results(raw) == {2: {"a": "x,y"}, 0: [1, [2]], 1: None}
    assert groups.results({}) == {}
    failed = {b"3": b'{"error":"E","cause":"it, broke"}'}
    assert groups.failures(failed) == {3: joins.ChildError("E", "it, broke")}
