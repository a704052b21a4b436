"""The UI's actions: start, stop, redrive, send task success/failure/heartbeat.

POST only, JSON bodies, and the page's CSRF token in the `X-CSRF-Token` header: a form on
another site can neither read the token nor send that header. The pages ask for confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engine.errors import UsageError
from engine.runtime.listing import waiting_tasks
from engine.runtime.store import parse_execution
from engine.serve import views
from engine.serve.context import ServeContext
from engine.serve.workflows import workflow_path

Json = Any
MAX_BODY = 512 * 1024


def routes(context: ServeContext) -> list[BaseRoute]:
    engine = context.engine

    def action(handler: Callable[[Request, Json], Json]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not context.csrf_ok(request.headers.get("x-csrf-token")):
                return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
            body = await request.body()
            if len(body) > MAX_BODY:
                return JSONResponse({"error": "request body too large"}, status_code=413)
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return JSONResponse({"error": "the body is not JSON"}, status_code=400)
            if not isinstance(payload, dict):
                return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            return JSONResponse(await run_in_threadpool(handler, request, payload))

        return endpoint

    def start(request: Request, body: Json) -> Json:
        path = workflow_path(context.workflows, _text(body, "workflow", required=True))
        execution = engine.start_execution(path, body.get("input", {}), _text(body, "name") or None)
        return {"executionId": execution}

    def stop(request: Request, body: Json) -> Json:
        execution = request.path_params["execution"]
        described = engine.stop(
            execution, _text(body, "error") or None, _text(body, "cause") or None
        )
        return {"executionId": execution, "status": described["status"]}

    def redrive(request: Request, body: Json) -> Json:
        execution = request.path_params["execution"]
        described = engine.redrive(execution)
        return {"executionId": execution, "status": described["status"]}

    def send_task(request: Request, body: Json) -> Json:
        """Complete a callback the execution waits for, chosen by its state and run, so the
        token itself never has to reach the browser."""
        execution = parse_execution(request.path_params["execution"])
        run_id = _text(body, "run", required=True)
        outcome = _text(body, "outcome", required=True)
        waiting = [task for task in waiting_tasks(engine.redis, execution) if task.run_id == run_id]
        if not waiting:
            raise UsageError("that task is no longer waiting for a callback")
        token = waiting[0].token
        if outcome == "success":
            engine.send_task_success(token, _json(body.get("output", {})))
        elif outcome == "failure":
            engine.send_task_failure(
                token, _text(body, "error") or None, _text(body, "cause") or None
            )
        elif outcome == "heartbeat":
            engine.send_task_heartbeat(token)
        else:
            raise UsageError("outcome: use success, failure or heartbeat")
        return {"executionId": execution, "sent": outcome}

    def reveal(request: Request, body: Json) -> Json:
        """The waiting tasks' tokens in clear (a POST: a deliberate act, CSRF-checked)."""
        return {"tasks": views.waiting(engine, request.path_params["execution"], reveal=True)}

    return [
        Route("/api/executions/{execution}/waiting/reveal", action(reveal), methods=["POST"]),
        Route("/api/start", action(start), methods=["POST"]),
        Route("/api/executions/{execution}/stop", action(stop), methods=["POST"]),
        Route("/api/executions/{execution}/redrive", action(redrive), methods=["POST"]),
        Route("/api/executions/{execution}/task", action(send_task), methods=["POST"]),
    ]


def _text(body: Json, key: str, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise UsageError(f"{key}: expected a non-empty string")
    return value


def _json(value: Json) -> Json:
    """A callback output: JSON data, or JSON text the user typed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise UsageError(f"output is not valid JSON: {error}") from None
    return value
