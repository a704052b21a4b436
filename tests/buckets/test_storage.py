"""BucketStorage: items are read as a stream (the first ones come before the rest of the object
is read), its errors are AWS's States.ItemReaderFailed / States.ResultWriterFailed, and the
ResultWriter's files are laid out as AWS lays them out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.buckets.local import LocalBuckets
from engine.buckets.storage import BucketStorage
from engine.core.item_requests import ReadItems, WriteResults
from engine.errors import AslError


def test_jsonl_items_come_before_the_rest_of_the_object_is_read(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "k.jsonl").write_text('{"n": 1}\n{"n": 2}\nnot json\n')
    items = BucketStorage(LocalBuckets(tmp_path)).read_items(
        ReadItems("getObject", "b", "k.jsonl", input_type="JSONL")
    )
    assert [next(items), next(items)] == [{"n": 1}, {"n": 2}]
    with pytest.raises(AslError) as raised:
        next(items)
    assert raised.value.error == "States.ItemReaderFailed"
    assert "Could not read b/k.jsonl: line 3 is not JSON" in raised.value.cause


def test_a_json_array_is_read_item_by_item(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "k.json").write_text('[{"n": 1}, {"n": 2}, oops')
    items = BucketStorage(LocalBuckets(tmp_path)).read_items(
        ReadItems("getObject", "b", "k.json", input_type="JSON")
    )
    assert [next(items), next(items)] == [{"n": 1}, {"n": 2}]
    with pytest.raises(AslError, match="not valid JSON"):
        next(items)


def test_results_go_under_prefix_and_map_run_id_with_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    record = {"Name": "x-0", "Status": "SUCCEEDED", "Output": "1"}
    failed = {"Name": "x-1", "Status": "FAILED", "Error": "E", "Cause": "c"}
    request = WriteResults("out", "jobs/", "arn:...:mapRun:m/Map:x", "x", [record], [failed], [])
    key = BucketStorage(LocalBuckets(tmp_path)).write_results(request)
    assert key == "jobs/x/manifest.json"
    manifest = json.loads((tmp_path / "out" / key).read_text())
    succeeded_size = (tmp_path / "out" / "jobs/x/SUCCEEDED_0.json").stat().st_size
    failed_size = (tmp_path / "out" / "jobs/x/FAILED_0.json").stat().st_size
    assert manifest == {
        "DestinationBucket": "out",
        "MapRunArn": "arn:...:mapRun:m/Map:x",
        "ResultFiles": {
            "FAILED": [{"Key": "jobs/x/FAILED_0.json", "Size": failed_size}],
            "PENDING": [],
            "SUCCEEDED": [{"Key": "jobs/x/SUCCEEDED_0.json", "Size": succeeded_size}],
        },
    }
    assert json.loads((tmp_path / "out" / "jobs/x/FAILED_0.json").read_text()) == [failed]


def test_writing_to_a_missing_bucket_is_result_writer_failed(tmp_path: Path) -> None:
    request = WriteResults("none", "", "arn", "x", [], [], [])
    with pytest.raises(AslError) as raised:
        BucketStorage(LocalBuckets(tmp_path)).write_results(request)
    assert raised.value.error == "States.ResultWriterFailed"
    assert "bucket does not exist: none" in raised.value.cause
