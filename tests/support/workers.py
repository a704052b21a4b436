"""Real `sfn worker` and `sfn` processes for integration and crash tests.

A worker counts as ready once RQ has registered it in Redis (`rq:workers`, whose hashes carry
the pid), so tests wait for that event, never for a fixed time. Each process runs in a session
of its own, so SIGKILL reaches a worker pool's children too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import redis

from support.waiting import wait_until

SFN = [sys.executable, "-c", "from engine.cli import main; main(prog_name='sfn')"]


def sfn_command(args: Sequence[str]) -> list[str]:
    """The argv that runs `sfn ARGS` with this interpreter (no reliance on PATH)."""
    return [*SFN, *args]


def run_sfn(
    args: Sequence[str],
    *,
    redis_url: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `sfn ARGS` to completion and return its exit code and output."""
    return subprocess.run(
        sfn_command(args),
        cwd=cwd,
        env=process_env(redis_url, env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def process_env(redis_url: str | None, extra: dict[str, str] | None) -> dict[str, str]:
    environment = dict(os.environ)
    if redis_url is not None:
        environment["SFN_REDIS_URL"] = redis_url
    environment.update(extra or {})
    return environment


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    family = {pid}
    grew = True
    while grew:
        below = {child for child, parent in parents.items() if parent in family}
        grew = not below <= family
        family |= below
    return family


def registered_worker_pids(client: redis.Redis) -> set[int]:
    """Pids of the RQ workers registered in Redis."""
    pids = set()
    for key in client.smembers("rq:workers"):
        pid = client.hget(key, "pid")
        if pid is not None:
            pids.add(int(pid))
    return pids


class WorkerProcess:
    """One `sfn worker` process (possibly a pool of several RQ workers)."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, redis_url: str):
        self.process = process
        self.log = log
        self.redis_url = redis_url

    @property
    def pid(self) -> int:
        return self.process.pid

    def ready_workers(self) -> int:
        """How many RQ workers of this process (or its children) are registered."""
        client = redis.Redis.from_url(self.redis_url)
        try:
            return len(registered_worker_pids(client) & descendants(self.pid))
        finally:
            client.close()

    def wait_ready(self, workers: int = 1, timeout: float = 30) -> WorkerProcess:
        """Wait until `workers` RQ workers of this process are registered."""

        def ready_or_dead() -> bool:
            return self.process.poll() is not None or self.ready_workers() >= workers

        wait_until(ready_or_dead, timeout=timeout, what=f"worker {self.pid} to register")
        if self.process.poll() is not None:
            code = self.process.returncode
            raise RuntimeError(f"sfn worker exited with {code}:\n{self.output()}")
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its children, as a crash would."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM (RQ's warm shutdown), then SIGKILL if it has not exited in `timeout`."""
        self._signal_group(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


def start_worker(
    redis_url: str,
    log_dir: Path,
    *,
    activities: Sequence[str | Path] = (),
    queues: Sequence[str] = (),
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> WorkerProcess:
    """Start `sfn worker` against `redis_url` (not yet waited for: call `wait_ready`)."""
    argv = ["worker"]
    for spec in activities:
        argv += ["--activities", str(spec)]
    for queue in queues:
        argv += ["--queue", queue]
    argv += list(args)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"worker-{len(list(log_dir.glob('worker-*.log')))}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            sfn_command(argv),
            cwd=cwd,
            env=process_env(redis_url, env),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return WorkerProcess(process, log, redis_url)
