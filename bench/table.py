"""Render a benchmark run's results as one plain-text table (Markdown pipes), plus notes."""

from __future__ import annotations

from typing import Any

from bench import census, w5_durable
from bench.stats import median, percentile
from bench.workloads import BY_ID

Json = Any
NA = "-"


def rate(result: Json) -> float | None:
    """Median transitions/s over a measurement's repetitions."""
    if not result or not result.get("seconds"):
        return None
    return median([result["transitions"] / seconds for seconds in result["seconds"]])


def peer_rate(peer: Json, workload_id: str) -> float | None:
    found = (peer or {}).get("workloads", {}).get(workload_id)
    if not found:
        return None
    return median([found["transitions"] / seconds for seconds in found["seconds"]])


def own_rate(result: Json, workload_id: str) -> float | None:
    """Transitions/s of one execution, from its own start to its stop (the median one)."""
    seconds = median((result or {}).get("own_seconds") or [])
    return BY_ID[workload_id].transitions / seconds if seconds else None


def fmt(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return NA
    return f"{value:,.{digits}f}{suffix}"


def ratio(a: float | None, b: float | None, digits: int = 2, suffix: str = "x") -> str:
    return NA if a is None or not b else f"{a / b:.{digits}f}{suffix}"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


HEADINGS = [
    "workload", "sfn t/s embedded", "sfn t/s 2 workers", "sfn t/s start->stop (emb)",
    "peer t/s", "peer t/s parse memoized", "sfn/peer start->stop (emb)",
    "sfn/peer batch (emb / 2w)", "sfn / commit limit (emb / 2w)", "commits per run (2w)",
    "peak RSS MiB engine (emb / 2w) / worker",
]  # fmt: skip


def workload_rows(results: Json) -> list[str]:
    lines = [row(HEADINGS), row(["---"] * len(HEADINGS))]
    for workload_id, modes in results["sfn"].items():
        lines.append(row(workload_cells(results, workload_id, modes)))
    return lines


def workload_cells(results: Json, workload_id: str, modes: Json) -> list[str]:
    commit_limit = results["limits"]["redis_commit"]
    peer, memoized = results.get("peer"), results.get("peer_memoized")
    embedded, workers = modes.get("embedded") or {}, modes.get("workers") or {}
    emb, two, own = rate(embedded), rate(workers), own_rate(embedded, workload_id)
    their, their_own = peer_rate(peer, workload_id), peer_own_rate(peer, workload_id)
    rss = [embedded.get("peak_rss_mib"), workers.get("peak_rss_mib")]
    rss.append(workers.get("worker_peak_rss_mib"))
    return [
        workload_id, fmt(emb), fmt(two), fmt(own), peer_status(peer, their),
        peer_status(memoized, peer_rate(memoized, workload_id)), ratio(own, their_own, 1),
        f"{ratio(emb, their)} / {ratio(two, their)}",
        f"{ratio(emb, commit_limit, 3, '')} / {ratio(two, commit_limit, 3, '')}",
        fmt(median(workers.get("execs_per_run", [])), 1),
        " / ".join(fmt(value) for value in rss),
    ]  # fmt: skip


def peer_own_rate(peer: Json, workload_id: str) -> float | None:
    """The peer's transitions/s from the median execution's own start to stop."""
    found = (peer or {}).get("workloads", {}).get(workload_id)
    seconds = median(found["seconds"]) if found else None
    return BY_ID[workload_id].transitions / seconds if seconds else None


def peer_status(peer: Json, value: float | None) -> str:
    if peer is None:
        return NA
    if peer.get("status"):
        return peer["status"]
    return fmt(value)


QUEUE_ONLY = "workers_queue_only"  # W5 at once on 2 workers with SFN_EAGER_TASKS=0


def w5_rows(results: Json) -> list[str]:
    """W5 started all at once: Task round trips/s with eager tasks as configured (the default)
    and with every Task through the queue, each over the whole run and counted from the
    engine's last start, against the raw RQ no-op rate measured alongside (each repetition's
    ratio to the raw RQ run just before it; the median of those); the sequential run's
    latencies."""
    w5, pairs = results["w5_throughput"], len(results["w5_pairing"]["rq_2workers"])
    lines = [
        row(["Task round trips/s", "embedded", "2 workers", "raw RQ no-op 2 workers alongside",
             f"2 workers / raw RQ alongside (median of {pairs} pair{'s' * (pairs != 1)})",
             "latency p50 / p99 ms (2w, one at a time)", "worker RSS growth MiB"]),
        row(["---"] * 7),
    ]  # fmt: skip
    sequential = results["sfn"].get("W5", {}).get("workers") or {}
    latencies = sequential.get("task_latencies", [])
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    at_once = f"W5 x{fmt(results.get('w5_concurrent'))} at once"
    eager = f"eager tasks (SFN_EAGER_TASKS={fmt(_eager_tasks(w5))})"
    latency = f"{fmt(_ms(p50), 1)} / {fmt(_ms(p99), 1)}"
    lines += w5_mode_rows(f"{at_once}, {eager}", w5.get("embedded"), w5["workers"], latency)
    label = f"{at_once}, every Task through the queue (SFN_EAGER_TASKS=0)"
    lines += w5_mode_rows(label, None, w5[QUEUE_ONLY], NA)
    return [*lines, "", pairing_note(results)]


def w5_mode_rows(label: str, embedded: Json, workers: Json, latency: str) -> list[str]:
    """One W5 set-up's two rows: over the whole run, then counted from the engine's last start
    (raw RQ's jobs are all queued before its clock starts, while the whole run also pays for
    starting the executions on the same cores)."""
    raw = workers["paired_raw_rq"]
    whole, after = rep_rates(workers), workers["task_rate_after_starts"]
    return [
        row([label, fmt(rate(embedded)), fmt(rate(workers)), fmt(median(raw)),
             fmt(paired_ratio(whole, raw), 2, "x"), latency,
             fmt(workers.get("worker_rss_growth_mib"), 1)]),
        row(["  same, counted from the last start", fmt(_after_starts(embedded)),
             fmt(_after_starts(workers)), fmt(median(raw)),
             fmt(paired_ratio(after, raw), 2, "x"), "", ""]),
    ]  # fmt: skip


def rep_rates(result: Json) -> list[float]:
    """Transitions/s of each repetition."""
    return [result["transitions"] / seconds for seconds in result["seconds"]]


def paired_ratio(rates: list[float | None], raw: list[float]) -> float | None:
    """The median of each repetition's rate divided by the raw RQ rate paired with it."""
    ratios = [r / q for r, q in zip(rates, raw, strict=True) if r is not None and q]
    return median(ratios)


def pairing_note(results: Json) -> str:
    pairing, limits = results["w5_pairing"], results["limits"]
    orders = ", ".join(" then ".join(_MODE_NAMES[m] for m in order) for order in pairing["orders"])
    return (
        f"Raw RQ alongside: {fmt(pairing['rq_jobs'])} no-op jobs on 2 SfnWorker processes, run "
        f"right before each repetition's W5 runs on 2 workers ({orders}); each ratio is the "
        f"median of the repetitions' own sfn / raw RQ ratios. The limits table's raw RQ "
        f"2-worker figure ({fmt(limits['rq_2workers'])}) was measured at the start of the run."
    )


_MODE_NAMES = {"workers": "eager", QUEUE_ONLY: "queue-only"}


def _eager_tasks(w5: Json) -> int | None:
    """The SFN_EAGER_TASKS the default W5 runs had (None in results from before it existed)."""
    for mode in ("workers", "embedded"):
        if (w5.get(mode) or {}).get("eager_tasks") is not None:
            return w5[mode]["eager_tasks"]
    return None


def _after_starts(result: Json) -> float | None:
    rates = [r for r in (result or {}).get("task_rate_after_starts", []) if r is not None]
    return median(rates) if rates else None


def retention_rows(results: Json) -> list[str]:
    """Keys and Redis memory each finished execution leaves once the queues have drained."""
    lines = [
        row(["left after the end (2 workers)", "keys per execution", "Redis KiB per execution",
             "after a purge", "queues quiet after s",
             "keys by kind (per execution; shared keys as counts)"]),
        row(["---"] * 6),
    ]  # fmt: skip
    measured = [(wid, modes.get("workers") or {}) for wid, modes in results["sfn"].items()]
    w5 = results.get("w5_throughput") or {}
    measured.append(("W5 at once", w5.get("workers") or {}))
    measured.append(("W5 at once, every Task through the queue", w5.get(QUEUE_ONLY) or {}))
    for label, result in measured:
        if result.get("census"):
            lines.append(row(census_cells(label, result)))
    return lines


def census_cells(label: str, result: Json) -> list[str]:
    found = result["census"]
    drains = result.get("drain_seconds") or []
    drained = found["drained"] and None not in drains
    return [
        label + ("" if drained else " (queues not drained)"), fmt(found["keys_per_execution"], 1),
        fmt(found["redis_bytes_per_execution"] / 1024, 1),
        fmt(found["redis_bytes_per_execution_after_purge"] / 1024, 2),
        fmt(median([d for d in drains if d is not None]), 2),
        census.summary(found["keys"], found["executions"]),
    ]  # fmt: skip


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def limit_rows(results: Json) -> list[str]:
    limits, raw = results["limits"], results["w5_pairing"]["rq_2workers"]
    return [
        row(["limit", "figure"]),
        row(["---", "---"]),
        row(["Redis commits/s, 1 client, MULTI/EXEC(HSET 1 KB + XADD 300 B + INCR)",
             fmt(limits["redis_commit"])]),
        row(["  same, 10 / 100 transitions per MULTI/EXEC (transitions/s)",
             f"{fmt(limits['redis_batch10'])} / {fmt(limits['redis_batch100'])}"]),
        row(["RQ no-op jobs/s, SfnWorker + JSON serializer, burst: 1 in-process / 2 processes",
             f"{fmt(limits['rq_1worker'])} / {fmt(limits['rq_2workers'])}"]),
        row(["  same, 2 processes, alongside W5: each repetition (median)",
             f"{' / '.join(fmt(r) for r in raw)} ({fmt(median(raw))})"]),
    ]  # fmt: skip


def startup_rows(results: Json) -> list[str]:
    lines = [row(["start-up", "median ms", "fastest ms"]), row(["---"] * 3)]
    for command, times in results.get("startup", {}).items():
        lines.append(row([command, fmt(times["median_ms"]), fmt(times["min_ms"])]))
    return lines


def api_rows(results: Json) -> list[str]:
    api = results["api_start"]
    return [
        row(["StartExecution (Pass machine)", "median ms", "fastest ms"]),
        row(["---"] * 3),
        row(["Engine.start_execution, in-process", fmt(api["engine_ms"], 2),
             fmt(api["engine_fastest_ms"], 2)]),
        row(["AWS API on sfn serve (HTTP keep-alive)", fmt(api["api_ms"], 2),
             fmt(api["api_fastest_ms"], 2)]),
        row(["  the API's cost over the Engine", fmt(api["overhead_ms"], 2),
             fmt(api["api_fastest_ms"] - api["engine_fastest_ms"], 2)]),
        row(["  same call through boto3 (signing, parsing)", fmt(api["boto3_ms"], 2), NA]),
    ]  # fmt: skip


def durable_rows(results: Json) -> list[str]:
    """W5 against DBOS Transact, each side's durability setting with its figures."""
    durable = results["durable_peer"]
    plan, found = durable["plan"], durable["sides"]
    sfn = w5_durable.summary(found["sfn"])
    lines = [
        row(["W5 vs the durable peer", "durability", f"{plan['sequential']} one after another: "
             "workflows/s", "p50 ms", f"{plan['concurrent']} at once: Task round trips/s",
             "sfn / this (one after another / at once)"]),
        row(["---"] * 6),
    ]  # fmt: skip
    for name, side in found.items():
        figures = w5_durable.summary(side)
        lines.append(row([
            name, side["durability"], fmt(figures["rate"], 1), fmt(figures["p50_ms"], 1),
            fmt(figures["at_once"]),
            f"{ratio(sfn['rate'], figures['rate'])} / {ratio(sfn['at_once'], figures['at_once'])}",
        ]))  # fmt: skip
    if durable.get("dbos_status"):
        lines.append(row(["DBOS Transact", durable["dbos_status"], NA, NA, NA, NA]))
    reps = plan["reps"]
    lines += ["", f"Medians of {reps} repetition{'s' * (reps != 1)}, the sides alternating; sfn "
              "is a driver process plus 2 `sfn worker`s, DBOS runs in one process."]  # fmt: skip
    return lines


def render(results: Json) -> str:
    """The whole report: context line, then the tables."""
    machine = results["machine"]
    peer = results.get("peer") or {}
    header = (
        f"sfn benchmark ({results['mode']}), engine {results.get('engine', NA)}: "
        f"{machine['cpus']} CPUs, load average "
        f"{machine['load_before']} before / {machine['load_after']} after, {results['server']} "
        f"(AOF everysec, loopback), peer {peer.get('version', NA)}; medians of "
        f"{results['reps']} repetitions; t/s = states entered per second"
    )
    blocks = [header, "", *workload_rows(results), "", *w5_rows(results), "",
              *retention_rows(results), "", *limit_rows(results), ""]  # fmt: skip
    if results.get("durable_peer"):
        blocks += [*durable_rows(results), ""]
    if results.get("api_start"):
        blocks += [*api_rows(results), ""]
    if results.get("startup"):
        blocks += [*startup_rows(results), ""]
    if peer.get("first_execution_s") is not None:
        blocks.append(
            f"peer: first execution {fmt(peer['first_execution_s'], 2)} s, "
            f"peak RSS {fmt(peer.get('peak_rss_mib'))} MiB"
        )
    return "\n".join(blocks)
