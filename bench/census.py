"""What an execution leaves in Redis once it has ended: keys by kind, and a wait for quiet.

Retention regressions (child runs, groups or tokens kept after the end) show up as keys per
finished execution, so every measurement counts them after its executions end and the queues
drain. Kinds: an execution's own keys by the part after its hash tag (`meta`, `history`,
`run (root)`, `run (child)`, `group`, `group:specs`...), `token`, `timers member (<kind>)`,
`rq:<kind>`, and sfn's shared keys (`definition`, indexes) by their prefix.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import redis

from bench.redis_server import used_memory
from engine.runtime import dispatch, keys
from engine.runtime.engine import Engine

QUIET_CHECKS = 3
POLL_SECONDS = 0.05
# RQ keys that exist once per job: left over, they are a per-execution leak like sfn's own.
# Every other `rq:` / `sfn:` kind is shared (queues, registries, workers, indexes, definitions).
PER_JOB = ("rq:job", "rq:results", "rq:executions")


def drain(client: redis.Redis, timeout: float = 600) -> float | None:
    """Wait (untimed) until every RQ queue is empty and no worker is busy, several polls in a
    row: join jobs of Map children can outlive their execution, and must neither slow the next
    measurement down nor escape its counts. Returns the seconds until the queues went quiet,
    None if they did not within `timeout`."""
    started = time.perf_counter()
    quiet_since = None
    quiet = 0
    while quiet < QUIET_CHECKS:
        if time.perf_counter() - started > timeout:
            return None
        if _idle(client):
            quiet += 1
            quiet_since = quiet_since or time.perf_counter()
        else:
            quiet, quiet_since = 0, None
        time.sleep(POLL_SECONDS)
    # Finished RQ jobs expire a moment after they end (dispatch.RESULT_TTL): not left over.
    time.sleep(dispatch.RESULT_TTL + POLL_SECONDS)
    return quiet_since - started


def _idle(client: redis.Redis) -> bool:
    if any(client.llen(queue) for queue in client.scan_iter("rq:queue:*", count=1000)):
        return False
    workers = client.smembers("rq:workers")
    return all(client.hget(worker, "state") != b"busy" for worker in workers)


def kind_of(key: str) -> str:
    """The kind a key counts under (see the module docstring)."""
    tag = f"{keys.PREFIX}:{{"
    if key.startswith(tag) and "}:" in key:
        rest = key.split("}:", 1)[1].split(":")
        if rest[0] == "run":
            return "run (root)" if rest[1] == "root" else "run (child)"
        if rest[0] == "group" and len(rest) > 2:
            return f"group:{rest[2]}"
        if rest[0] == "history" and len(rest) > 1:
            return "history (run)"
        return rest[0]
    if key.startswith(f"{keys.PREFIX}:token:"):
        return "token"
    if key.startswith("rq:"):
        return "rq:" + key.split(":")[1]
    parts = key.split(":")
    return ":".join(parts[:2]) if len(parts) > 1 else key


def count_keys(client: redis.Redis) -> dict[str, int]:
    """{kind: keys} for every key in the database (bench's own keys left out), plus the
    members of the timers set by their kind (job watches, timeouts, leases...)."""
    kinds: Counter[str] = Counter()
    for raw in client.scan_iter(count=1000):
        key = raw.decode()
        if not key.startswith("bench:"):
            kinds[kind_of(key)] += 1
    for member in client.zrange(keys.TIMERS, 0, -1):
        kinds[f"timers member ({_timer_kind(member)})"] += 1
    return dict(sorted(kinds.items()))


def _timer_kind(member: bytes) -> str:
    try:
        return str(json.loads(member).get("k", "?"))
    except (ValueError, AttributeError):
        return "?"


def is_shared(kind: str) -> bool:
    return kind.startswith(("sfn:", "rq:")) and kind not in PER_JOB


def per_execution(kinds: dict[str, int], executions: int) -> dict[str, float]:
    """Keys of each per-execution kind divided by the executions that ran."""
    return {kind: n / executions for kind, n in kinds.items() if not is_shared(kind)}


def take(client: redis.Redis, executions: int, baseline_bytes: int) -> dict[str, object]:
    """The census after `executions` ended: keys by kind, per execution, and Redis bytes, kept
    (before retention deletes them) and after a purge of every finished execution (what is
    left once the retention period has passed: shared keys only). Read what you need of the
    executions before taking it."""
    drain_seconds = drain(client)
    kinds = count_keys(client)
    kept = used_memory(client) - baseline_bytes
    purged = Engine(client=client).purge()
    left = used_memory(client) - baseline_bytes
    return {
        "executions": executions,
        "drained": drain_seconds is not None,
        "drain_seconds": drain_seconds,
        "keys": kinds,
        "keys_per_execution": sum(per_execution(kinds, executions).values()),
        "baseline_bytes": baseline_bytes,
        "redis_bytes": kept,
        "redis_bytes_per_execution": kept / executions,
        "purged": purged,
        "redis_bytes_after_purge": left,
        "redis_bytes_per_execution_after_purge": left / executions,
    }


def summary(kinds: dict[str, int], executions: int) -> str:
    """'meta 1, history 1, run (child) 1,000; shared: rq:workers 1' (per execution first)."""
    own = per_execution(kinds, executions)
    shared = {kind: n for kind, n in kinds.items() if is_shared(kind)}
    text = ", ".join(f"{kind} {_number(n)}" for kind, n in own.items()) or "none"
    if shared:
        text += "; shared: " + ", ".join(f"{kind} {n:,}" for kind, n in shared.items())
    return text


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
