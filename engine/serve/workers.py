"""The workers and queues page: live RQ workers and what they run, queue depths, timers."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime

import redis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engine.runtime.listing import redelivered
from engine.runtime.observe import queues, timers, workers
from engine.serve.context import ServeContext
from engine.serve.history_view import mask_tokens


def routes(context: ServeContext) -> list[BaseRoute]:
    client = context.engine.redis

    def snapshot() -> dict:
        # A running Task's RQ job id is its task token: shown masked, as any text shown is.
        found = [
            replace(
                w,
                current_job=mask_tokens(w.current_job) if w.current_job else None,
                current_work=mask_tokens(w.current_work) if w.current_work else None,
            )
            for w in workers(client)
        ]
        return {
            "workers": [asdict(w) for w in found],
            "queues": [asdict(q) for q in queues(client)],
            "timers": asdict(timers(client)),
            "redelivered": dict(zip(("total", "executions"), _redelivered(client), strict=True)),
        }

    def page(request: Request) -> Response:
        return context.render("workers.html", **snapshot())

    def data(request: Request) -> Response:
        return JSONResponse(snapshot())

    return [
        Route("/workers", page, methods=["GET"]),
        Route("/api/workers", data, methods=["GET"]),
    ]


def _redelivered(client: redis.Redis) -> tuple[int, list[dict]]:
    """Executions whose Tasks were sent again after a lost worker, the latest first."""
    total, found = redelivered(client)
    return total, [
        {
            **asdict(item.execution),
            "redeliveries": item.redeliveries,
            "last": datetime.fromtimestamp(item.last_epoch, UTC).isoformat(timespec="seconds"),
        }
        for item in found
    ]
