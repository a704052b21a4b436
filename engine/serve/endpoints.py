"""The JSON endpoints the pages read (`/api/...`): lists, summaries, history, graph, timeline."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engine.runtime.store import parse_execution
from engine.serve import views
from engine.serve.context import ServeContext


def routes(context: ServeContext) -> list[BaseRoute]:
    engine = context.engine
    histories = context.histories

    def executions(request: Request) -> Response:
        query = views.query_from(dict(request.query_params))
        return JSONResponse(views.executions_list(engine, query))

    def summary(request: Request) -> Response:
        return JSONResponse(views.execution_summary(engine, request.path_params["execution"]))

    def history(request: Request) -> Response:
        execution = request.path_params["execution"]
        page = views.history_page(engine, histories, execution, dict(request.query_params))
        return JSONResponse(page)

    def history_download(request: Request) -> Response:
        execution = parse_execution(request.path_params["execution"])
        engine.store.meta(execution)
        body = json.dumps({"events": views.all_events(histories, execution)}, indent=2)
        filename = execution.replace(":", "_") + "-history.json"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(body, media_type="application/json", headers=headers)

    def timeline(request: Request) -> Response:
        execution = parse_execution(request.path_params["execution"])
        engine.store.meta(execution)
        branches = views.branch_lanes(views.definition(engine, execution))
        return JSONResponse(views.timeline(histories.get(execution).view, branches))

    def state(request: Request) -> Response:
        execution = parse_execution(request.path_params["execution"])
        engine.store.meta(execution)
        view = histories.get(execution).view
        name = request.path_params["state"]
        return JSONResponse(views.state_entries(view, name, dict(request.query_params)))

    def graph(request: Request) -> Response:
        execution = parse_execution(request.path_params["execution"])
        status = engine.describe(execution)["status"]
        events = histories.get(execution).events
        return JSONResponse(views.graph_svg(engine, execution, events, status))

    def waiting(request: Request) -> Response:
        tasks = views.waiting(engine, request.path_params["execution"], reveal=False)
        return JSONResponse({"tasks": tasks})

    return [
        Route("/api/executions", executions, methods=["GET"]),
        Route("/api/executions/{execution}", summary, methods=["GET"]),
        Route("/api/executions/{execution}/history", history, methods=["GET"]),
        Route("/api/executions/{execution}/history.json", history_download, methods=["GET"]),
        Route("/api/executions/{execution}/timeline", timeline, methods=["GET"]),
        Route("/api/executions/{execution}/states/{state:path}", state, methods=["GET"]),
        Route("/api/executions/{execution}/graph", graph, methods=["GET"]),
        Route("/api/executions/{execution}/waiting", waiting, methods=["GET"]),
    ]
