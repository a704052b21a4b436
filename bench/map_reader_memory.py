"""Peak memory of a Distributed Map's ItemReader over 10k, 100k and 1M items in JSON Lines, CSV
and a JSON array: the readers stream, so the peak should not grow with the item count. The
last rows run a whole Distributed Map (in-memory driver, batches of 1,000 items) over the JSON
Lines: the Map holds every iteration's input, so its peak does grow.

    python -m bench.map_reader_memory            # 10k, 100k, 1M items
    python -m bench.map_reader_memory 10000      # given sizes

Each row runs in a fresh process (peak RSS is per process) that reads every item through
`BucketStorage.read_items`, as the core asks for them. The baseline row imports the same
modules and reads nothing.
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
MAP_SIZES = (10_000, 100_000)
FIELDS = '"id": "order-%07d", "amount": %d, "customer": "c-%05d", "note": "about 90 bytes"'
FORMATS = {"JSONL": "jsonl", "CSV": "csv", "JSON": "json"}


def _child(folder: str, input_type: str, lines: int, whole_map: bool) -> None:
    from engine.buckets.local import LocalBuckets
    from engine.buckets.storage import BucketStorage
    from engine.core.item_requests import ReadItems

    started = time.perf_counter()
    count = 0
    key = f"items-{lines}.{FORMATS[input_type]}"
    if whole_map:
        count = _run_map(folder, key)
    elif lines:
        request = ReadItems("getObject", "data", key=key, input_type=input_type)
        for _item in BucketStorage(LocalBuckets(Path(folder))).read_items(request):
            count += 1
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"items": count, "peak_rss_mib": round(peak_kib / 1024, 1), "s": seconds}))


def _run_map(folder: str, key: str) -> int:
    from engine import testing

    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.ArrayLength($.Items)"},
                "End": True,
            }
        },
    }
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Parameters": {"Bucket": "data", "Key": key},
    }
    each = {"Type": "Map", "ItemReader": reader, "ItemBatcher": {"MaxItemsPerBatch": 1000}}
    each.update(ItemProcessor=processor, End=True)
    result = testing.run({"StartAt": "Each", "States": {"Each": each}}, {}, buckets=folder)
    assert result.status == "SUCCEEDED", result.cause
    return sum(batch["n"] for batch in result.output)


def _write(folder: Path, lines: int) -> None:
    data = folder / "data"
    with (data / f"items-{lines}.jsonl").open("w") as stream:
        for n in range(lines):
            stream.write("{" + FIELDS % (n, n % 1000, n % 50_000) + "}\n")
    with (data / f"items-{lines}.csv").open("w") as stream:
        stream.write("id,amount,customer,note\n")
        for n in range(lines):
            stream.write(f"order-{n:07d},{n % 1000},c-{n % 50_000:05d},about 90 bytes\n")
    with (data / f"items-{lines}.json").open("w") as stream:
        stream.write("[")
        for n in range(lines):
            stream.write(("," if n else "") + "{" + FIELDS % (n, n % 1000, n % 50_000) + "}")
        stream.write("]")


def _measure(folder: str, input_type: str, lines: int, whole_map: bool = False) -> dict:
    code = (
        "from bench.map_reader_memory import _child; "
        f"_child({folder!r}, {input_type!r}, {lines}, {whole_map})"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    row = json.loads(out)
    assert row["items"] == lines, row
    return row


def main(sizes: tuple[int, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").mkdir()
        for lines in sizes:
            _write(Path(folder), lines)
        print(f"{'what':>22}  {'items':>10}  {'peak RSS MiB':>12}  {'s':>6}")
        base = _measure(folder, "JSONL", 0)
        print(f"{'baseline':>22}  {0:>10,}  {base['peak_rss_mib']:12.1f}  {base['s']:6.2f}")
        for input_type in FORMATS:
            for lines in sizes:
                row = _measure(folder, input_type, lines)
                label = f"{input_type} reader"
                print(f"{label:>22}  {lines:>10,}  {row['peak_rss_mib']:12.1f}  {row['s']:6.2f}")
        for lines in (size for size in sizes if size in MAP_SIZES):
            row = _measure(folder, "JSONL", lines, whole_map=True)
            label = "Map, batches of 1000"
            print(f"{label:>22}  {lines:>10,}  {row['peak_rss_mib']:12.1f}  {row['s']:6.2f}")


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
