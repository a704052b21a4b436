"""`/metrics` in Prometheus text format: read from Redis at each scrape (prometheus_client).

The server keeps no state of its own, so any number of `sfn serve` processes report the same
values, and a restart loses nothing: gauges are counted from the indexes, counters (started,
finished, transitions, Task run times) are kept by the commits (`engine.runtime.counters`).
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.runtime import counters
from engine.runtime.listing import counts_by_state_machine
from engine.runtime.observe import queues, timers, workers
from engine.serve.context import ServeContext


class SfnCollector(Collector):
    def __init__(self, client: redis.Redis):
        self.client = client

    def collect(self) -> Iterator[Metric]:
        yield from self._gauges()
        yield from _counters(counters.read(self.client))

    def _gauges(self) -> Iterator[Metric]:
        executions = GaugeMetricFamily(
            "sfn_executions",
            "Executions stored, by state machine and current status",
            labels=["state_machine", "status"],
        )
        for (machine, status), count in counts_by_state_machine(self.client).items():
            executions.add_metric([machine, status], count)
        yield executions
        depth = GaugeMetricFamily(
            "sfn_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"]
        )
        running = GaugeMetricFamily("sfn_queue_running", "Jobs a worker runs now", labels=["queue"])
        for queue in queues(self.client):
            depth.add_metric([queue.name], queue.depth)
            running.add_metric([queue.name], queue.started)
        yield depth
        yield running
        due = timers(self.client)
        yield GaugeMetricFamily("sfn_timers_pending", "Timers stored", value=due.total)
        yield GaugeMetricFamily("sfn_timers_due", "Timers due and not yet fired", value=due.due)
        yield GaugeMetricFamily(
            "sfn_timer_lag_seconds", "How late the oldest due timer is", value=due.lag_seconds
        )
        yield GaugeMetricFamily("sfn_workers", "Live RQ workers", value=len(workers(self.client)))


def _counters(found: counters.Counters) -> Iterator[Metric]:
    machine = ["state_machine"]
    started = CounterMetricFamily("sfn_executions_started", "Executions started", labels=machine)
    for name, count in sorted(found.started.items()):
        started.add_metric([name], count)
    yield started
    finished = CounterMetricFamily(
        "sfn_executions_finished",
        "Executions that ended (a redriven one counts each end)",
        labels=["state_machine", "status"],
    )
    for (name, status), count in sorted(found.finished.items()):
        finished.add_metric([name, status], count)
    yield finished
    transitions = CounterMetricFamily("sfn_state_transitions", "States entered", labels=machine)
    for name, count in sorted(found.transitions.items()):
        transitions.add_metric([name], count)
    yield transitions
    latency = HistogramMetricFamily(
        "sfn_task_run_seconds", "How long worker-run Task attempts ran", labels=machine
    )
    for name, histogram in sorted(found.task_seconds.items()):
        total, buckets = 0, []
        for bound, count in zip(counters.upper_bounds(), histogram.buckets, strict=True):
            total += count
            buckets.append(("+Inf" if bound == float("inf") else str(bound), total))
        latency.add_metric([name], buckets, histogram.sum)
    yield latency


def routes(context: ServeContext) -> list[BaseRoute]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SfnCollector(context.engine.redis))

    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
