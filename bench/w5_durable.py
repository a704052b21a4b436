"""W5 on sfn (driver plus 2 `sfn worker`s) against the durable peer, DBOS Transact, alternating.

Each repetition runs every side once, in an order that rotates between repetitions: sfn, and
DBOS on SQLite (default rollback journal), on SQLite in WAL mode and, where PostgreSQL is
installed, on a throwaway PostgreSQL cluster. Each side runs `sequential` workflows one after
another (workflows/s over the batch; p50 of each one's start call -> result) and then
`concurrent` started at once (Task round trips/s: 3 per workflow). Every output is checked.
Each side's durability setting is read from its database and reported with its figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bench import dbos_peer, postgres, sfn_runs
from bench.stats import median, percentile

Json = Any
ROOT = Path(__file__).resolve().parent.parent
TASKS_PER_WORKFLOW = 3


@dataclass(frozen=True)
class Plan:
    reps: int
    sequential: int
    concurrent: int


def sides() -> list[str]:
    found = ["sfn"]
    if dbos_peer.installed():
        found += ["dbos-sqlite", "dbos-sqlite-wal"]
        if postgres.available():
            found.append("dbos-postgres")
    return found


def measure(client: redis.Redis, url: str, plan: Plan, progress: Any) -> dict[str, Json]:
    """Every side's figures: {"sides": {side: {...}}, "dbos_version" or "dbos_status"}."""
    names = sides()
    found: dict[str, Json] = {name: _empty() for name in names}
    pg = postgres.ThrowawayPostgres() if "dbos-postgres" in names else None
    with tempfile.TemporaryDirectory(prefix="sfn-bench-dbos-") as folder, pg or _Nothing():
        for rep in range(plan.reps):
            shift = rep % len(names)
            for name in names[shift:] + names[:shift]:
                if name == "sfn":
                    one = _sfn(client, url, plan)
                else:
                    database = _database(name, Path(folder), pg, rep)
                    one = _dbos(database, plan)
                _add(found[name], one)
                progress(
                    f"W5 durable peer {name}: {one['rate']:,.1f} workflows/s one after another, "
                    f"{one['at_once']:,.0f} Task round trips/s at once"
                )
    result: dict[str, Json] = {"sides": found, "plan": plan.__dict__}
    result["dbos_version"] = dbos_peer.dbos_version()
    if not dbos_peer.installed():
        result["dbos_status"] = "not installed"
    return result


def _empty() -> dict[str, Json]:
    return {"rates": [], "latencies": [], "at_once": [], "durability": None}


def _add(side: dict[str, Json], one: dict[str, Json]) -> None:
    side["rates"].append(one["rate"])
    side["latencies"] += one["latencies"]
    side["at_once"].append(one["at_once"])
    side["durability"] = one["durability"]


def _sfn(client: redis.Redis, url: str, plan: Plan) -> dict[str, Json]:
    spec = {"workload": "W5", "mode": "workers", "reps": 1, "concurrent": False}
    sequential = sfn_runs.measure(client, url, {**spec, "executions": plan.sequential})
    at_once = sfn_runs.measure(
        client, url, {**spec, "executions": plan.concurrent, "concurrent": True}
    )
    return {
        "rate": plan.sequential / sequential["seconds"][0],
        "latencies": sequential["round_trips"],
        "at_once": TASKS_PER_WORKFLOW * plan.concurrent / at_once["seconds"][0],
        "durability": redis_durability(client),
    }


def redis_durability(client: redis.Redis) -> str:
    config = client.config_get("appendonly") | client.config_get("appendfsync")
    return f"Redis appendonly={config['appendonly']}, appendfsync={config['appendfsync']}"


def _database(name: str, folder: Path, pg: postgres.ThrowawayPostgres | None, rep: int) -> str:
    if name == "dbos-postgres":
        assert pg is not None
        return pg.url(f"dbos_bench_{rep}")
    return dbos_peer.sqlite_url(str(folder / f"{name}-{rep}.sqlite"), wal=name.endswith("wal"))


def _dbos(database: str, plan: Plan) -> dict[str, Json]:
    spec = {"url": database, "sequential": plan.sequential, "concurrent": plan.concurrent}
    done = subprocess.run(
        [sys.executable, "-m", "bench.dbos_peer", json.dumps(spec)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"DBOS peer failed:\n{done.stderr[-4000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "rate": plan.sequential / found["sequential_seconds"],
        "latencies": found["latencies"],
        "at_once": TASKS_PER_WORKFLOW * plan.concurrent / found["concurrent_seconds"],
        "durability": f"DBOS {found['version']}: {found['durability']}",
    }


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def summary(side: dict[str, Json]) -> dict[str, float | None]:
    """A side's medians: workflows/s one after another, p50 ms, Task round trips/s at once."""
    p50 = percentile(side["latencies"], 0.5)
    return {
        "rate": median(side["rates"]),
        "p50_ms": None if p50 is None else p50 * 1000,
        "at_once": median(side["at_once"]),
    }


def main() -> None:
    """`python -m bench.w5_durable [--reps R] [--sequential N] [--concurrent M]`: this part of
    the bench alone, on its own Redis-protocol server."""
    import argparse

    from bench import table
    from bench.redis_server import BenchRedis

    parser = argparse.ArgumentParser(prog="python -m bench.w5_durable")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=300)
    options = parser.parse_args()
    plan = Plan(options.reps, options.sequential, options.concurrent)
    with BenchRedis() as server:
        found = measure(server.client(), server.url, plan, lambda m: print(m, file=sys.stderr))
    print("\n".join(table.durable_rows({"durable_peer": found})))


if __name__ == "__main__":
    main()
