"""Real S3 (or an S3-compatible endpoint) for a Distributed Map, with boto3 (`pip install
'sfn[s3]'`): objects read as streams, listings page by page. Credentials, region and endpoint
come from boto3's own chain (AWS_PROFILE, AWS_ENDPOINT_URL_S3...), never from a definition."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import IO, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from engine.buckets.local import BucketError, StoredObject


class S3Buckets:
    """Buckets of S3 through one boto3 client."""

    def __init__(self, client: Any = None) -> None:
        self.client = client or boto3.client("s3")

    def open_binary(self, bucket: str, key: str) -> IO[bytes]:
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as error:
            raise BucketError(f"{bucket}/{key}: {_message(error)}") from None

    def open_text(self, bucket: str, key: str) -> Iterable[str]:
        """The object's lines, decoded as they arrive (UTF-8, a byte-order mark skipped)."""
        return codecs.getreader("utf-8-sig")(self.open_binary(bucket, key))

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    modified = int(entry["LastModified"].timestamp())
                    yield StoredObject(entry["Key"], entry["Size"], entry["ETag"], modified)
        except (ClientError, BotoCoreError) as error:
            raise BucketError(f"{bucket}/{prefix}*: {_message(error)}") from None

    def put(self, bucket: str, key: str, body: bytes) -> None:
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=body)
        except (ClientError, BotoCoreError) as error:
            raise BucketError(f"{bucket}/{key}: {_message(error)}") from None


def _message(error: Exception) -> str:
    """S3's own words (`NoSuchKey: The specified key does not exist.`), else boto's."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    return str(error)
