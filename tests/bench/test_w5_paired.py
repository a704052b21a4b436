"""W5 at once on 2 workers, paired with raw RQ: the rotation, the merged result, and a table
whose ratios are the medians of the per-repetition ratios to the raw RQ run beside each."""

from __future__ import annotations

from bench import table, w5_paired

EAGER, QUEUE_ONLY = w5_paired.EAGER, table.QUEUE_ONLY


def run(seconds: float, after: float | None, growth: list[float], drained: bool = True) -> dict:
    """One repetition's result as sfn_runs.measure gives it (reps 1, workers mode)."""
    return {
        "seconds": [seconds], "start_seconds": [seconds / 4], "execs_per_run": [8.0],
        "drain_seconds": [0.0], "task_latencies": [0.001, 0.002], "transitions": 900,
        "task_rate_after_starts": [after], "peak_rss_mib": 40 + seconds,
        "worker_peak_rss_mib": 30 + seconds, "worker_rss_growth_each_mib": growth,
        "worker_rss_growth_mib": max(growth), "eager_tasks": 10,
        "census": {"executions": 330, "drained": drained, "keys": {"meta": 330}},
    }  # fmt: skip


def test_the_modes_take_turns_running_first_after_raw_rq() -> None:
    assert w5_paired.orders(3) == [[EAGER, QUEUE_ONLY], [QUEUE_ONLY, EAGER], [EAGER, QUEUE_ONLY]]
    assert w5_paired.orders(1) == [[EAGER, QUEUE_ONLY]]


def test_each_repetition_runs_once_on_fresh_workers_after_a_warmup() -> None:
    pairing = w5_paired.Pairing(reps=3, executions=300, warmup=30, rq_jobs=2000)
    eager, queue_only = w5_paired.spec(EAGER, pairing), w5_paired.spec(QUEUE_ONLY, pairing)
    assert eager["reps"] == queue_only["reps"] == 1
    assert eager["warmup"] == 30 and eager["executions"] == 300 and eager["concurrent"]
    assert (eager["eager"], queue_only["eager"]) == (True, False)
    assert eager["mode"] == queue_only["mode"] == "workers"


def test_merging_repetitions_keeps_every_figure_and_the_raw_rq_beside_each() -> None:
    runs = [run(1.0, 1000.0, [1.0, 2.0]), run(2.0, None, [3.0, 0.5], drained=False)]
    merged = w5_paired.merge(runs, [600.0, 700.0])
    assert merged["seconds"] == [1.0, 2.0]
    assert merged["task_rate_after_starts"] == [1000.0, None]
    assert merged["task_latencies"] == [0.001, 0.002, 0.001, 0.002]
    assert merged["paired_raw_rq"] == [600.0, 700.0]
    assert merged["worker_rss_growth_each_mib"] == [3.0, 2.0]
    assert merged["worker_rss_growth_mib"] == 3.0
    assert (merged["peak_rss_mib"], merged["worker_peak_rss_mib"]) == (42.0, 32.0)
    assert merged["census"]["executions"] == 330 and not merged["census"]["drained"]
    assert len(merged["censuses"]) == 2
    assert merged["transitions"] == 900 and merged["eager_tasks"] == 10


def results(eager: dict, queue_only: dict, raw: list[float]) -> dict:
    return {
        "w5_throughput": {"embedded": None, EAGER: eager, QUEUE_ONLY: queue_only},
        "w5_pairing": {"rq_jobs": 2000, "rq_2workers": raw,
                       "orders": w5_paired.orders(len(raw))},
        "sfn": {"W5": {"workers": {"task_latencies": [0.001, 0.004]}}},
        "w5_concurrent": 300,
        "limits": {"redis_commit": 1.0, "redis_batch10": 1.0, "redis_batch100": 1.0,
                   "rq_1worker": 500.0, "rq_2workers": 999.0},
    }  # fmt: skip


def test_the_ratio_is_the_median_of_the_per_repetition_ratios() -> None:
    # Rates 900, 450, 300 t/s against raw RQ 300, 900, 100: ratios 3.00, 0.50, 3.00, whose
    # median (3.00x) is neither the ratio of the medians (450 / 300) nor one to the global 999.
    raw = [300.0, 900.0, 100.0]
    eager = w5_paired.merge([run(1.0, 600.0, [1.0]), run(2.0, 450.0, [1.0]),
                             run(3.0, 100.0, [1.0])], raw)  # fmt: skip
    queue_only = w5_paired.merge([run(2.0, 150.0, [1.0]), run(2.0, None, [1.0]),
                                  run(2.0, 400.0, [1.0])], raw)  # fmt: skip
    lines = table.w5_rows(results(eager, queue_only, raw))
    assert "(median of 3 pairs)" in lines[0]
    whole, after = lines[2].split(" | "), lines[3].split(" | ")
    assert whole[2:5] == ["450", "300", "3.00x"]
    assert after[2:5] == ["450", "300", "1.00x"]  # 600/300, 450/900, 100/100
    queue_whole, queue_after = lines[4].split(" | "), lines[5].split(" | ")
    assert queue_whole[2:5] == ["450", "300", "1.50x"]  # 450/300, 450/900, 450/100
    assert queue_after[2:5] == ["275", "300", "2.25x"]  # 150/300, (none), 400/100
    assert "sfn / raw RQ ratios" in lines[-1] and "eager then queue-only" in lines[-1]
    assert "(999) was measured at the start" in lines[-1]


def test_the_limits_table_shows_each_raw_rq_run_beside_w5() -> None:
    found = results({}, {}, [300.0, 900.0, 200.0])
    assert table.limit_rows(found)[-1] == (
        "|   same, 2 processes, alongside W5: each repetition (median) | 300 / 900 / 200 (300) |"
    )
