"""Small statistics and process measurements: medians, percentiles, peak and current RSS."""

from __future__ import annotations

import resource
import statistics
from collections.abc import Sequence
from pathlib import Path

MIB = 1024 * 1024


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (`fraction` in 0..1) of `values`."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def own_peak_rss_mib() -> float:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mib(pid: int, field: str) -> float | None:
    """A memory line of /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current), in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None
