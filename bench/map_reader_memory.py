"""Peak memory of a Distributed Map's ItemReader over JSON Lines of 10k, 100k and 1M items:
the reader streams, so the peak should not grow with the item count.

    python -m bench.map_reader_memory            # 10k, 100k, 1M lines
    python -m bench.map_reader_memory 10000      # given sizes

Each size runs in a fresh process (peak RSS is per process): it reads every item through
`BucketStorage.read_items`, as the core asks for them, and prints its peak RSS. The baseline
row is a process that imports the same modules and reads nothing.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (10_000, 100_000, 1_000_000)
LINE = '{"id": "order-%07d", "amount": %d, "customer": "c-%05d", "note": "about 90 bytes"}\n'


def _child(folder: str, lines: int) -> None:
    from engine.buckets.storage import BucketStorage
    from engine.core.item_requests import ReadItems

    started = time.perf_counter()
    count = 0
    if lines:
        request = ReadItems("getObject", "data", key=f"items-{lines}.jsonl", input_type="JSONL")
        for _item in BucketStorage(Path(folder)).read_items(request):
            count += 1
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"items": count, "peak_rss_mib": round(peak_kib / 1024, 1), "s": seconds}))


def _write(path: Path, lines: int) -> None:
    with path.open("w") as stream:
        for n in range(lines):
            stream.write(LINE % (n, n % 1000, n % 50_000))


def main(sizes: tuple[int, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").mkdir()
        print(f"{'items':>10}  {'file MiB':>9}  {'peak RSS MiB':>12}  {'read s':>7}")
        for lines in (0, *sizes):
            path = Path(folder) / "data" / f"items-{lines}.jsonl"
            if lines:
                _write(path, lines)
            size = path.stat().st_size / 2**20 if lines else 0.0
            code = f"from bench.map_reader_memory import _child; _child({folder!r}, {lines})"
            out = subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
            row = json.loads(out)
            assert row["items"] == lines, row
            label = "baseline" if not lines else f"{lines:,}"
            print(f"{label:>10}  {size:9.1f}  {row['peak_rss_mib']:12.1f}  {row['s']:7.2f}")


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
