"""A real `sfn serve` process on a free loopback port, for HTTP and browser tests."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from support.redis_process import free_port
from support.waiting import wait_until
from support.workers import process_env, sfn_command


class ServeProcess:
    """`sfn serve --port <free>` on `redis_url`: .url, .start(), .stop(), .output()."""

    def __init__(self, redis_url: str, log_dir: Path, *, args: tuple[str, ...] = (), env=None):
        self.redis_url = redis_url
        self.port = free_port()
        self.args = args
        self.env = env or {}
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, cwd: Path | None = None) -> ServeProcess:
        """Start the server and wait until it answers HTTP (any status)."""
        command = sfn_command(["serve", "--port", str(self.port), *self.args])
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=process_env(self.redis_url, self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._answers, timeout=30, what=f"sfn serve on port {self.port}")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"sfn serve exited with {self.process.returncode}:\n{self.output()}")
        try:
            with urllib.request.urlopen(f"{self.url}/static/sfn.css", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait()
