"""StartExecution through the AWS API (a real `sfn serve`, one keep-alive HTTP connection, as an
SDK holds one) against `Engine.start_execution` in this process, on the same Redis, taking turns:
what the API adds to a start. boto3's own time per call (signing, parsing) is reported apart.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.redis_server import free_port
from bench.stats import median
from engine.runtime.engine import Engine

Json = Any
MACHINE = "bench-api"
DEFINITION = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
ARN = f"arn:aws:states:local:000000000000:stateMachine:{MACHINE}"
WARM_UP = 20


class Serve:
    """`sfn serve` on a free loopback port against `redis_url`, for one measurement."""

    def __init__(self, redis_url: str):
        self.port = free_port()
        command = [sys.executable, "-c", "from engine.cli import main; main()", "serve"]
        environment = {**os.environ, "SFN_REDIS_URL": redis_url}
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.connect()
                return connection
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sfn serve did not start") from None
                time.sleep(0.05)

    def call(self, operation: str, body: dict[str, Json]) -> dict[str, Json]:
        headers = {
            "X-Amz-Target": f"AWSStepFunctions.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        }
        self.connection.request("POST", "/", json.dumps(body), headers)
        response = self.connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{operation}: {answer}")
        return answer

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait(30)


def measure(redis_url: str, runs: int) -> dict[str, float | None]:
    """Median ms per start: `engine_ms`, `api_ms`, their difference `overhead_ms`, the
    fastest of each (what an idle machine gives), and `boto3_ms` (the same API call through
    boto3, when it is installed)."""
    engine = Engine(redis_url)
    server = Serve(redis_url)
    try:
        server.call("CreateStateMachine", {
            "name": MACHINE, "definition": json.dumps(DEFINITION), "roleArn": "bench",
        })  # fmt: skip
        engine_times, api_times = [], []
        for index in range(WARM_UP + runs):
            started = time.perf_counter()
            engine.start_execution(DEFINITION, {}, f"engine-{index}", state_machine=MACHINE)
            middle = time.perf_counter()
            server.call("StartExecution", {"stateMachineArn": ARN, "name": f"api-{index}"})
            ended = time.perf_counter()
            if index >= WARM_UP:
                engine_times.append(middle - started)
                api_times.append(ended - middle)
        boto3_ms = _boto3_ms(server.port, runs)
    finally:
        server.stop()
    engine_ms, api_ms = median(engine_times) * 1000, median(api_times) * 1000
    return {
        "engine_ms": engine_ms,
        "api_ms": api_ms,
        "overhead_ms": api_ms - engine_ms,
        "engine_fastest_ms": min(engine_times) * 1000,
        "api_fastest_ms": min(api_times) * 1000,
        "boto3_ms": boto3_ms,
    }


def _boto3_ms(port: int, runs: int) -> float | None:
    try:
        import boto3
    except ImportError:
        return None
    client = boto3.client(
        "stepfunctions",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    times = []
    for index in range(WARM_UP + runs):
        started = time.perf_counter()
        client.start_execution(stateMachineArn=ARN, name=f"boto3-{index}")
        if index >= WARM_UP:
            times.append(time.perf_counter() - started)
    return median(times) * 1000


if __name__ == "__main__":
    from bench.redis_server import BenchRedis

    with BenchRedis() as redis_server:
        print(json.dumps(measure(redis_server.url, int(sys.argv[1]) if sys.argv[1:] else 200)))
