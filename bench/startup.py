"""Start-up times of the CLI: `sfn --help`, `sfn validate`, and `sfn run` of a one-state
workflow in memory and durably (on a warm embedded server, which `sfn dev` keeps running).

Each command runs `runs` times as a fresh process (the installed `sfn` script when on PATH);
the median and the fastest wall-clock times are reported. A command imports only what its path
needs, so `sfn run --in-memory` loads no Redis, RQ, HTTP client or durable runtime.

Commands run with bytecode caches, as an installed sfn does (pip compiles it at install): in a
folder of their own (`PYTHONPYCACHEPREFIX`), written by one untimed run of each command, since
an environment with `PYTHONDONTWRITEBYTECODE` would otherwise compile every module at every
start. The baseline rows say what no sfn change can remove: the interpreter's start, and the
third-party modules each path needs (click; Redis and RQ for a durable run; jsonschema only for
a definition that fails the compiled schema check, and importlib.metadata only for one with a
Task state, or through redis-py).
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
# What no change to sfn removes: the interpreter, and the libraries each `sfn run` path imports.
BASELINES = {
    "python -c pass (interpreter start)": "pass",
    "python: import redis": "import redis",
    "python: import click (in-memory's libraries)": "import click",
    "python: import click, redis, rq.worker (durable's libraries)": (
        "import click, redis, rq.worker"
    ),
}
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
    """Wall-clock seconds of `runs` timed runs, after one untimed run (it writes the caches)."""
    subprocess.run(argv, cwd=cwd, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr!r}")
    return times


def measure(runs: int) -> dict[str, dict[str, float]]:
    """{command: {"median_ms", "min_ms"}} for each baseline and CLI command."""
    found = {}
    with tempfile.TemporaryDirectory(prefix="sfn-startup-") as folder:
        env = _cached_env(Path(folder) / "pycache")
        for label, code in BASELINES.items():
            found[label] = _times(time_command([sys.executable, "-c", code], runs, env=env))
        for label, args in COMMANDS.items():
            found[label] = _times(time_command([*sfn_argv(), *args], runs, env=env))
        work = Path(folder) / "work"
        work.mkdir()
        (work / PASS_FILE).write_text(ONE_STATE, encoding="utf-8")
        with _warm_server(work, env):
            for label, args in RUN_COMMANDS.items():
                times = time_command([*sfn_argv(), *args], runs, work, env)
                found[label] = _times(times)
    return found


def _cached_env(pycache: Path) -> dict[str, str]:
    """This environment, writing bytecode caches under `pycache`, with the embedded server
    (no SFN_REDIS_URL)."""
    drop = ("SFN_REDIS_URL", "PYTHONDONTWRITEBYTECODE")
    return {
        **{k: v for k, v in os.environ.items() if k not in drop},
        "PYTHONPYCACHEPREFIX": str(pycache),
    }


def _times(times: list[float]) -> dict[str, float]:
    return {"median_ms": median(times) * 1000, "min_ms": min(times) * 1000}


@contextmanager
def _warm_server(folder: Path, env: dict[str, str]) -> Iterator[None]:
    """`sfn dev` in `folder`: its embedded server stays up between the timed runs."""
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
