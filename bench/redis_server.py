"""The benchmark's own Redis-protocol server: loopback TCP, a free port, AOF everysec, temp dir.

The binary is found exactly as sfn finds it (`engine.runtime.server.find_server_binary`), so the
figures are those of the server users run.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from engine.runtime.connection import ping_state, probe_client
from engine.runtime.server import find_server_binary

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BenchRedis:
    """One server process for one benchmark run; `with BenchRedis() as server:` starts and stops."""

    def __init__(self) -> None:
        self.binary = find_server_binary()
        self.dir = Path(tempfile.mkdtemp(prefix="sfn-bench-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> BenchRedis:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.dir), "--logfile", str(self.dir / "server.log")]
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"]
        self.process = subprocess.Popen(command, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while ping_state(self.url) != "up":
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.binary} did not start: {self.log_tail()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(redis.RedisError):
                probe_client(self.url, 30).shutdown(nosave=True)
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def version(self) -> str:
        info = self.client().info("server")
        name = "valkey" if "valkey_version" in info else "redis"
        return f"{name} {info.get('valkey_version') or info.get('redis_version')}"

    def log_tail(self) -> str:
        log = self.dir / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"

    def __enter__(self) -> BenchRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def flush(client: redis.Redis) -> None:
    """Empty the database now (FLUSHALL SYNC: a lazy flush would skew memory figures)."""
    client.execute_command("FLUSHALL", "SYNC")


def used_memory(client: redis.Redis) -> int:
    """Bytes of data the server holds (INFO memory's used_memory)."""
    return int(client.info("memory")["used_memory"])


def exec_calls(client: redis.Redis) -> int:
    """How many commits the server has run: MULTI/EXEC transactions and Lua calls (sfn
    commits with one EVALSHA each)."""
    stats = client.info("commandstats")
    names = ("cmdstat_exec", "cmdstat_evalsha", "cmdstat_eval")
    return sum(int((stats.get(name) or {}).get("calls", 0)) for name in names)
