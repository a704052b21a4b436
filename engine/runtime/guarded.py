"""Guarded writes: a commit's commands, applied by one Lua call only if what it read still holds.

A step reads what it needs in one pipelined round trip, decides, and records its writes on a
redis-py transaction pipeline (so RQ's `enqueue_call(pipeline=)` records its commands there
too). `GuardedWrite.commit` then sends the guards and the recorded commands in one EVALSHA: the
script checks every guard (a hash field still has the value read, a run record still starts
with the version read, or is still absent) and runs the commands only if all hold. Two round
trips per commit, and a stale or concurrent writer never overwrites.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis
from redis.client import Pipeline

# Write commands name their keys in ARGV: standalone Redis allows it (sfn is not cluster-ready).
SCRIPT = """
local i = 2
for _ = 1, tonumber(ARGV[1]) do
  local kind, key, field, want = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  local holds
  if kind == 'h' then
    holds = (redis.call('HGET', key, field) or '') == want
  elseif want == '' then
    holds = redis.call('EXISTS', key) == 0
  else
    holds = redis.call('GETRANGE', key, 0, #want - 1) == want
  end
  if not holds then
    return false
  end
end
-- Each command comes after its argument count, negative when its reply is wanted back.
local replies = {}
while i <= #ARGV do
  local count = tonumber(ARGV[i])
  local reply = redis.call(unpack(ARGV, i + 1, i + math.abs(count)))
  if count < 0 then
    replies[#replies + 1] = reply or 0
  end
  i = i + math.abs(count) + 1
end
return replies
"""
SHA = hashlib.sha1(SCRIPT.encode()).hexdigest()
# Lua's unpack takes at most ~8,000 values: longer variadic commands are sent in pieces.
MAX_ARGS = 4000
# Command name -> (arguments before the repeated part, size of one repeated unit).
VARIADIC = {
    b"HSET": (2, 2),
    b"RPUSH": (2, 1),
    b"UNLINK": (1, 1),
    b"DEL": (1, 1),
    b"HDEL": (2, 1),
    b"SADD": (2, 1),
    b"SREM": (2, 1),
    b"ZREM": (2, 1),
}


class GuardedWrite:
    """Record writes on `pipe` (a transaction pipeline), add guards, then `commit`."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self.pipe: Pipeline = client.pipeline(transaction=True)
        self.pipe.multi()
        self._guards: list[Any] = []
        self._seen: set[Any] = set()
        self._wanted: set[int] = set()
        self._pushes: dict[str, list[str]] = {}
        self._puts: dict[str, dict[str, str]] = {}
        self._adds: dict[tuple[str, str], int] = {}

    def field_is(self, key: str, field: str, value: str | bytes | None) -> None:
        """Guard: the hash field still holds `value` (None: the field or hash is absent)."""
        self._guards += ["h", key, field, value or ""]

    def record_is(self, key: str, raw: bytes | None) -> None:
        """Guard: the string key still holds the run record read as `raw` (None: absent).

        A record starts with its version (`{"v":12,`), which every step changes; comparing that
        prefix is as exact as comparing the whole record. A record without one is compared
        whole."""
        self._guards += ["r", key, "", _version_prefix(raw) if raw else ""]

    def first(self, what: Any) -> bool:
        """True the first time `what` is asked about in this write (to write something once)."""
        if what in self._seen:
            return False
        self._seen.add(what)
        return True

    def mark(self) -> int:
        """The position of the next command recorded; `commit` returns its reply."""
        position = len(self.pipe.command_stack)
        self._wanted.add(position)
        return position

    # Merged writes: many children's events, results and counts in one batch become one command
    # per key, run after the recorded commands (for keys no recorded command of this write uses).

    def push(self, key: str, lines: list[str]) -> None:
        """RPUSH `lines` to the list `key`, after the lines pushed before in this write."""
        self._pushes.setdefault(key, []).extend(lines)

    def put(self, key: str, field: str, value: str) -> None:
        """HSET one field of the hash `key`."""
        self._puts.setdefault(key, {})[field] = value

    def add(self, key: str, field: str, amount: int) -> tuple[str, str]:
        """HINCRBY a hash field; `commit`'s replies give its new value under the returned key."""
        self._adds[key, field] = self._adds.get((key, field), 0) + amount
        return key, field

    def commit(self) -> dict[Any, Any] | None:
        """Apply the recorded commands if every guard holds and return the replies of the
        marked ones by position (a command sent in pieces gives its last piece's) and of the
        `add`s by their key; None if a guard failed (nothing was written)."""
        for key, lines in self._pushes.items():
            self.pipe.rpush(key, *lines)
        for key, mapping in self._puts.items():
            self.pipe.hset(key, mapping=mapping)
        added = {}
        for (key, field), amount in self._adds.items():
            added[self.mark()] = (key, field)
            self.pipe.hincrby(key, field, amount)
        args: list[Any] = [len(self._guards) // 4, *self._guards]
        wanted = []
        for position, (command, _options) in enumerate(self.pipe.command_stack):
            pieces = _pieces(command)
            for number, piece in enumerate(pieces, 1):
                keep = position in self._wanted and number == len(pieces)
                args += [-len(piece) if keep else len(piece), *piece]
            if position in self._wanted:
                wanted.append(position)
        self.pipe.reset()
        try:
            replies = self.client.evalsha(SHA, 0, *args)
        except redis.exceptions.NoScriptError:
            self.client.script_load(SCRIPT)
            replies = self.client.evalsha(SHA, 0, *args)
        if replies is None:
            return None
        found = dict(zip(wanted, replies, strict=True))
        found.update({handle: found[position] for position, handle in added.items()})
        return found


def _version_prefix(raw: bytes) -> bytes:
    if raw.startswith(b'{"v":'):
        return raw[: raw.index(b",") + 1]
    return raw


def _pieces(command: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if len(command) <= MAX_ARGS:
        return [command]
    name = command[0].encode() if isinstance(command[0], str) else command[0]
    shape = VARIADIC.get(name.upper())
    if shape is None:
        raise ValueError(f"{name.decode()} with {len(command)} arguments is too long to commit")
    head, unit = shape
    step = (MAX_ARGS - head) // unit * unit
    return [command[:head] + command[at : at + step] for at in range(head, len(command), step)]
