"""bench.scale on small counts: W5 executions at once and W3 Maps run to the end, measured and
rendered, with the keys they leave; and the memory guard that alone may skip a size."""

from __future__ import annotations

import pytest

from bench import machine, scale

W5_COUNT, W3_SIZES = 12, (30, 120)


@pytest.fixture(scope="module")
def found() -> dict:
    return scale.run(W5_COUNT, W3_SIZES)


def test_w5_reports_throughput_memory_and_what_each_execution_leaves(found: dict) -> None:
    w5 = found["w5"]
    assert w5["transitions"] == 3 * W5_COUNT
    assert 0 < w5["start_seconds"][0] <= w5["seconds"][0]
    assert w5["redis_peak_bytes"] > 0
    assert len(w5["worker_rss_growth_each_mib"]) == 2
    left = w5["census"]
    assert left["drained"]
    assert left["executions"] == W5_COUNT + min(scale.W5_WARMUP, W5_COUNT)
    assert left["keys"]["meta"] == left["keys"]["history"] == left["executions"]


def test_every_w3_size_runs_to_the_end_with_its_history_and_leftovers(found: dict) -> None:
    assert [w3["items"] for w3 in found["w3"]] == list(W3_SIZES)
    for w3 in found["w3"]:
        # Each iteration's MapIterationStarted/Succeeded and its Pass's Entered/Exited.
        assert w3["history_events"] > 4 * w3["items"]
        assert w3["history_bytes"] > 0
        assert w3["redis_peak_bytes"] >= w3["census"]["redis_bytes"] > 0
        assert w3["census"]["keys"]["meta"] == 1
        assert w3["transitions_per_s"] > 0


def test_the_report_shows_each_figure(found: dict) -> None:
    text = scale.render(found)
    assert f"W5 x{W5_COUNT} started at once" in text
    assert "KiB per finished execution" in text
    for items in W3_SIZES:
        assert f"| {items} |" in text
        assert f"W3 x{items}: " in text
    assert "the whole run took" in text


def test_a_size_is_skipped_only_without_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = {"items": 10_000, "redis_peak_bytes": 100 * 1024**2}
    monkeypatch.setattr(machine, "available_bytes", lambda: 8 * 1024**3)
    assert scale.too_big(100_000, previous) is None
    monkeypatch.setattr(machine, "available_bytes", lambda: 1024**3)
    assert scale.too_big(100_000, previous) == "needs ~2.0 GiB for Redis, 1.0 available"
    assert scale.too_big(1_000_000, {"items": 100_000, "skipped": "..."}) is not None
    assert scale.too_big(1_000, None) is None
