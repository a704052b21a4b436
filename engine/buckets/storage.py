"""The shell's `MapStorage` over local-folder buckets: reads an ItemReader's items as a stream
and writes a ResultWriter's files as AWS lays them out (manifest.json, SUCCEEDED_n.json,
FAILED_n.json, PENDING_n.json under `<Prefix>/<Map Run id>/`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from engine.buckets.local import BucketError, Buckets, LocalBuckets
from engine.core.item_requests import (
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    ReadItems,
    WriteResults,
)
from engine.errors import AslError

Json = Any
INPUT_TYPES = ("JSON", "JSONL", "CSV")


class BucketStorage:
    """Distributed Map I/O over `buckets`: a local folder (`LocalBuckets`) or S3."""

    def __init__(self, buckets: Buckets) -> None:
        self.buckets = buckets

    @classmethod
    def of(cls, source: str, folder: str | Path) -> BucketStorage:
        """RuntimeConfig's buckets: `source` "folder" (buckets under `folder`) or "s3"."""
        if source == "s3":
            from engine.buckets.s3 import S3Buckets  # boto3, an optional extra: only if used

            return cls(S3Buckets())
        return cls(LocalBuckets(Path(folder)))

    # The readers (ijson, csv) are imported by the first read: most runs have no ItemReader.

    def read_items(self, request: ReadItems) -> Iterator[Json]:
        from engine.buckets.readers import ReadError

        try:
            yield from self._items(request)
        except (BucketError, ReadError) as error:
            where = request.key if request.key is not None else f"{request.prefix}*"
            cause = f"Could not read {request.bucket}/{where}: {error}"
            raise AslError(ITEM_READER_FAILED, cause) from None

    def _items(self, request: ReadItems) -> Iterator[Json]:
        from engine.buckets.readers import (
            ReadError,
            csv_items,
            json_array_items,
            jsonl_items,
            listing_items,
        )

        buckets = self.buckets
        if request.action == "listObjectsV2":
            yield from listing_items(buckets.list_objects(request.bucket, request.prefix))
            return
        key = request.key or ""
        if request.input_type == "JSON":
            with closing(buckets.open_binary(request.bucket, key)) as stream:
                yield from json_array_items(stream)
        elif request.input_type == "JSONL":
            with closing(buckets.open_text(request.bucket, key)) as lines:
                yield from jsonl_items(lines)
        elif request.input_type == "CSV":
            with closing(buckets.open_text(request.bucket, key)) as lines:
                yield from csv_items(lines, request.csv_headers, request.csv_delimiter)
        else:
            raise ReadError(f"sfn does not read InputType {request.input_type}")

    def write_results(self, request: WriteResults) -> str:
        folder = "/".join(part for part in (request.prefix.strip("/"), request.map_run_id) if part)
        files: dict[str, list[Json]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        try:
            for status, records in (
                ("SUCCEEDED", request.succeeded),
                ("FAILED", request.failed),
                ("PENDING", request.pending),
            ):
                if records:
                    key = f"{folder}/{status}_0.json"
                    body = json.dumps(records, ensure_ascii=False).encode("utf-8")
                    self.buckets.put(request.bucket, key, body)
                    files[status].append({"Key": key, "Size": len(body)})
            manifest = {
                "DestinationBucket": request.bucket,
                "MapRunArn": request.map_run_arn,
                "ResultFiles": files,
            }
            key = f"{folder}/manifest.json"
            self.buckets.put(request.bucket, key, json.dumps(manifest, indent=2).encode("utf-8"))
        except (BucketError, OSError) as error:
            raise AslError(RESULT_WRITER_FAILED, f"Could not write the results: {error}") from None
        return key
