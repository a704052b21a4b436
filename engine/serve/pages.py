"""The web UI's pages: server-rendered HTML, escaped by the templates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from engine.serve.context import ServeContext


def routes(context: ServeContext) -> list[BaseRoute]:
    def home(request: Request) -> Response:
        return RedirectResponse("/executions", status_code=303)

    def executions_page(request: Request) -> Response:
        rows = context.engine.list_executions(limit=50)
        return context.render("executions.html", rows=rows)

    def executions_json(request: Request) -> Response:
        return JSONResponse({"executions": context.engine.list_executions(limit=50)})

    return [
        Route("/", home, methods=["GET"]),
        Route("/executions", executions_page, methods=["GET"]),
        Route("/api/executions", executions_json, methods=["GET"]),
    ]
