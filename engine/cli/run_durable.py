"""The durable path of `sfn run`: start on Redis, work in-process (unless told not to), report.

Progress (`engine.cli.progress`: states entered and exited, task failures and retries, a bar
per Map) goes to stderr so stdout carries only the result; `--json` prints only the result.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
import redis

from engine.errors import RedisUnavailable, SfnError, UsageError
from engine.serve.config import DEFAULT_HOST, DEFAULT_PORT

Json = Any
POLL_SECONDS = 0.2
REDIS_PATIENCE = 60.0


def run_durable(
    file: Path,
    execution_input: Json,
    activity_specs: tuple[str, ...],
    *,
    name: str | None = None,
    wait: bool = True,
    worker: bool = True,
    as_json: bool = False,
    redis_url: str | None = None,
    substitutions: dict[str, str] | None = None,
    entry_points: bool = True,
) -> int:
    """Run FILE durably and print how it ended; return the exit code (0 SUCCEEDED, 1 not).
    `entry_points` False (FILE has no Task state): the `sfn.activities` entry points are read
    only if a worker starts here (it may run other executions' Tasks)."""
    from engine.activity_loading import load_activities
    from engine.runtime.engine import Engine

    interrupt_on_stop_signals()
    activities = load_activities(activity_specs, entry_points=entry_points)
    engine = Engine(redis_url, activities=activities)
    # The embedded worker runs the tasks here, so each resource must name an activity loaded
    # here, even when none is; remote workers (--no-worker) may know activities we do not.
    check = True if worker else None
    # As JSON text: the API reads a str as JSON text, and a JSON string input must stay one.
    text = json.dumps(execution_input)
    if _named(engine, file):
        if substitutions:
            raise UsageError(f"{file} is a state machine created by name: no substitutions")
        started = engine.start_state_machine(str(file), text, name, check_resources=check)
        execution = started.execution
    else:
        execution = engine.start_execution(
            file, text, name, check_resources=check, substitutions=substitutions
        )
    if not wait:
        described = engine.describe(execution)
        click.echo(json.dumps(_result(described)) if as_json else execution)
        return 0
    if not as_json:
        click.echo(f"execution {execution}", err=True)
    revive = _reviver(redis_url)
    described = _follow(
        engine, execution, worker, show=not as_json, revive=revive, skipped=not entry_points
    )
    result = _result(described)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print(result)
        click.echo(f"see it: sfn serve, then open {_ui_url(execution)}", err=True)
    return 0 if result["status"] == "SUCCEEDED" else 1


def _ui_url(execution: str) -> str:
    """Where `sfn serve` (default address) shows the execution: a newcomer's next step."""
    return f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/executions/{quote(execution, safe=':')}"


def _named(engine: Any, file: Path) -> bool:
    """FILE names no file but a state machine created by name (AWS API CreateStateMachine)."""
    from engine.runtime.state_machines import StateMachineDoesNotExist

    if file.exists() or str(file) != file.name:
        return False
    try:
        engine.state_machines.get(file.name)
    except StateMachineDoesNotExist:
        return False
    return True


def _reviver(redis_url: str | None) -> Callable[[], bool] | None:
    """What starts the embedded server again should it stop under this run, if it uses one."""
    from engine.runtime.server import embedded_server

    server = embedded_server(redis_url)
    return server.revive if server is not None else None


def _follow(
    engine: Any,
    execution: str,
    worker: bool,
    *,
    show: bool,
    revive: Callable[[], bool] | None = None,
    skipped: bool = False,
) -> dict[str, Json]:
    """Wait for the end (working in-process unless `worker` is False), echoing progress.
    `skipped`: the `sfn.activities` entry points were not read; a worker started here needs
    them."""
    from engine.cli.progress import Progress

    stderr = click.get_text_stream("stderr")
    progress = Progress(stderr, tty=stderr.isatty()) if show else None
    embedded = None
    # The start's commit runs the states up to the first that waits (a Task, a Wait, a Map's
    # or a Parallel's children): a workflow of Pass and Choice states has ended by now, and a
    # worker would only register and leave.
    if worker and engine.describe(execution)["status"] == "RUNNING":
        from engine.activity_loading import load_into
        from engine.runtime.worker import EmbeddedWorker

        if skipped:
            load_into(engine.activities, (), entry_points=True)
        embedded = EmbeddedWorker(engine.redis, activities=engine.activities).start()
    if not worker and not _workers_running(engine):
        click.echo("warning: no `sfn worker` is running; the execution waits for one", err=True)
    seen, outage = 0, Outage(REDIS_PATIENCE, revive)
    try:
        while True:
            try:
                described = engine.wait(execution, timeout=POLL_SECONDS)
                events = engine.store.history(execution, seen)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                outage.wait(error)
                continue
            outage.over()
            seen += len(events)
            for event in events if progress else ():
                progress.feed(event)
            if described["status"] != "RUNNING":
                return described
    except KeyboardInterrupt:
        raise SfnError(
            f"interrupted; execution {execution} is still running: "
            "`sfn run` again with the same --name and input resumes it, or start `sfn worker`"
        ) from None
    finally:
        if embedded is not None:
            embedded.stop()


def interrupt_on_stop_signals() -> None:
    """SIGTERM (a `timeout`, `docker stop`) and SIGHUP (the terminal closed) end `sfn run` as
    Ctrl-C does: the execution stays resumable, the embedded worker stops, and the embedded
    server's lease is released (the last lease stops the server). Python's default for both is
    to die at once, leaving the server running with a stale lease."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, interrupt)


class Outage:
    """Rides out a Redis restart (the execution is safe in its data); gives up after a while.
    The embedded server, if `revive` is given, is started again at once (`sfn dev --stop`)."""

    def __init__(self, patience: float, revive: Callable[[], bool] | None = None):
        self._patience = patience
        self._revive = revive
        self._since: float | None = None

    def wait(self, error: Exception) -> None:
        now = time.monotonic()
        if self._revive is not None and self._revive():
            click.echo("the embedded Redis server had stopped; started it again", err=True)
            return
        if self._since is None:
            self._since = now
            click.echo(f"Redis unreachable ({error}); waiting for it to come back", err=True)
        if now - self._since > self._patience:
            raise RedisUnavailable(f"Redis unreachable for {self._patience:g} s: {error}")
        time.sleep(POLL_SECONDS)

    def over(self) -> None:
        self._since = None


def _workers_running(engine: Any) -> bool:
    from rq import Worker

    return Worker.count(connection=engine.redis) > 0


def _result(described: dict[str, Json]) -> dict[str, Json]:
    output = described.get("output")
    return {
        "executionId": described["executionId"],
        "status": described["status"],
        "output": json.loads(output) if output is not None else None,
        "error": described.get("error"),
        "cause": described.get("cause"),
    }


def _print(result: dict[str, Json]) -> None:
    click.echo(f"status: {result['status']}")
    if result["status"] == "SUCCEEDED":
        click.echo(json.dumps(result["output"], indent=2, ensure_ascii=False))
        return
    if result["status"] == "RUNNING":
        return
    click.echo(f"error: {result['error']}")
    if result["cause"] is not None:
        click.echo(f"cause: {result['cause']}")
