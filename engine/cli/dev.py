"""`sfn dev`: keep this folder's embedded Redis server up in the foreground for other terminals.

Other sfn commands in the same folder find the server by themselves; elsewhere, export the URL
it prints. Ctrl-C stops the server unless other sfn commands still use it.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from engine.runtime.connection import connect
from engine.runtime.server import ENV_URL, EmbeddedServer


@click.command()
@click.option("--stop", is_flag=True, help="Stop this folder's server, even if in use, and exit.")
@click.option("--status", is_flag=True, help="Say whether this folder's server runs, and exit.")
def dev(stop: bool, status: bool) -> None:
    """Run this folder's embedded Redis server in the foreground until Ctrl-C."""
    server = EmbeddedServer(Path.cwd())
    if stop:
        stopped = server.stop()
        click.echo(f"stopped the server at {server.url}" if stopped else "no server was running")
        return
    if status:
        click.echo(describe(server))
        return
    if os.environ.get(ENV_URL):
        click.echo(f"note: {ENV_URL} is set, so sfn commands use that server, not this one")
    with server.leased():
        click.echo(describe(server))
        click.echo(f"data: {server.data_dir} (append-only file, fsync every second)")
        click.echo(f"elsewhere: export {ENV_URL}={server.url}")
        click.echo("press Ctrl-C to stop")
        wait_for_interrupt()
        others = len(server.live_leases()) - 1
    if others > 0:
        click.echo(f"the server keeps running for {others} other sfn process(es)")
    else:
        click.echo("server stopped")


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
