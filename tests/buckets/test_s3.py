"""S3 buckets ($SFN_BUCKETS=s3) through boto3 against a real local S3 endpoint (moto's server
over HTTP, found by boto3 through AWS_ENDPOINT_URL_S3 as a deployment would set it): the
readers stream S3 objects, a listing has AWS's item shape, the ResultWriter's files land in the
bucket, and S3's own error words reach the cause."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from support.s3_server import s3_endpoint

from engine import testing
from engine.buckets.s3 import S3Buckets
from engine.buckets.storage import BucketStorage
from engine.core.item_requests import ReadItems
from engine.errors import AslError
from engine.runtime import config


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    with s3_endpoint() as environment:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        config.forget()
        client = boto3.client("s3")
        client.create_bucket(Bucket="data")
        client.put_object(Bucket="data", Key="in/rows.csv", Body=b"id,amount\nA1,10\nA2,20\n")
        client.put_object(Bucket="data", Key="in/rows.jsonl", Body=b'{"n": 1}\n{"n": 2}\n')
        client.put_object(Bucket="data", Key="in/rows.json", Body=b'[{"n": 1}, {"n": 2.5}]')
        yield client


def _read(request: ReadItems) -> list:
    return list(BucketStorage(S3Buckets()).read_items(request))


def test_objects_are_read_in_every_format(s3) -> None:
    csv = ReadItems("getObject", "data", "in/rows.csv", input_type="CSV")
    assert _read(csv) == [{"id": "A1", "amount": "10"}, {"id": "A2", "amount": "20"}]
    jsonl = ReadItems("getObject", "data", "in/rows.jsonl", input_type="JSONL")
    assert _read(jsonl) == [{"n": 1}, {"n": 2}]
    array = ReadItems("getObject", "data", "in/rows.json", input_type="JSON")
    assert _read(array) == [{"n": 1}, {"n": 2.5}]


def test_a_listing_has_aws_item_shape(s3) -> None:
    items = _read(ReadItems("listObjectsV2", "data", prefix="in/rows.j"))
    assert [item["Key"] for item in items] == ["in/rows.json", "in/rows.jsonl"]
    assert sorted(items[0]) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert items[1]["Size"] == len(b'{"n": 1}\n{"n": 2}\n')
    assert isinstance(items[0]["LastModified"], int)


def test_a_missing_key_is_item_reader_failed_in_s3_words(s3) -> None:
    with pytest.raises(AslError) as raised:
        _read(ReadItems("getObject", "data", "nope.csv", input_type="CSV"))
    assert raised.value.error == "States.ItemReaderFailed"
    assert "NoSuchKey" in raised.value.cause


def test_a_map_reads_and_writes_s3_when_the_settings_say_so(s3) -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    each = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "CSV"},
            "Parameters": {"Bucket": "data", "Key": "in/rows.csv"},
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "data", "Prefix": "out"},
        },
        "ItemProcessor": processor,
        "End": True,
    }
    result = testing.run({"StartAt": "Each", "States": {"Each": each}}, {})
    assert result.status == "SUCCEEDED", result.cause
    key = result.output["ResultWriterDetails"]["Key"]
    manifest = json.loads(s3.get_object(Bucket="data", Key=key)["Body"].read())
    (succeeded,) = manifest["ResultFiles"]["SUCCEEDED"]
    records = json.loads(s3.get_object(Bucket="data", Key=succeeded["Key"])["Body"].read())
    assert [json.loads(r["Output"])["id"] for r in records] == ["A1", "A2"]


def test_an_unknown_bucket_source_is_refused() -> None:
    with pytest.raises(Exception, match=r"\$SFN_BUCKETS must be folder or s3"):
        config.from_env({"SFN_BUCKETS": "gcs"})
