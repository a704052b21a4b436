"""The AWS JSON 1.0 wire protocol: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`,
a JSON object in and out (`application/x-amz-json-1.0`), errors as `{"__type", "message"}`.

Auth: without access keys (a loopback server) any request is accepted, signed or not, as Step
Functions Local does; given keys ($SFN_SERVE_ACCESS_KEYS), every request must be SigV4-signed
with one (`sigv4.py`). A signature or secret is never logged or echoed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.awsapi import sigv4
from engine.awsapi.errors import AwsError, validation
from engine.awsapi.operations import OPERATIONS, Operation
from engine.errors import SfnError
from engine.runtime.engine import Engine

Json = Any
CONTENT_TYPE = "application/x-amz-json-1.0"
SERVICE = "AWSStepFunctions"


def routes(engine: Engine, access_keys: Mapping[str, str] | None = None) -> list[BaseRoute]:
    """`POST /`; with `access_keys`, only requests SigV4-signed with one of them are served."""

    async def endpoint(request: Request) -> Response:
        try:
            raw = await request.body()
            if access_keys:
                _verify(request, raw, access_keys)
            operation = _operation(request.headers.get("x-amz-target", ""))
            body = _body(raw, operation)
            result = await run_in_threadpool(operation.handler, engine, body)
        except AwsError as error:
            return _response(error.body(), error.status)
        except SfnError as error:
            # Anything sfn raises that the handler did not translate: sfn's own failure.
            failure = AwsError("ServiceUnavailable", str(error).splitlines()[0], 500)
            return _response(failure.body(), failure.status)
        return _response(result, 200)

    return [Route("/", endpoint, methods=["POST"])]


def _verify(request: Request, raw: bytes, access_keys: Mapping[str, str]) -> None:
    headers = {name.lower(): value for name, value in request.headers.items()}
    path, query = request.url.path, request.url.query
    sigv4.verify(request.method, path, query, headers, raw, access_keys, datetime.now(UTC))


def call(engine: Engine, target: str, body: dict[str, Json]) -> dict[str, Json]:
    """One operation without HTTP (what the endpoint runs): for tests and the bench."""
    operation = _operation(f"{SERVICE}.{target}")
    return operation.handler(engine, _body(json.dumps(body).encode(), operation))


def _operation(target: str) -> Operation:
    service, _, name = target.partition(".")
    operation = OPERATIONS.get(name) if service == SERVICE else None
    if operation is None:
        raise AwsError("UnknownOperationException", f"Unknown operation: '{target[:100]}'")
    return operation


def _body(raw: bytes, operation: Operation) -> dict[str, Json]:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise AwsError("SerializationException", "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "The request body must be a JSON object")
    unknown = sorted(set(body) - operation.members)
    if unknown:
        raise validation(f"Unknown or unsupported members: {', '.join(unknown)}")
    return body


def _response(body: dict[str, Json], status: int) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text, status, headers=headers, media_type=CONTENT_TYPE)
