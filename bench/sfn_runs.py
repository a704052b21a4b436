"""sfn's side: each workload in a fresh engine process, with the embedded worker or 2 workers.

Mode "embedded": the engine process runs an in-process worker (what `sfn run` does). Mode
"workers": two separate `sfn worker` processes do the work; the engine process only starts
executions and waits. With `"eager": false` in the spec every process of the measurement runs
with SFN_EAGER_TASKS=0, so every Task goes through the RQ queue. The database is flushed between
measurements, so each starts clean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis

from bench import census
from bench.redis_server import flush, used_memory
from bench.stats import proc_status_mib
from engine.runtime import config

Json = Any
ROOT = Path(__file__).resolve().parent.parent
ACTIVITIES = Path(__file__).resolve().parent / "activities.py"
SFN = [sys.executable, "-c", "from engine.cli import main; main()"]
READY_TIMEOUT = 60.0


class Workers:
    """`count` separate `sfn worker` processes on `url`, ready once RQ has registered them;
    `env` adds to (or overrides) the environment they inherit."""

    def __init__(self, url: str, count: int = 2, env: dict[str, str] | None = None):
        self.url = url
        environment = {**os.environ, "SFN_REDIS_URL": url, **(env or {})}
        argv = [*SFN, "worker", "--activities", str(ACTIVITIES), "--log-level", "WARNING"]
        self.processes = [self._start(argv, environment) for _ in range(count)]

    @staticmethod
    def _start(argv: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, client: redis.Redis) -> Workers:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._registered(client) >= {p.pid for p in self.processes}:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"sfn worker exited: {process.stderr.read().decode()}")
            if time.monotonic() > deadline:
                raise RuntimeError("sfn workers did not register in time")
            time.sleep(0.05)
        return self

    @staticmethod
    def _registered(client: redis.Redis) -> set[int]:
        pids = set()
        for key in client.smembers("rq:workers"):
            pid = client.hget(key, "pid")
            if pid is not None:
                pids.add(int(pid))
        return pids

    def rss(self, field: str = "VmHWM") -> list[float]:
        return [proc_status_mib(p.pid, field) or 0.0 for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def eager_env(spec: dict[str, Json]) -> dict[str, str]:
    """What a measurement adds to its processes' environment: SFN_EAGER_TASKS=0 when the spec
    says `"eager": false`, else nothing (they inherit this process's setting)."""
    return {} if spec.get("eager", True) else {config.ENV_EAGER: "0"}


def eager_tasks(env: dict[str, str]) -> int:
    """How many Tasks in a row a worker claims with `env` added (as the engine reads it)."""
    return config.from_env({**os.environ, **env}).eager_tasks


def engine_process(
    url: str, spec: dict[str, Json], env: dict[str, str] | None = None
) -> dict[str, Json]:
    """Run bench.sfn_child for `spec` (`env` added to its environment) and return its JSON
    result (it fails loudly)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.sfn_child", url, json.dumps(spec)],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"sfn {spec['workload']} ({spec['mode']}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(client: redis.Redis, url: str, spec: dict[str, Json]) -> dict[str, Json]:
    """One measurement on a clean database, with worker processes when the mode asks, and the
    census of what its executions left in Redis once they ended and the queues drained.

    `spec["warmup"]` executions (workers mode) run first, untimed, so that the workers' RSS
    growth is that of the measured executions, not of their first jobs' imports and caches;
    the census counts them too. The result says how many Tasks in a row a worker could claim
    (`eager_tasks`: 0 when the spec says `"eager": false`)."""
    flush(client)
    baseline = used_memory(client)
    executions = spec["reps"] * spec["executions"]
    env = eager_env(spec)
    if spec["mode"] == "embedded":
        result = engine_process(url, spec, env)
        result["census"] = census.take(client, executions, baseline)
        result["eager_tasks"] = eager_tasks(env)
        return result
    workers = Workers(url, env=env).wait_ready(client)
    try:
        if spec.get("warmup"):
            engine_process(url, {**spec, "executions": spec["warmup"], "reps": 1}, env)
            executions += spec["warmup"]
        before = workers.rss("VmRSS")
        result = engine_process(url, spec, env)
        result["worker_peak_rss_mib"] = max(workers.rss("VmHWM"))
        after = workers.rss("VmRSS")
        growth = [a - b for a, b in zip(after, before, strict=True)]
        result["worker_rss_growth_each_mib"] = growth
        result["worker_rss_growth_mib"] = max(growth)
        result["census"] = census.take(client, executions, baseline)
        result["eager_tasks"] = eager_tasks(env)
    finally:
        workers.stop()
    return result
