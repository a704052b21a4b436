"""The AWS Step Functions API (engine/awsapi) on the server's `POST /`."""

from __future__ import annotations

from starlette.routing import BaseRoute

from engine.awsapi import protocol
from engine.serve.context import ServeContext


def routes(context: ServeContext) -> list[BaseRoute]:
    return protocol.routes(context.engine, context.config.access_keys)
