"""A child group's stored records, typed: the join record (counts and limits) and child specs.

The join record is a Redis hash of text fields that commits HINCRBY; `GroupRecord.decode` is
the one place that parses it, so joins and commits compare numbers, not strings. `ChildSpec`
is the one place that knows a stored child spec's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis

from engine.core import joins
from engine.core.effects import Child, StartChildren
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
    and context (`Child` as stored in the group's specs hash, by position)."""

    index: int
    machine_path: tuple[str | int, ...]
    input: Json
    context: Json

    @classmethod
    def of(cls, child: Child) -> ChildSpec:
        return cls(child.index, tuple(child.machine_path), child.input, child.context)

    def encode(self) -> str:
        data = {
            "index": self.index,
            "machinePath": list(self.machine_path),
            "input": self.input,
            "context": self.context,
        }
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def decode(cls, raw: bytes) -> ChildSpec:
        data = json.loads(raw)
        return cls(data["index"], tuple(data["machinePath"]), data["input"], data["context"])


def read_specs(
    client: redis.Redis, execution: str, group_id: str, positions: list[int]
) -> list[ChildSpec]:
    """The specs of the group's children at `positions` (one HMGET)."""
    raw = client.hmget(keys.group_specs(execution, group_id), [str(p) for p in positions])
    return [ChildSpec.decode(spec) for spec in raw]
