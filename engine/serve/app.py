"""The ASGI application: routes collected from `ROUTE_MODULES`, static files, auth.

A module joins the server by exposing `routes(context: ServeContext) -> list[BaseRoute]` and
being listed in `ROUTE_MODULES`; pages never need editing for it. `POST /` is left free for
the AWS JSON API (`X-Amz-Target: AWSStepFunctions.<Operation>`).
"""

from __future__ import annotations

from types import ModuleType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from engine.serve import pages
from engine.serve.auth import TokenAuth
from engine.serve.context import ServeContext

ROUTE_MODULES: tuple[ModuleType, ...] = (pages,)


def create_app(context: ServeContext, modules: tuple[ModuleType, ...] = ROUTE_MODULES) -> Starlette:
    routes: list[BaseRoute] = []
    for module in modules:
        routes += module.routes(context)
    routes.append(Mount("/static", StaticFiles(packages=[("engine.serve", "static")]), "static"))
    middleware = []
    if context.config.token is not None:
        middleware.append(Middleware(TokenAuth, token=context.config.token))
    return Starlette(routes=routes, middleware=middleware)
