"""A child group's stored records, typed: the join record (counts and limits) and child specs.

The join record is a Redis hash of text fields that commits HINCRBY; `GroupRecord.decode` is
the one place that parses it, so joins and commits compare numbers, not strings. `ChildSpec`
is the one place that knows a stored child spec's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from engine.core import joins
from engine.core.effects import Child, StartChildren
from engine.language.json_text import compact
from engine.runtime import keys

Json = Any


@dataclass(frozen=True)
class GroupRecord:
    """A group's join record: who waits for it, its limits, and how many children started,
    finished and failed so far."""

    parent: str
    state: str
    limits: joins.Limits
    started: int = 0
    finished: int = 0
    failed: int = 0

    @classmethod
    def opened(cls, parent: str, effect: StartChildren) -> GroupRecord:
        """The record of a group `effect` opens for run `parent`: nothing started yet."""
        return cls(parent, effect.state_name, joins.Limits.of(effect))

    def encode(self) -> dict[str, str | int | float]:
        """The hash fields to store (HSET mapping); `delivered` 0: the group is open."""
        limits = self.limits
        return {
            "parent": self.parent,
            "state": self.state,
            "total": limits.total,
            "maxConcurrency": limits.max_concurrency or 0,
            "toleratedCount": limits.tolerated_count or 0,
            "toleratedPercentage": limits.tolerated_percentage or 0.0,
            "started": self.started,
            "finished": self.finished,
            "failed": self.failed,
            "delivered": 0,
        }

    @classmethod
    def decode(cls, raw: Mapping[bytes, bytes]) -> GroupRecord | None:
        """The record read by HGETALL, or None when the group is gone (delivered or swept)."""
        if not raw or raw.get(b"delivered") != b"0":
            return None
        limits = joins.Limits(
            int(raw[b"total"]),
            int(raw[b"maxConcurrency"]),
            int(raw[b"toleratedCount"]),
            float(raw[b"toleratedPercentage"]),
        )
        return cls(
            raw[b"parent"].decode(),
            raw[b"state"].decode(),
            limits,
            int(raw[b"started"]),
            int(raw[b"finished"]),
            int(raw[b"failed"]),
        )

    @property
    def running(self) -> int:
        """Children started and not finished: their run records may exist."""
        return self.started - self.finished


@dataclass(frozen=True)
class ChildSpec:
    """What starts one child run: its index, its machine inside the definition, its input
    and context (a `Child` as the group's specs hash keeps it, by position)."""

    index: int
    machine_path: tuple[str | int, ...]
    input: Json
    context: Json

    @classmethod
    def stored(cls, data: Json, shared: Json) -> ChildSpec:
        """A spec as stored (`encode_specs`), parsed: its own context keys over the `shared`
        ones, or (a spec of an earlier version, or one whose keys differ) a whole context."""
        own = data.get("own")
        context = data.get("context") if own is None else {**shared, **own}
        return cls(data["index"], tuple(data["machinePath"]), data["input"], context)


# The specs hash field with the context every child of the group shares: stored once, since a
# Map over n items would otherwise store (and each batch parse) n copies of the execution's $$.
SHARED = "shared"


def encode_specs(children: Sequence[Child]) -> dict[str, str]:
    """The specs hash of a group's children: by position, each child's index, machine path,
    input and the context keys whose values are its own; under `SHARED`, the first child's
    context, whose values the others' contexts share (the core builds them from one dict)."""
    if not children:
        return {}
    shared = children[0].context
    fields = {SHARED: compact(shared)}
    for position, child in enumerate(children):
        data = {"index": child.index, "machinePath": list(child.machine_path)}
        data["input"] = child.input
        context = child.context
        if (
            isinstance(context, dict)
            and isinstance(shared, dict)
            and context.keys() == shared.keys()
        ):
            data["own"] = {key: value for key, value in context.items() if value is not shared[key]}
        else:
            data["context"] = context
        fields[str(position)] = compact(data)
    return fields


def spec_fields(positions: Iterable[int]) -> list[str]:
    """The fields of the specs hash to HMGET for the children at `positions`."""
    return [*map(str, positions), SHARED]


def decode_specs(replies: Sequence[bytes]) -> list[ChildSpec]:
    """The specs an HMGET of `spec_fields` read (a group of an earlier version has no
    `SHARED`: its specs hold whole contexts)."""
    *own, shared = replies
    context = json.loads(shared) if shared is not None else {}
    return [ChildSpec.stored(data, context) for data in parse_all(own)]


def parse_all(texts: Iterable[bytes]) -> list[Json]:
    """JSON texts, each a whole value as stored, parsed in one call as one array: a group's
    specs and results are read by the hundred, and a `json.loads` per text costs more than
    the parsing (1,000 results: 1.4 -> 0.25 ms)."""
    return json.loads(b"[" + b",".join(texts) + b"]")


def read_specs(
    client: redis.Redis, execution: str, group_id: str, positions: Iterable[int]
) -> list[ChildSpec]:
    """The specs of the group's children at `positions` (one HMGET)."""
    return decode_specs(client.hmget(keys.group_specs(execution, group_id), spec_fields(positions)))
