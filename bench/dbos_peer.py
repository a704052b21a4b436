"""The durable peer: DBOS Transact (durable workflows as a Python library) running W5.

`python -m bench.dbos_peer SPEC_JSON` runs in a process of its own on a fresh database and
prints one JSON line. W5 is a workflow of 3 steps returning the same constants as W5's
activities; every result is checked against W5's expected output. Spec: {"backend", "url",
"sequential", "concurrent"}: `sequential` workflows one after another (each from
DBOS.start_workflow to its result), then `concurrent` started at once and waited for.

Backends: SQLite with its default rollback journal, SQLite in WAL mode (set on the file before
DBOS opens it; the mode stays with the file), PostgreSQL (a throwaway cluster, `bench.postgres`).
The result says how each commits (`durability`), read from the database itself.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sqlite3
import sys
import time
from typing import Any

from bench.stats import own_peak_rss_mib
from bench.workloads import BY_ID, check_output

Json = Any
BACKENDS = ("sqlite", "sqlite-wal", "postgres")
TIMEOUT_SECONDS = 600


def installed() -> bool:
    return importlib.util.find_spec("dbos") is not None


def dbos_version() -> str | None:
    if not installed():
        return None
    from importlib.metadata import version

    return version("dbos")


def sqlite_url(path: str, *, wal: bool) -> str:
    """A SQLite database file for DBOS; in WAL mode when asked (set once, kept by the file)."""
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    return f"sqlite:///{path}"


def durability(url: str) -> str:
    """How the database commits, as it reports it."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
        names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        return f"journal_mode={journal}, synchronous={names.get(synchronous, synchronous)}"
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        found = [
            f"{name}={connection.execute(sa.text(f'SHOW {name}')).scalar()}"
            for name in ("fsync", "synchronous_commit", "wal_sync_method")
        ]
    engine.dispose()
    return ", ".join(found)


def w5_workflow() -> Any:
    """Register W5 with DBOS: 3 steps, each adding its result to the order (as W5's
    ResultPaths do); returns the workflow function."""
    from dbos import DBOS

    @DBOS.step()
    def charge_customer(order: Json) -> Json:
        return {"charge_id": "ch_0001", "status": "charged"}

    @DBOS.step()
    def reserve_inventory(order: Json) -> Json:
        return {"reservation_id": "res_0001", "status": "reserved"}

    @DBOS.step()
    def send_confirmation(order: Json) -> Json:
        return {"message_id": "msg_0001", "status": "sent"}

    @DBOS.workflow()
    def w5(order: Json) -> Json:
        order = copy.deepcopy(order)
        order["charge"] = charge_customer(order)
        order["reservation"] = reserve_inventory(order)
        order["confirmation"] = send_confirmation(order)
        return order

    return w5


def measure(spec: dict[str, Json]) -> dict[str, Json]:
    from dbos import DBOS

    DBOS(config={"name": "bench", "system_database_url": spec["url"], "log_level": "WARNING"})
    workflow = w5_workflow()
    DBOS.launch()
    workload, payload = BY_ID["W5"], BY_ID["W5"].input()
    try:
        _run(workflow, workload, payload, 10)  # warm-up: first connections, first queries
        latencies = []
        began = time.perf_counter()
        for _ in range(spec["sequential"]):
            started = time.perf_counter()
            _check(workload, DBOS.start_workflow(workflow, payload).get_result())
            latencies.append(time.perf_counter() - started)
        sequential = time.perf_counter() - began
        began = time.perf_counter()
        _run(workflow, workload, payload, spec["concurrent"])
        concurrent = time.perf_counter() - began
    finally:
        DBOS.destroy()
    return {
        "version": dbos_version(),
        "durability": durability(spec["url"]),
        "latencies": latencies,
        "sequential_seconds": sequential,
        "concurrent_seconds": concurrent,
        "peak_rss_mib": own_peak_rss_mib(),
    }


def _run(workflow: Any, workload: Any, payload: Json, count: int) -> None:
    from dbos import DBOS

    handles = [DBOS.start_workflow(workflow, payload) for _ in range(count)]
    for handle in handles:
        _check(workload, handle.get_result())


def _check(workload: Any, output: Json) -> None:
    check_output("dbos", workload, output, workload.transitions)


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))), flush=True)
