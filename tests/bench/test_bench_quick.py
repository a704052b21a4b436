"""`python -m bench --quick` runs end to end (CI's smoke run): every workload on sfn with both
worker set-ups, the limits, the peer or "not installed"; outputs are checked, speed never is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import dbos_peer, peer, sfn_runs, table, w5_durable
from bench.stats import median
from bench.workloads import BY_ID, WORKLOADS, WrongOutput, check_output

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    results["stdout"] = done.stdout
    return results


def test_every_workload_runs_on_sfn_in_both_modes(quick: dict) -> None:
    for workload in WORKLOADS:
        for mode in ("embedded", "workers"):
            measured = quick["sfn"][workload.id][mode]
            expected = workload.transitions * bench_main.QUICK.executions[workload.id]
            assert measured["transitions"] == expected
            assert len(measured["seconds"]) == bench_main.QUICK.reps
            assert measured["peak_rss_mib"] > 0
        assert quick["sfn"][workload.id]["workers"]["worker_peak_rss_mib"] > 0


def test_each_measurement_counts_what_its_executions_leave_in_redis(quick: dict) -> None:
    for workload in WORKLOADS:
        executions = bench_main.QUICK.executions[workload.id] * bench_main.QUICK.reps
        for mode in ("embedded", "workers"):
            left = quick["sfn"][workload.id][mode]["census"]
            assert left["drained"]
            assert None not in quick["sfn"][workload.id][mode]["drain_seconds"]
            assert left["executions"] == executions
            assert left["keys"]["meta"] == left["keys"]["history"] == executions
            assert left["keys_per_execution"] >= 2
    assert "| W3c10 | " in quick["stdout"].split("left after the end")[1]


def test_w5_reports_round_trips_and_task_latencies(quick: dict) -> None:
    sequential = quick["sfn"]["W5"]["workers"]
    assert len(sequential["task_latencies"]) == 3 * bench_main.QUICK.executions["W5"]
    assert set(quick["w5_throughput"]) == {"embedded", "workers", table.QUEUE_ONLY}
    for measured in quick["w5_throughput"].values():
        assert measured["transitions"] == BY_ID["W5"].transitions * bench_main.QUICK.w5_concurrent
        assert len(measured["task_rate_after_starts"]) == bench_main.QUICK.reps
    assert "|   same, counted from the last start | " in quick["stdout"]


def test_w5_at_once_runs_with_eager_tasks_and_with_every_task_through_the_queue(
    quick: dict,
) -> None:
    eager, queue_only = quick["w5_throughput"]["workers"], quick["w5_throughput"][table.QUEUE_ONLY]
    assert eager["eager_tasks"] == sfn_runs.eager_tasks({}) > 0
    assert queue_only["eager_tasks"] == 0
    # A claimed Task has no RQ job, and each RQ job costs the server MULTI/EXECs of its own.
    assert median(queue_only["execs_per_run"]) > median(eager["execs_per_run"])
    at_once = f"| W5 x{bench_main.QUICK.w5_concurrent} at once"
    rows = [line for line in quick["stdout"].splitlines() if line.startswith(at_once)]
    assert [row.split(" | ")[0] for row in rows] == [
        f"{at_once}, eager tasks (SFN_EAGER_TASKS={eager['eager_tasks']})",
        f"{at_once}, every Task through the queue (SFN_EAGER_TASKS=0)",
    ]


def test_w5_on_2_workers_is_paired_with_a_raw_rq_run_in_each_repetition(quick: dict) -> None:
    raw = quick["w5_pairing"]["rq_2workers"]
    assert len(raw) == len(quick["w5_pairing"]["orders"]) == bench_main.QUICK.reps
    assert all(figure > 0 for figure in raw)
    rows = iter(quick["stdout"].split("| Task round trips/s |")[1].splitlines()[2:6])
    for mode in ("workers", table.QUEUE_ONLY):
        measured = quick["w5_throughput"][mode]
        assert measured["paired_raw_rq"] == raw
        seconds, after_starts = measured["seconds"], measured["task_rate_after_starts"]
        whole = [measured["transitions"] / s / q for s, q in zip(seconds, raw, strict=True)]
        after = [r / q for r, q in zip(after_starts, raw, strict=True) if r]
        for ratios in (whole, after):
            cells = next(rows).split(" | ")
            assert cells[3] == f"{median(raw):,.0f}"
            assert cells[4] == (f"{median(ratios):.2f}x" if ratios else table.NA)
        census = measured["census"]
        assert census["drained"]
        assert census["executions"] == bench_main.QUICK.w5_concurrent + bench_main.QUICK.w5_warmup
    assert "| 2 workers / raw RQ alongside (median of 1 pair) |" in quick["stdout"]


def test_limits_and_peer_are_reported(quick: dict) -> None:
    assert set(quick["limits"]) == {
        "redis_commit", "redis_batch10", "redis_batch100", "rq_1worker", "rq_2workers",
    }  # fmt: skip
    if peer.installed():
        assert set(quick["peer"]["workloads"]) == set(bench_main.QUICK.peer_runs)
    else:
        assert quick["peer"] == {"status": "not installed"}


def test_w5_runs_against_the_durable_peer_with_each_sides_durability(quick: dict) -> None:
    durable = quick["durable_peer"]
    assert list(durable["sides"]) == w5_durable.sides()
    for name, side in durable["sides"].items():
        assert len(side["rates"]) == len(side["at_once"]) == bench_main.QUICK.durable.reps
        assert len(side["latencies"]) == bench_main.QUICK.durable.sequential
        assert f"| {name} | {side['durability']} | " in quick["stdout"]
    assert "appendfsync=everysec" in durable["sides"]["sfn"]["durability"]
    if dbos_peer.installed():
        assert "journal_mode=wal" in durable["sides"]["dbos-sqlite-wal"]["durability"]
        assert "journal_mode=delete" in durable["sides"]["dbos-sqlite"]["durability"]
    else:
        assert durable["dbos_status"] == "not installed"


def test_single_executions_are_timed_from_their_own_start_to_stop(quick: dict) -> None:
    for workload in WORKLOADS:
        own = quick["sfn"][workload.id]["embedded"]["own_seconds"]
        assert len(own) == bench_main.QUICK.executions[workload.id] * bench_main.QUICK.reps
        assert all(0 <= seconds < 600 for seconds in own)
    if peer.installed():
        assert "peer moto " in quick["stdout"] and ", jsonpath-ng " in quick["stdout"]


def test_the_table_names_every_workload_and_the_startup_commands(quick: dict) -> None:
    for workload in WORKLOADS:
        assert f"| {workload.id} |" in quick["stdout"]
    assert "sfn validate workflows/order.yaml" in quick["stdout"]
    assert "sfn run pass.json --in-memory (one Pass state)" in quick["stdout"]
    assert "sfn run pass.json, durable, warm embedded server" in quick["stdout"]
    assert "AWS API on sfn serve (HTTP keep-alive)" in quick["stdout"]


def test_a_wrong_output_fails_the_run() -> None:
    w2 = BY_ID["W2"]
    with pytest.raises(WrongOutput, match="output differs"):
        check_output("sfn", w2, {"counter": {"i": 999}}, w2.transitions)
    with pytest.raises(WrongOutput, match="states entered"):
        check_output("sfn", w2, w2.expected(), w2.transitions - 1)
    check_output("sfn", w2, json.dumps(w2.expected()), w2.transitions)


def test_a_missing_peer_is_shown_as_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(peer, "installed", lambda: False)
    found = bench_main.measure_peer(bench_main.QUICK, cache_parse=True)
    assert found == {"status": "not installed"}
    assert table.peer_status(found, None) == "not installed"
