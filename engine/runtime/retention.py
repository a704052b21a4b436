"""Retention: a finished execution is deleted `SFN_RETENTION_DAYS` after its end (90, as AWS
keeps them; 0 keeps them forever; `RuntimeConfig.retention_days`), and `purge` deletes finished
executions now.

The execution's final commit sets an EXPIRE on every key it keeps (meta, history, root run,
done marker, kept redrive results, DISTRIBUTED iterations' histories and their list) and adds an
`expire` member to `timers`, due at the same moment. Sorted sets cannot expire their members, so
that timer removes the execution from the indexes (and deletes whatever is left); the pollers
already run, and a timer bounds the indexes even where nobody lists executions. A redrive
takes it all back (PERSIST, timer removed) in its own commit. Running executions are never
touched: expiry is only set by a final commit, and a purge is guarded by the status it read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import redis
from redis.client import Pipeline

from engine.errors import UsageError
from engine.runtime import keys
from engine.runtime.guarded import GuardedWrite
from engine.runtime.store import FINAL_STATUSES, ROOT, state_machine_of
from engine.runtime.timer_entries import RetentionExpiry, encode

DAY_SECONDS = 86_400
HISTORY_ENTRY = "h:"  # a `live` entry naming a DISTRIBUTED iteration whose history is kept


def expiry_member(execution: str) -> str:
    return encode(RetentionExpiry(execution))


def kept_keys(execution: str, runs: Iterable[str] = ()) -> list[str]:
    """Every key a finished execution keeps (`runs`: its DISTRIBUTED iterations' run ids)."""
    names = [keys.meta(execution), keys.history(execution), keys.run(execution, ROOT)]
    names += [keys.done(execution), keys.redrive_results(execution)]
    names += [keys.run_histories(execution), keys.children(execution)]
    return names + [keys.run_history(execution, run_id) for run_id in runs]


def track_run_history(pipe: Pipeline, execution: str, run_id: str) -> None:
    """A DISTRIBUTED iteration started: its history key is the execution's to keep and
    expire (`live` is read by the root's final commit, which the revision guards)."""
    pipe.hset(keys.live(execution), f"{HISTORY_ENTRY}{run_id}", 1)
    pipe.hincrby(keys.live(execution), "rev", 1)


def on_finish(
    pipe: Pipeline, execution: str, live: dict[str, str], now: datetime, days: float
) -> None:
    """In the final commit: list the iterations' histories, and set every kept key to expire
    `days` later (0: never), with the timer that will clear the indexes."""
    runs = [name[len(HISTORY_ENTRY) :] for name in live if name.startswith(HISTORY_ENTRY)]
    if runs:
        pipe.sadd(keys.run_histories(execution), *runs)
    if not days:
        return
    seconds = max(1, round(days * DAY_SECONDS))
    for name in kept_keys(execution, runs):
        pipe.expire(name, seconds)
    pipe.zadd(keys.TIMERS, {expiry_member(execution): now.timestamp() + seconds})


def on_redrive(pipe: Pipeline, execution: str, runs: Iterable[str]) -> None:
    """In a redrive's commit: the execution runs again, so nothing of it may expire."""
    runs = list(runs)
    for name in kept_keys(execution, runs):
        pipe.persist(name)
    for run_id in runs:  # listed again, so that the next end expires them too
        pipe.hset(keys.live(execution), f"{HISTORY_ENTRY}{run_id}", 1)
    pipe.zrem(keys.TIMERS, expiry_member(execution))


def match_expiry(client: redis.Redis, execution: str, runs: list[str]) -> None:
    """A redrive whose own commit ended the execution again expired what that end's read
    listed, not the histories of earlier iterations the redrive had just listed again: give
    them the execution's expiry."""
    seconds = client.ttl(keys.meta(execution))
    if runs and seconds > 0:
        with client.pipeline(transaction=False) as pipe:
            for run_id in runs:
                pipe.expire(keys.run_history(execution, run_id), seconds)
            pipe.execute()


def run_histories(client: redis.Redis, execution: str) -> list[str]:
    return sorted(member.decode() for member in client.smembers(keys.run_histories(execution)))


@dataclass(frozen=True)
class PurgeFilter:
    """Which finished executions a purge deletes: ended at least `older_than` seconds ago,
    in `status` (one of the final statuses), of `state_machine`; None: any."""

    older_than: float | None = None
    status: str | None = None
    state_machine: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in FINAL_STATUSES:
            raise UsageError(
                f"only finished executions can be purged ({', '.join(FINAL_STATUSES)}), "
                f"not {self.status}"
            )
        if self.older_than is not None and not self.older_than >= 0:
            raise UsageError(f"--older-than must be 0 or more (it is {self.older_than})")


def purge(client: redis.Redis, only: PurgeFilter, now: float | None = None) -> int:
    """Delete the finished executions `only` selects, now; return how many were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for status in [only.status] if only.status else FINAL_STATUSES:
        members = [m.decode() for m in client.zrange(keys.by_status(status), 0, -1)]
        if only.state_machine:
            members = [m for m in members if m.startswith(f"{only.state_machine}:")]
        for start in range(0, len(members), 500):
            batch = members[start : start + 500]
            deleted += _purge_batch(client, batch, status, only, now)
    return deleted


def _purge_batch(
    client: redis.Redis, executions: list[str], status: str, only: PurgeFilter, now: float
) -> int:
    with client.pipeline(transaction=False) as pipe:
        for execution in executions:
            pipe.hmget(keys.meta(execution), "status", "stopDate", "stateMachineName")
            pipe.smembers(keys.run_histories(execution))
        replies = pipe.execute()
    deleted = 0
    for position, execution in enumerate(executions):
        (found, stopped, machine), runs = replies[2 * position], replies[2 * position + 1]
        if found is None:
            _unindex(client, execution)  # expired already: only its index entries were left
            continue
        if found.decode() != status or not _old_enough(stopped, only.older_than, now):
            continue
        names = sorted(run.decode() for run in runs)
        deleted += _delete(client, execution, status, machine.decode(), names)
    return deleted


def _old_enough(stopped: bytes | None, older_than: float | None, now: float) -> bool:
    if older_than is None:
        return True
    if stopped is None:
        return False
    ended = datetime.fromisoformat(stopped.decode().replace("Z", "+00:00")).timestamp()
    return now - ended >= older_than


def _delete(client: redis.Redis, execution: str, status: str, machine: str, runs: list[str]) -> int:
    """Delete one finished execution, if it is still in `status` (a redrive may have won)."""
    write = GuardedWrite(client)
    write.field_is(keys.meta(execution), "status", status)
    write.pipe.unlink(*kept_keys(execution, runs), keys.live(execution))
    write.pipe.zrem(keys.EXECUTIONS, execution)
    write.pipe.zrem(keys.STOPPED, execution)
    write.pipe.zrem(keys.REDELIVERED, execution)
    write.pipe.zrem(keys.by_state_machine(machine), execution)
    write.pipe.zrem(keys.by_status(status), execution)
    write.pipe.zrem(keys.TIMERS, expiry_member(execution))
    return int(write.commit() is not None)


def _unindex(client: redis.Redis, execution: str) -> None:
    machine = state_machine_of(execution)
    with client.pipeline(transaction=False) as pipe:
        pipe.zrem(keys.EXECUTIONS, execution)
        pipe.zrem(keys.STOPPED, execution)
        pipe.zrem(keys.REDELIVERED, execution)
        pipe.zrem(keys.by_state_machine(machine), execution)
        for status in FINAL_STATUSES:
            pipe.zrem(keys.by_status(status), execution)
        pipe.unlink(*kept_keys(execution))
        pipe.execute()


def expired(client: redis.Redis, execution: str) -> None:
    """The `expire` timer fell due: delete what is left of the execution and its index
    entries (not if a redrive made it run again meanwhile)."""
    raw = client.hmget(keys.meta(execution), "status", "stateMachineName")
    status, machine = (value.decode() if value else None for value in raw)
    if status is None:
        _unindex(client, execution)
    elif status in FINAL_STATUSES:
        _delete(client, execution, status, machine or "", run_histories(client, execution))
