"""`sfn dev`: keep this folder's embedded Redis server up in the foreground for other terminals,
with the web UI (`sfn serve`) on 127.0.0.1.

Other sfn commands in the same folder find the server by themselves; elsewhere, export the URL
it prints. Ctrl-C stops the server unless other sfn commands still use it.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from engine.errors import UsageError
from engine.runtime import config as settings
from engine.runtime.config import ENV_URL, redis_url_from_env
from engine.runtime.connection import connect
from engine.runtime.engine import Engine
from engine.runtime.server import EmbeddedServer
from engine.serve.app import create_app
from engine.serve.config import DEFAULT_PORT, serve_config
from engine.serve.context import ServeContext
from engine.serve.runner import BackgroundServer, bind


@click.command()
@click.option("--stop", is_flag=True, help="Stop this folder's server, even if in use, and exit.")
@click.option("--status", is_flag=True, help="Say whether this folder's server runs, and exit.")
@click.option(
    "--ui-port",
    default=DEFAULT_PORT,
    show_default=True,
    type=int,
    help="Port of the web UI on 127.0.0.1 (0: no UI).",
)
def dev(stop: bool, status: bool, ui_port: int) -> None:
    """Run this folder's embedded Redis server in the foreground until Ctrl-C."""
    server = EmbeddedServer(Path.cwd())
    if stop:
        stopped = server.stop()
        click.echo(f"stopped the server at {server.url}" if stopped else "no server was running")
        return
    if status:
        click.echo(describe(server))
        return
    if redis_url_from_env():
        click.echo(f"note: {ENV_URL} is set, so sfn commands use that server, not this one")
    if ui_port:
        settings.current()  # the UI's Engine reads the settings: a bad one stops us before any work
    with server.leased():
        click.echo(describe(server))
        click.echo(f"data: {server.data_dir} (append-only file, fsync every second)")
        click.echo(f"elsewhere: export {ENV_URL}={server.url}")
        ui = start_ui(server.url, ui_port) if ui_port else None
        click.echo("press Ctrl-C to stop")
        wait_for_interrupt()
        if ui is not None:
            ui.stop()
        others = len(server.live_leases()) - 1
    if others > 0:
        click.echo(f"the server keeps running for {others} other sfn process(es)")
    else:
        click.echo("server stopped")


def start_ui(redis_url: str, port: int) -> BackgroundServer | None:
    """The web UI on 127.0.0.1:`port` for this server; a busy port is a note, not a failure."""
    config = serve_config("127.0.0.1", port, None)
    try:
        sock = bind(config)
    except UsageError as error:
        click.echo(f"note: no web UI: {error} (sfn serve may run already)")
        return None
    context = ServeContext(Engine(redis_url), config)
    click.echo(f"web UI: {config.url}")
    return BackgroundServer(create_app(context), sock).start()


def describe(server: EmbeddedServer) -> str:
    if server.running_pid() is None:
        return f"no server running for {server.root}"
    info = connect(server.url).info("server")
    version = info.get("valkey_version") or info.get("redis_version")
    return (
        f"server for {server.root}: pid {info['process_id']}, {info.get('executable')} "
        f"(version {version}), at {server.url}"
    )


def wait_for_interrupt() -> None:
    """Block until SIGINT, SIGTERM or SIGHUP (terminal closed): each ends `sfn dev` cleanly."""
    done = threading.Event()

    def finish(signum: int, frame: FrameType | None) -> None:
        done.set()

    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, finish) for sig in stops}
    try:
        while not done.wait(3600):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
