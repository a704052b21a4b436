"""Start-up times of the CLI: `sfn --help`, `sfn validate`, and `sfn run` of a one-state
workflow in memory and durably (on a warm embedded server, which `sfn dev` keeps running).

Each command runs `runs` times as a fresh process (the installed `sfn` script when on PATH);
the median and the fastest wall-clock times are reported. A command imports only what its path
needs, so `sfn run --in-memory` loads no Redis, RQ or durable runtime.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
ONE_STATE = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'
PASS_FILE = "pass.json"
COMMANDS = {
    "sfn --help": ["--help"],
    "sfn validate workflows/order.yaml": ["validate", "workflows/order.yaml"],
}
# Run in a folder of their own holding PASS_FILE (and, durable, a warm embedded server).
RUN_COMMANDS = {
    "sfn run pass.json --in-memory (one Pass state)": ["run", PASS_FILE, "--in-memory"],
    "sfn run pass.json, durable, warm embedded server": ["run", PASS_FILE],
}


def sfn_argv() -> list[str]:
    script = shutil.which("sfn")
    return [script] if script else [sys.executable, "-c", "from engine.cli import main; main()"]


def time_command(
    argv: list[str], runs: int, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr!r}")
    return times


def measure(runs: int) -> dict[str, dict[str, float]]:
    """{command: {"median_ms", "min_ms"}} for each CLI command."""
    found = {}
    for label, args in COMMANDS.items():
        found[label] = _times(time_command([*sfn_argv(), *args], runs))
    with tempfile.TemporaryDirectory(prefix="sfn-startup-") as folder, _warm_server(Path(folder)):
        env = {k: v for k, v in os.environ.items() if k != "SFN_REDIS_URL"}  # the embedded one
        (Path(folder) / PASS_FILE).write_text(ONE_STATE, encoding="utf-8")
        for label, args in RUN_COMMANDS.items():
            times = time_command([*sfn_argv(), *args], runs, Path(folder), env)
            found[label] = _times(times)
    return found


def _times(times: list[float]) -> dict[str, float]:
    return {"median_ms": median(times) * 1000, "min_ms": min(times) * 1000}


@contextmanager
def _warm_server(folder: Path) -> Iterator[None]:
    """`sfn dev` in `folder`: its embedded server stays up between the timed runs."""
    env = {k: v for k, v in os.environ.items() if k != "SFN_REDIS_URL"}
    argv = [*sfn_argv(), "dev", "--ui-port", "0"]
    dev = subprocess.Popen(argv, cwd=folder, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert dev.stdout is not None
        dev.stdout.readline()  # it prints its URL once the server answers
        subprocess.run([*sfn_argv(), "dev", "--status"], cwd=folder, env=env, check=True)
        yield
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=60)
