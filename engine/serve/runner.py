"""Running the app on uvicorn: in the foreground (`sfn serve`) or on a thread (`sfn dev`).

The listening socket is bound here first, so a port already in use is one clear line, not a
uvicorn log.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette

from engine.errors import UsageError
from engine.serve.config import ServeConfig


def bind(config: ServeConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host.strip("[]"), config.port))
    except OSError as error:
        sock.close()
        raise UsageError(
            f"cannot listen on {config.host}:{config.port}: {error.strerror or error}"
        ) from None
    sock.listen(128)
    return sock


def server(app: Starlette) -> uvicorn.Server:
    # No access log: URLs are not secret, but nothing a request carries needs to be kept.
    return uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    )


def serve_forever(app: Starlette, sock: socket.socket, ready: Callable[[], None]) -> None:
    """Serve until SIGINT, SIGTERM or SIGHUP (the terminal closed), then return, so the exit
    hooks run and the embedded server's lease is released (the last lease stops the server).
    `ready` (the banner) runs once these signals are handled: one sent as soon as it shows
    stops the server too.

    uvicorn stops on SIGINT and SIGTERM and then raises the signal again; Python's default for
    SIGTERM, like SIGHUP's, ends the process at once, before its exit hooks. So both stop the
    server here, which is also what the signal raised again finds."""
    running = server(app)

    def stop(_signum: int, _frame: object) -> None:
        running.should_exit = True

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    ready()
    running.run(sockets=[sock])


class BackgroundServer:
    """The app on a daemon thread, stopped by `stop()` (for `sfn dev`)."""

    def __init__(self, app: Starlette, sock: socket.socket):
        self._server = server(app)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sfn-serve", daemon=True
        )

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
