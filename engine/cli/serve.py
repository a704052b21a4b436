"""`sfn serve`: the web UI, /metrics (and the AWS API) on one HTTP port."""

from __future__ import annotations

import click

from engine.cli.runtime_options import engine_for, redis_url_option, workflows_option
from engine.runtime import config as settings
from engine.runtime.config import credentials_from_env
from engine.serve.app import create_app
from engine.serve.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ENV_ACCESS_KEYS,
    ENV_TOKEN,
    serve_config,
)
from engine.serve.context import ServeContext
from engine.serve.runner import bind, serve_forever


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="TCP port.")
@click.option(
    "--token",
    metavar="TOKEN",
    help=f"Require this token (Basic auth password or Bearer); default ${ENV_TOKEN}. "
    "Needed for any host other than 127.0.0.1/localhost.",
)
@redis_url_option
@workflows_option
def serve(
    host: str, port: int, token: str | None, redis_url: str | None, workflows: str | None
) -> None:
    """Serve the web UI on http://HOST:PORT/ (Ctrl-C to stop)."""
    token = token or credentials_from_env(ENV_TOKEN)
    config = serve_config(host, port, token, credentials_from_env(ENV_ACCESS_KEYS))
    folder = settings.install(settings.current().with_workflows(workflows)).workflows
    context = ServeContext(engine_for(redis_url), config, folder.resolve())
    sock = bind(config)
    banner = f"sfn serve: {config.url}" + (" (auth token required)" if config.token else "")
    serve_forever(create_app(context), sock, ready=lambda: click.echo(banner))
