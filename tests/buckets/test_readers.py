"""The ItemReader formats against AWS's documented item shapes: a JSON array's items, one item
per JSON Lines line, CSV rows as objects of strings keyed by the header row or the given
headers, and ListObjectsV2 items (Etag, Key, LastModified, Size, StorageClass)."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from engine.buckets.local import BucketError, LocalBuckets
from engine.buckets.readers import (
    ReadError,
    csv_items,
    json_array_items,
    jsonl_items,
    listing_items,
)


def test_a_json_array_gives_its_items_with_json_number_kinds() -> None:
    stream = io.BytesIO(b'[{"a": 1}, 2.5, "x", [true, null]]')
    assert list(json_array_items(stream)) == [{"a": 1}, 2.5, "x", [True, None]]


@pytest.mark.parametrize(
    ("body", "message"),
    [(b'{"a": 1}', "does not hold a JSON array"), (b"[1, 2", "not valid JSON")],
)
def test_a_json_object_that_is_no_array_is_an_error(body: bytes, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        list(json_array_items(io.BytesIO(body)))


def test_json_lines_give_one_item_per_line_and_name_a_bad_line() -> None:
    assert list(jsonl_items(['{"a": 1}\n', "\n", "[2]\n"])) == [{"a": 1}, [2]]
    with pytest.raises(ReadError, match="line 2 is not JSON"):
        list(jsonl_items(['{"a": 1}\n', "{oops\n"]))


def test_csv_rows_are_objects_of_strings_keyed_by_the_first_row() -> None:
    lines = io.StringIO('id,amount,note\n1,10.5,"a, b"\n2,20,\n')
    assert list(csv_items(lines, None, ",")) == [
        {"id": "1", "amount": "10.5", "note": "a, b"},
        {"id": "2", "amount": "20", "note": ""},
    ]


def test_csv_given_headers_read_every_row_as_data_with_the_delimiter() -> None:
    lines = io.StringIO("1|x\n2|y\n")
    assert list(csv_items(lines, ("id", "name"), "|")) == [
        {"id": "1", "name": "x"},
        {"id": "2", "name": "y"},
    ]


def test_a_csv_row_longer_than_the_headers_is_an_error_with_its_line() -> None:
    with pytest.raises(ReadError, match="line 3 has 3 fields, more than the 2 headers"):
        list(csv_items(io.StringIO("a,b\n1,2\n1,2,3\n"), None, ","))


def test_a_listing_gives_aws_list_objects_v2_items_in_key_order(tmp_path: Path) -> None:
    bucket = tmp_path / "photos"
    (bucket / "2024").mkdir(parents=True)
    (bucket / "2024" / "b.jpg").write_bytes(b"bb")
    (bucket / "2024" / "a.jpg").write_bytes(b"a")
    (bucket / "other.txt").write_bytes(b"o")
    os.utime(bucket / "2024" / "a.jpg", (1_700_000_000, 1_700_000_000))
    items = list(listing_items(LocalBuckets(tmp_path).list_objects("photos", "2024/")))
    assert [item["Key"] for item in items] == ["2024/a.jpg", "2024/b.jpg"]
    assert items[0] == {
        "Etag": f'"{hashlib.md5(b"a").hexdigest()}"',
        "Key": "2024/a.jpg",
        "LastModified": 1_700_000_000,
        "Size": 1,
        "StorageClass": "STANDARD",
    }


@pytest.mark.parametrize(
    ("bucket", "key", "message"),
    [
        ("nope", "k", "bucket does not exist: nope"),
        ("b", "../secret", "not an object key"),
        ("b", "/etc/passwd", "not an object key"),
        ("..", "k", "not a bucket name"),
        ("b", "missing.csv", "key does not exist: b/missing.csv"),
    ],
)
def test_objects_outside_a_bucket_or_missing_are_errors(
    tmp_path: Path, bucket: str, key: str, message: str
) -> None:
    (tmp_path / "b").mkdir()
    with pytest.raises(BucketError, match=message):
        LocalBuckets(tmp_path).open_text(bucket, key)
