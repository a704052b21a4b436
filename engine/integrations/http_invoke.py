"""`arn:aws:states:::http:invoke`: a real HTTP request from the Task's Parameters (ApiEndpoint,
Method, Headers, QueryParameters, RequestBody, Transform), with AWS's result (`StatusCode`,
`StatusText`, `Headers`, `ResponseBody`) and errors: `States.Http.StatusCode.NNN` for a
response outside 2xx, `States.Http.Socket` when no response comes (refused, unreachable,
timed out). `Authentication.ConnectionArn` takes its credentials from the connections file
(`engine.integrations.connections`), never from the definition.

The standard library's urllib does the request: one request per Task needs no pool or async,
sfn gains no dependency, and a worker does not import a client it may never use.
"""

from __future__ import annotations

import functools
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from email.message import Message

from engine.activities import ActivityContext
from engine.definition.integration_fields import HTTP, unknown_field
from engine.definition.resources import ResourceKind
from engine.errors import SfnError, UsageError
from engine.integrations import connections
from engine.integrations.base import Children, Json, Registered, Runner, TaskFailure
from engine.integrations.settings import IntegrationSettings

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
SOCKET = "States.Http.Socket"


class HttpInvoke:
    def activity(self, kind: ResourceKind, task_input: Json) -> str | None:
        return None

    def runner(
        self,
        kind: ResourceKind,
        task_input: Json,
        registered: Registered,
        children: Children | None,
        settings: IntegrationSettings,
    ) -> Runner:
        return functools.partial(call, settings=settings)

    def problem(
        self, kind: ResourceKind, state: Mapping[str, Json], registered: Registered
    ) -> SfnError | None:
        arguments = state.get("Parameters") or state.get("Arguments")
        _, unknown = unknown_field(HTTP, arguments) if isinstance(arguments, dict) else ((), "")
        return UsageError(unknown) if unknown else None


def call(task_input: Json, context: ActivityContext, settings: IntegrationSettings) -> Json:
    """Make the request the Parameters describe and return AWS's HTTP Task result."""
    request = build_request(task_input, settings)
    timeout = settings.http_timeout_seconds
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return result(response.status, response.reason, response.headers, response.read())
    except urllib.error.HTTPError as error:
        outcome = result(error.code, error.reason, error.headers, error.read())
        raise TaskFailure(f"States.Http.StatusCode.{error.code}", json.dumps(outcome)) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, socket.timeout | TimeoutError):
            reason = f"the endpoint did not answer within {timeout:g} seconds"
        cause = f"{request.get_method()} {request.full_url}: {reason}"
        raise TaskFailure(SOCKET, cause) from None


def build_request(parameters: Json, settings: IntegrationSettings) -> urllib.request.Request:
    """The urllib request for an HTTP Task's Parameters; TaskFailure(States.Runtime) if bad."""
    if not isinstance(parameters, dict):
        raise TaskFailure("States.Runtime", "the Parameters of an HTTP Task must be an object")
    _, unknown = unknown_field(HTTP, parameters)
    if unknown:
        raise TaskFailure("States.Runtime", unknown)
    endpoint, method = parameters.get("ApiEndpoint"), parameters.get("Method")
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise TaskFailure("States.Runtime", f"ApiEndpoint {endpoint!r} is not an http(s) URL")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise TaskFailure("States.Runtime", f"Method {method!r} is not one of {', '.join(METHODS)}")
    headers = {str(k): str(v) for k, v in (parameters.get("Headers") or {}).items()}
    query = dict(parameters.get("QueryParameters") or {})
    body_fields: dict[str, Json] = {}
    auth = parameters.get("Authentication") or {}
    if auth.get("ConnectionArn"):
        extra = connections.for_arn(auth["ConnectionArn"], settings)
        headers.update(extra.headers)
        query.update(extra.query)
        body_fields = extra.body
    url = endpoint
    if query:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query, doseq=True)
    data = _body(parameters, headers, body_fields)
    return urllib.request.Request(url, data=data, headers=headers, method=method.upper())


def _body(parameters: Json, headers: dict[str, str], extra: dict[str, Json]) -> bytes | None:
    body = parameters.get("RequestBody")
    if body is None and not extra:
        return None
    if isinstance(body, dict) and extra:
        body = {**extra, **body}
    transform = parameters.get("Transform") or {}
    if transform.get("RequestBodyEncoding") == "URL_ENCODED" and isinstance(body, dict):
        style = (transform.get("RequestEncodingOptions") or {}).get("ArrayFormat", "INDICES")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return url_encoded(body, style).encode()
    if isinstance(body, str):
        headers.setdefault("Content-Type", "text/plain; charset=UTF-8")
        return body.encode()
    headers.setdefault("Content-Type", "application/json; charset=UTF-8")
    return json.dumps(body, separators=(",", ":")).encode()


def url_encoded(body: Mapping[str, Json], style: str) -> str:
    """A form body with arrays written as AWS's ArrayFormat says (INDICES by default)."""
    pairs: list[tuple[str, str]] = []
    for key, value in body.items():
        if not isinstance(value, list):
            pairs.append((key, _text(value)))
        elif style == "COMMAS":
            pairs.append((key, ",".join(_text(item) for item in value)))
        elif style == "REPEAT":
            pairs.extend((key, _text(item)) for item in value)
        elif style == "BRACKETS":
            pairs.extend((f"{key}[]", _text(item)) for item in value)
        else:
            pairs.extend((f"{key}[{index}]", _text(item)) for index, item in enumerate(value))
    return urllib.parse.urlencode(pairs)


def _text(value: Json) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def result(status: int, reason: str, headers: Message, raw: bytes) -> dict[str, Json]:
    """AWS's HTTP Task result: the body parsed when it is JSON, else the text."""
    text = raw.decode("utf-8", "replace")
    body: Json = text
    if "json" in (headers.get("Content-Type") or "") and text.strip():
        try:
            body = json.loads(text)
        except ValueError:
            body = text  # a server that says JSON and sends something else: keep the text
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        grouped.setdefault(name.lower(), []).append(value)
    return {"Headers": grouped, "ResponseBody": body, "StatusCode": status, "StatusText": reason}


HTTP_INVOKE = HttpInvoke()
