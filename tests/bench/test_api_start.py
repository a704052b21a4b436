"""bench/api_start.py starts executions through a real `sfn serve` and the Engine, and every
start it times really happened (speed is never checked)."""

from __future__ import annotations

from bench import api_start
from engine.runtime.engine import Engine


def test_measures_both_ways_and_every_start_happened(redis_url: str) -> None:
    measured = api_start.measure(redis_url, runs=3)
    assert set(measured) >= {"engine_ms", "api_ms", "overhead_ms", "boto3_ms"}
    assert measured["overhead_ms"] == measured["api_ms"] - measured["engine_ms"]
    starts = 3 + api_start.WARM_UP
    names = {row["name"] for row in Engine(redis_url).list_executions(limit=10_000)}
    for prefix in ("engine", "api", "boto3"):
        assert {f"{prefix}-{index}" for index in range(starts)} <= names
