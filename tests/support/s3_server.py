"""A real local S3 endpoint for tests: moto's server over HTTP on 127.0.0.1, and the
environment boto3 (in this process and in the `sfn` processes it starts) finds it by."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


@contextmanager
def s3_endpoint() -> Iterator[dict[str, str]]:
    """Start the server; yield the environment pointing boto3 and sfn ($SFN_BUCKETS=s3) at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {
            "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "SFN_BUCKETS": "s3",
        }
    finally:
        server.stop()
