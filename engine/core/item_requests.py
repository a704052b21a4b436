"""What a Distributed Map asks of its buckets: read the items (ItemReader), write the results
(ResultWriter). The core builds these records and decides; the shell's `MapStorage` does the
I/O (a local folder per bucket by default), so the core never touches a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

Json = Any

# AWS's error names for a Map Run that cannot read its items or write its results.
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"


@dataclass(frozen=True)
class ReadItems:
    """An ItemReader request, resolved: `action` is `getObject` (the object `key`, parsed as
    `input_type`) or `listObjectsV2` (the objects under `prefix`). `csv_headers` None: the
    first row holds them. `max_items` None: all items."""

    action: str
    bucket: str
    key: str | None = None
    prefix: str = ""
    input_type: str | None = None
    csv_headers: tuple[str, ...] | None = None
    csv_delimiter: str = ","
    max_items: int | None = None


@dataclass(frozen=True)
class WriteResults:
    """A ResultWriter request: AWS's result files and manifest.json under
    `<prefix>/<map_run_id>/` of `bucket`. Entries are AWS's per-execution records."""

    bucket: str
    prefix: str
    map_run_arn: str
    map_run_id: str
    succeeded: list[Json]
    failed: list[Json]
    pending: list[Json]


class MapStorage(Protocol):
    """The shell's buckets. Failures raise `AslError` with `ITEM_READER_FAILED` or
    `RESULT_WRITER_FAILED` and AWS-like causes."""

    def read_items(self, request: ReadItems) -> Iterator[Json]: ...

    def write_results(self, request: WriteResults) -> str:
        """Write the files; return the manifest's key."""
        ...
