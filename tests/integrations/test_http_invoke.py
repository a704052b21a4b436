"""`arn:aws:states:::http:invoke` against a real HTTP server on 127.0.0.1.

AWS Step Functions developer guide, "Call HTTPS APIs": Parameters ApiEndpoint, Method,
Headers, QueryParameters, RequestBody, Transform (RequestBodyEncoding URL_ENCODED,
RequestEncodingOptions.ArrayFormat), Authentication.ConnectionArn; the result holds
StatusCode, StatusText, Headers and ResponseBody; a response outside 2xx fails the Task with
States.Http.StatusCode.NNN, no response with States.Http.Socket.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine import testing
from engine.errors import DefinitionError


class Handler(BaseHTTPRequestHandler):
    release = threading.Event()

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_DELETE = do_GET

    def _answer(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if url.path == "/slow":
            self.release.wait(10)
        if url.path == "/bad-json":
            return self._send(200, b"{not json", "application/json")
        if url.path == "/text":
            return self._send(200, b"plain words", "text/plain")
        status = int(url.path.split("/")[2]) if url.path.startswith("/status/") else 200
        echo = {
            "method": self.command,
            "path": url.path,
            "query": urllib.parse.parse_qs(url.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        self._send(status, json.dumps(echo).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def server() -> Iterator[str]:
    Handler.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll: shutdown() waits for serve_forever to look (0.5 s by default).
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


def call(parameters: dict, **state) -> testing.Result:
    machine = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": parameters,
                **state,
                "End": True,
            }
        },
    }
    return testing.run(machine, {})


def test_a_get_with_query_and_headers_returns_awss_result(server: str) -> None:
    result = call(
        {
            "ApiEndpoint": f"{server}/customers",
            "Method": "GET",
            "Headers": {"X-Trace": "t-1"},
            "QueryParameters": {"limit": "2", "tag": ["a", "b"]},
        }
    )
    assert result.status == "SUCCEEDED", result.cause
    output = result.output
    assert (output["StatusCode"], output["StatusText"]) == (200, "OK")
    assert output["Headers"]["content-type"] == ["application/json"]
    echo = output["ResponseBody"]
    assert (echo["method"], echo["path"]) == ("GET", "/customers")
    assert echo["query"] == {"limit": ["2"], "tag": ["a", "b"]}
    assert echo["headers"]["x-trace"] == "t-1"


def test_a_json_body_is_sent_as_json(server: str) -> None:
    result = call({"ApiEndpoint": server, "Method": "POST", "RequestBody": {"a": [1, 2]}})
    echo = result.output["ResponseBody"]
    assert json.loads(echo["body"]) == {"a": [1, 2]}
    assert echo["headers"]["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("array_format", "expected"),
    [
        ("INDICES", "a%5B0%5D=1&a%5B1%5D=2&b=x"),
        ("BRACKETS", "a%5B%5D=1&a%5B%5D=2&b=x"),
        ("REPEAT", "a=1&a=2&b=x"),
        ("COMMAS", "a=1%2C2&b=x"),
    ],
)
def test_a_url_encoded_body_writes_arrays_as_told(server: str, array_format, expected) -> None:
    transform = {
        "RequestBodyEncoding": "URL_ENCODED",
        "RequestEncodingOptions": {"ArrayFormat": array_format},
    }
    parameters = {
        "ApiEndpoint": server,
        "Method": "POST",
        "RequestBody": {"a": ["1", "2"], "b": "x"},
        "Transform": transform,
    }
    echo = call(parameters).output["ResponseBody"]
    assert echo["body"] == expected
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_a_status_outside_2xx_is_states_http_status_code(server: str, status: int) -> None:
    result = call({"ApiEndpoint": f"{server}/status/{status}", "Method": "GET"})
    assert result.error == f"States.Http.StatusCode.{status}"
    cause = json.loads(result.cause)
    assert cause["StatusCode"] == status and cause["ResponseBody"]["path"] == f"/status/{status}"


def test_retry_and_catch_match_the_status_error(server: str) -> None:
    catch = [{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "Missing"}]
    machine_state = {"Catch": catch}
    machine = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": f"{server}/status/404", "Method": "GET"},
                **machine_state,
                "End": True,
            },
            "Missing": {"Type": "Pass", "Result": "caught", "End": True},
        },
    }
    assert testing.run(machine, {}).output == "caught"


def test_a_server_that_does_not_answer_in_time_is_states_http_socket(
    server: str, monkeypatch
) -> None:
    monkeypatch.setenv("SFN_HTTP_TIMEOUT_SECONDS", "0.3")
    result = call({"ApiEndpoint": f"{server}/slow", "Method": "GET"})
    assert result.error == "States.Http.Socket"
    assert "did not answer within 0.3 seconds" in result.cause


def test_a_refused_connection_is_states_http_socket() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = call({"ApiEndpoint": f"http://127.0.0.1:{port}/", "Method": "GET"})
    assert result.error == "States.Http.Socket"
    assert "refused" in result.cause.lower()


def test_bad_json_and_plain_text_bodies_stay_text(server: str) -> None:
    assert (
        call({"ApiEndpoint": f"{server}/bad-json", "Method": "GET"}).output["ResponseBody"]
        == "{not json"
    )
    assert (
        call({"ApiEndpoint": f"{server}/text", "Method": "GET"}).output["ResponseBody"]
        == "plain words"
    )


def test_a_connection_takes_its_credentials_from_the_connections_file(
    server: str, tmp_path, monkeypatch
) -> None:
    file = tmp_path / "connections.json"
    connections = {
        "Stripe": {
            "ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": {"env": "KEY"}},
            "InvocationHttpParameters": {"QueryStringParameters": [{"Key": "v", "Value": "2"}]},
        }
    }
    file.write_text(json.dumps(connections))
    monkeypatch.setenv("SFN_CONNECTIONS", str(file))
    monkeypatch.setenv("KEY", "Bearer sk_test")
    arn = "arn:aws:events:us-east-2:123456789012:connection/Stripe/81210c42"
    parameters = {"ApiEndpoint": server, "Method": "GET", "Authentication": {"ConnectionArn": arn}}
    echo = call(parameters).output["ResponseBody"]
    assert echo["headers"]["authorization"] == "Bearer sk_test"
    assert echo["query"] == {"v": ["2"]}
    missing = {**parameters, "Authentication": {"ConnectionArn": arn.replace("Stripe", "Other")}}
    result = call(missing)
    assert result.error == "Sfn.UnknownConnection" and "'Other'" in result.cause


@pytest.mark.parametrize(
    ("parameters", "says"),
    [
        ({"ApiEndpoint": "ftp://x", "Method": "GET"}, "is not an http(s) URL"),
        ({"ApiEndpoint": "http://127.0.0.1:1", "Method": "FETCH"}, "Method 'FETCH'"),
    ],
)
def test_bad_parameters_fail_the_task(parameters: dict, says: str) -> None:
    result = call(parameters)
    assert result.error == "States.Runtime" and says in result.cause


@pytest.mark.parametrize(
    ("field", "place"),
    [
        ({"Timeout": 5}, "Timeout is not a field of http:invoke"),
        ({"Headerz.$": "$.h"}, "Headerz.$ is not a field"),
        ({"Authentication": {"BasicAuthParameters": {"Password": "p"}}}, "Authentication.Basic"),
        ({"Transform": {"RequestBodyEncodings": "URL_ENCODED"}}, "Transform.RequestBodyEncodings"),
    ],
)
def test_a_field_the_http_task_does_not_take_is_an_invalid_definition(
    server: str, field: dict, place: str
) -> None:
    # AWS refuses to create such a machine ("The field ... is not supported by Step
    # Functions"); credentials come only through a connection.
    with pytest.raises(DefinitionError, match=re.escape(place)):
        call({"ApiEndpoint": f"{server}/x", "Method": "GET", **field})


def test_an_unknown_field_computed_at_run_time_fails_the_task(server: str) -> None:
    arguments = f"{{% {{'ApiEndpoint': '{server}/x', 'Method': 'GET', 'Retries': 3}} %}}"
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": arguments,
                "End": True,
            }
        },
    }
    result = testing.run(machine, {})
    assert result.error == "States.Runtime"
    assert result.cause.startswith("Retries is not a field of http:invoke")
