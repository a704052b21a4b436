"""`/metrics` in Prometheus text format: read from Redis at each scrape (prometheus_client).

Gauges, not counters: the server keeps no state of its own, so any number of `sfn serve`
processes report the same values, and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.runtime.listing import counts_by_state_machine
from engine.runtime.observe import queues, timers, workers
from engine.serve.context import ServeContext


class SfnCollector(Collector):
    def __init__(self, client: redis.Redis):
        self.client = client

    def collect(self) -> Iterator[GaugeMetricFamily]:
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


def routes(context: ServeContext) -> list[BaseRoute]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SfnCollector(context.engine.redis))

    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]
