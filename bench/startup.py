"""Start-up times of the CLI: `sfn --help` and `sfn validate workflows/order.yaml`.

Each command runs `runs` times as a fresh process (the installed `sfn` script when on PATH);
the median and the fastest wall-clock times are reported.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "sfn --help": ["--help"],
    "sfn validate workflows/order.yaml": ["validate", "workflows/order.yaml"],
}


def sfn_argv() -> list[str]:
    script = shutil.which("sfn")
    return [script] if script else [sys.executable, "-c", "from engine.cli import main; main()"]


def time_command(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr!r}")
    return times


def measure(runs: int) -> dict[str, dict[str, float]]:
    """{command: {"median_ms", "min_ms"}} for each CLI command."""
    found = {}
    for label, args in COMMANDS.items():
        times = time_command([*sfn_argv(), *args], runs)
        found[label] = {"median_ms": median(times) * 1000, "min_ms": min(times) * 1000}
    return found
