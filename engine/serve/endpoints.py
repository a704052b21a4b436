"""The JSON endpoints the pages read (`/api/...`): lists, summaries, history, graph, timeline."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engine.serve import views
from engine.serve.context import ServeContext


def routes(context: ServeContext) -> list[BaseRoute]:
    engine = context.engine

    def executions(request: Request) -> Response:
        query = views.query_from(dict(request.query_params))
        return JSONResponse(views.executions_list(engine, query))

    def summary(request: Request) -> Response:
        return JSONResponse(views.execution_summary(engine, request.path_params["execution"]))

    def history(request: Request) -> Response:
        view = views.history_view(engine, request.path_params["execution"])
        return JSONResponse(views.history_page(view, dict(request.query_params)))

    def history_download(request: Request) -> Response:
        execution = request.path_params["execution"]
        view = views.history_view(engine, execution)
        rows = views.history_page(view, {"limit": str(len(view.events))})["events"]
        body = json.dumps({"events": [row["event"] for row in rows]}, indent=2)
        filename = execution.replace(":", "_") + "-history.json"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(body, media_type="application/json", headers=headers)

    def states(request: Request) -> Response:
        view = views.history_view(engine, request.path_params["execution"])
        return JSONResponse({"states": views.state_details(view), **views.timeline(view)})

    def graph(request: Request) -> Response:
        execution = request.path_params["execution"]
        status = engine.describe(execution)["status"]
        drawing = views.graph_svg(engine, execution, engine.history(execution), status)
        return JSONResponse(drawing)

    def waiting(request: Request) -> Response:
        execution = request.path_params["execution"]
        tasks = views.waiting(engine, execution, reveal=False)
        return JSONResponse({"tasks": tasks})

    return [
        Route("/api/executions/{execution}/waiting", waiting, methods=["GET"]),
        Route("/api/executions", executions, methods=["GET"]),
        Route("/api/executions/{execution}", summary, methods=["GET"]),
        Route("/api/executions/{execution}/history", history, methods=["GET"]),
        Route("/api/executions/{execution}/history.json", history_download, methods=["GET"]),
        Route("/api/executions/{execution}/states", states, methods=["GET"]),
        Route("/api/executions/{execution}/graph", graph, methods=["GET"]),
    ]
