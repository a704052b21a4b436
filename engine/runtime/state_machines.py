"""Named state machines (AWS's CreateStateMachine & co): a name bound to a definition version.

A record is a hash at `keys.state_machine(name)` pointing at the definition by its content hash
(the definitions executions pin), so an update never changes what a running execution runs.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from engine.core.context import iso
from engine.errors import SfnError
from engine.runtime import keys
from engine.runtime.store import ARN_PREFIX, Store, dumps

Json = Any
DEFINITIONS_KEPT = 256


class StateMachineDoesNotExist(SfnError):
    """No state machine has that name (AWS's StateMachineDoesNotExist)."""


class StateMachineAlreadyExists(SfnError):
    """The name is taken by a state machine with another definition, role or type."""


@dataclass(frozen=True)
class StateMachine:
    """A named state machine as stored (dates are ISO 8601 text, like executions')."""

    name: str
    definition: str  # the digest of its current definition
    definition_text: str  # as the client sent it (DescribeStateMachine returns it verbatim)
    role_arn: str
    type: str
    creation_date: str
    update_date: str
    revision_id: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return state_machine_arn(self.name)

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "definition": self.definition,
            "definitionText": self.definition_text,
            "roleArn": self.role_arn,
            "type": self.type,
            "creationDate": self.creation_date,
            "updateDate": self.update_date,
            "revisionId": self.revision_id,
            "description": self.description,
            "tags": dumps(self.tags),
        }

    @classmethod
    def load(cls, raw: dict[bytes, bytes]) -> StateMachine:
        text = {key.decode(): value.decode() for key, value in raw.items()}
        return cls(
            text["name"],
            text["definition"],
            text["definitionText"],
            text["roleArn"],
            text["type"],
            text["creationDate"],
            text["updateDate"],
            text["revisionId"],
            text.get("description", ""),
            json.loads(text.get("tags") or "{}"),
        )


def state_machine_arn(name: str) -> str:
    return f"{ARN_PREFIX}:stateMachine:{name}"


class StateMachines:
    """Create, read, update and delete named state machines in one Redis database."""

    def __init__(self, client: redis.Redis, store: Store):
        self.redis = client
        self.store = store
        # Definitions by digest are immutable: a start by name reads only the name's record.
        self._definitions: dict[str, Json] = {}

    def create(self, machine: StateMachine, data: Json) -> tuple[StateMachine, bool]:
        """Store `machine` (its definition `data` too); the existing one, and False, when the
        name is taken by an equal machine. Raises StateMachineAlreadyExists otherwise."""
        key = keys.state_machine(machine.name)
        with self.redis.pipeline() as pipe:
            pipe.watch(key)
            raw = pipe.hgetall(key)
            if raw:
                existing = StateMachine.load(raw)
                same = (existing.definition, existing.role_arn, existing.type)
                if same != (machine.definition, machine.role_arn, machine.type):
                    raise StateMachineAlreadyExists(
                        f"State Machine Already Exists: '{existing.arn}'"
                    )
                return existing, False
            pipe.multi()
            self.store.put_definition(pipe, machine.definition, data)
            pipe.hset(key, mapping=machine.fields())
            pipe.zadd(keys.NAMED_STATE_MACHINES, {machine.name: _epoch(machine.creation_date)})
            pipe.execute()
        return machine, True

    def get(self, name: str) -> StateMachine:
        raw = self.redis.hgetall(keys.state_machine(name))
        if not raw:
            raise StateMachineDoesNotExist(
                f"State Machine Does Not Exist: '{state_machine_arn(name)}'"
            )
        return StateMachine.load(raw)

    def definition(self, machine: StateMachine) -> Json:
        """The machine's current definition (read once per digest and process)."""
        data = self._definitions.get(machine.definition)
        if data is None:
            data = self.store.definition(machine.definition)
            if len(self._definitions) >= DEFINITIONS_KEPT:
                self._definitions.pop(next(iter(self._definitions)))
            self._definitions[machine.definition] = data
        return data

    def update(self, machine: StateMachine, data: Json | None) -> None:
        """Write the changed record (and the new definition `data`, when there is one)."""
        with self.redis.pipeline() as pipe:
            if data is not None:
                self.store.put_definition(pipe, machine.definition, data)
            pipe.hset(keys.state_machine(machine.name), mapping=machine.fields())
            pipe.execute()

    def delete(self, name: str) -> None:
        """Forget the name; its executions keep the definitions they pinned."""
        with self.redis.pipeline() as pipe:
            pipe.delete(keys.state_machine(name))
            pipe.zrem(keys.NAMED_STATE_MACHINES, name)
            pipe.execute()

    def names(self, start: int, count: int) -> list[str]:
        """Names by creation time, oldest first, from position `start`."""
        raw = self.redis.zrange(keys.NAMED_STATE_MACHINES, start, start + count - 1)
        return [name.decode() for name in raw]

    def many(self, names: list[str]) -> list[StateMachine]:
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(keys.state_machine(name))
            return [StateMachine.load(raw) for raw in pipe.execute() if raw]


def new_state_machine(
    name: str, digest: str, text: str, role_arn: str, type: str, now: datetime
) -> StateMachine:
    stamp = iso(now)
    return StateMachine(name, digest, text, role_arn, type, stamp, stamp, str(uuid.uuid4()))


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
