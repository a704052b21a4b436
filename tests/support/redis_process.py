"""A real Redis-protocol server for tests: TCP on loopback, AOF on, in a folder of its own.

It uses the same binary discovery as the embedded server (`find_server_binary`), so tests run
against what users run.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
from pathlib import Path

import redis

from engine.runtime.connection import ping_state, probe_client
from engine.runtime.server import find_server_binary
from support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    """One server process: start, graceful restart keeping the data, SIGKILL."""

    def __init__(self, directory: Path, *, password: str | None = None):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server (no-op when running) and wait until it answers PING."""
        if self.running():
            return
        command = [find_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.dir), "--logfile", str(self.log), "--save", ""]
        command += ["--appendonly", "yes", "--appendfsync", "everysec"]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(command, start_new_session=True)
        wait_until(self._up_or_dead, timeout=30, what=f"redis on port {self.port}")
        if not self.running():
            raise RuntimeError(f"redis did not start:\n{self.log.read_text(errors='replace')}")

    def _up_or_dead(self) -> bool:
        return not self.running() or ping_state(self.url) == "up"

    def stop(self) -> None:
        """Graceful SHUTDOWN: the AOF is flushed, so nothing acknowledged is lost."""
        if not self.running():
            return
        with contextlib.suppress(redis.ConnectionError):
            probe_client(self.url, 30).shutdown()
        self._reap()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (writes of the last second may be lost)."""
        if self.running():
            self.process.send_signal(signal.SIGKILL)
        self._reap()

    def restart(self) -> None:
        """Stop gracefully (if running) and start again on the same port and data."""
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def _reap(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=30)
