"""The web UI's pages: server-rendered HTML (escaped by the templates) that the page scripts
keep live through the JSON endpoints."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from engine.errors import UsageError
from engine.graph import to_dot, to_svg
from engine.runtime.listing import STATUSES
from engine.serve import views
from engine.serve.context import ServeContext
from engine.serve.workflows import workflow_file, workflow_names


def routes(context: ServeContext) -> list[BaseRoute]:
    engine = context.engine

    def home(request: Request) -> Response:
        return RedirectResponse("/executions", status_code=303)

    def executions_page(request: Request) -> Response:
        params = dict(request.query_params)
        query = views.query_from(params)
        listing = views.executions_list(engine, query)
        next_params = {**params, "cursor": listing["nextCursor"]}
        return context.render(
            "executions.html",
            listing=listing,
            params=params,
            statuses=STATUSES,
            orders=[(value, order.label) for value, order in views.ORDERS.items()],
            live=query.cursor is None,
            next_url=f"/executions?{urlencode(next_params)}" if listing["nextCursor"] else None,
            sort_urls=_sort_urls(params),
            workflows=workflow_names(context.workflows),
        )

    def execution_page(request: Request) -> Response:
        summary = views.execution_summary(engine, request.path_params["execution"])
        return context.render("execution.html", execution=summary)

    def workflows_page(request: Request) -> Response:
        files = [
            workflow_file(context.workflows, name) for name in workflow_names(context.workflows)
        ]
        return context.render(
            "workflows.html",
            files=files,
            folder=str(context.workflows),
            machines=views.state_machine_versions(engine, files),
        )

    def workflow_graph(request: Request) -> Response:
        found = workflow_file(context.workflows, request.path_params["name"])
        if found.data is None:
            raise UsageError(f"{found.name} cannot be loaded")
        drawing = to_svg(to_dot(found.data, name=found.machine))
        return JSONResponse({"svg": drawing[drawing.find("<svg") :]})

    return [
        Route("/api/workflows/{name}/graph", workflow_graph, methods=["GET"]),
        Route("/", home, methods=["GET"]),
        Route("/executions", executions_page, methods=["GET"]),
        Route("/executions/{execution}", execution_page, methods=["GET"]),
        Route("/workflows", workflows_page, methods=["GET"]),
    ]


def _sort_urls(params: dict[str, str]) -> dict[str, str]:
    """The Started and Stopped column headers' links: sort by that column, newest first, or
    the other way round if the list is sorted so already (first page, same filters)."""
    order = params.get("order") or "newest"
    kept = {key: value for key, value in params.items() if key not in ("order", "cursor")}
    started = "oldest" if order == "newest" else "newest"
    stopped = "ended-oldest" if order == "ended-newest" else "ended-newest"
    return {
        column: f"/executions?{urlencode({**kept, 'order': value})}"
        for column, value in (("started", started), ("stopped", stopped))
    }
