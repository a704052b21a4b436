"""An ItemReader's formats, each a generator over a stream, so that memory does not grow with
the number of items: a JSON array (ijson), JSON Lines, CSV (values stay strings, as AWS gives
them), and an object listing shaped as AWS's ListObjectsV2 items."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO, Any

import ijson

from engine.buckets.local import StoredObject

Json = Any


class ReadError(Exception):
    """A malformed object: the message says where (line or item) and what."""


def json_array_items(stream: IO[bytes]) -> Iterator[Json]:
    """The items of a JSON array, one at a time, in one pass over the stream (numbers as int
    or float, as `json` gives them)."""
    try:
        events = ijson.parse(stream, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_array":
            raise ReadError("the object does not hold a JSON array")
        yield from ijson.items(chain([first], events), "item")
    except ijson.JSONError as error:
        raise ReadError(f"the object is not valid JSON: {error}") from None


def jsonl_items(lines: Iterable[str]) -> Iterator[Json]:
    """One item per non-empty line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError as error:
            raise ReadError(f"line {number} is not JSON: {error.args[0]}") from None


def csv_items(
    lines: Iterable[str], headers: tuple[str, ...] | None, delimiter: str
) -> Iterator[Json]:
    """One object per row, keyed by the header row (or the given headers); every value a
    string. A row longer than the headers is an error, a shorter one gets empty strings."""
    rows = csv.reader(lines, delimiter=delimiter)
    if headers is None:
        headers = tuple(next(rows, ()))
        if not headers:
            return
    for row in rows:
        if not row:
            continue
        if len(row) > len(headers):
            raise ReadError(
                f"line {rows.line_num} has {len(row)} fields, more than the {len(headers)} headers"
            )
        yield dict(zip(headers, row + [""] * (len(headers) - len(row)), strict=True))


def listing_items(objects: Iterable[StoredObject]) -> Iterator[Json]:
    """AWS's item per object of a ListObjectsV2 reader (Etag, Key, LastModified in epoch
    seconds, Size, StorageClass)."""
    for stored in objects:
        yield {
            "Etag": stored.etag,
            "Key": stored.key,
            "LastModified": stored.last_modified,
            "Size": stored.size,
            "StorageClass": "STANDARD",
        }
