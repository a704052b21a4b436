"""The ASGI application: routes collected from `ROUTE_MODULES`, static files, auth, errors.

A module joins the server by exposing `routes(context: ServeContext) -> list[BaseRoute]` and
being listed in `ROUTE_MODULES`; pages never need editing for it. `POST /` is the AWS JSON
API (`serve/aws.py`: `X-Amz-Target: AWSStepFunctions.<Operation>`, engine/awsapi).
"""

from __future__ import annotations

from types import ModuleType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from engine.errors import SfnError, UsageError
from engine.runtime.engine import ExecutionNotRedrivable, TaskNotAwaited
from engine.runtime.store import ExecutionAlreadyExists, ExecutionDoesNotExist
from engine.serve import actions, aws, endpoints, metrics, pages, workers
from engine.serve.auth import TokenAuth
from engine.serve.context import ServeContext

ROUTE_MODULES: tuple[ModuleType, ...] = (pages, endpoints, actions, workers, metrics, aws)
# HTTP status of each error a request may meet; any other SfnError is a 500.
STATUS_OF: tuple[tuple[type[SfnError], int], ...] = (
    (ExecutionDoesNotExist, 404),
    (ExecutionAlreadyExists, 409),
    (ExecutionNotRedrivable, 409),
    (TaskNotAwaited, 409),
    (UsageError, 400),
    (SfnError, 500),
)


def create_app(context: ServeContext, modules: tuple[ModuleType, ...] = ROUTE_MODULES) -> Starlette:
    routes: list[BaseRoute] = []
    for module in modules:
        routes += module.routes(context)
    routes.append(Mount("/static", StaticFiles(packages=[("engine.serve", "static")]), "static"))
    middleware = []
    if context.config.token is not None:
        signed_api = bool(context.config.access_keys)
        middleware.append(Middleware(TokenAuth, token=context.config.token, signed_api=signed_api))

    def error(request: Request, exc: Exception) -> Response:
        status = next(code for kind, code in STATUS_OF if isinstance(exc, kind))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        title = "Not found" if status == 404 else "Error"
        return context.render("error.html", status, title=title, message=str(exc))

    return Starlette(routes=routes, middleware=middleware, exception_handlers={SfnError: error})
