"""`sfn send-task-success|failure|heartbeat`: complete a callback task by its token."""

from __future__ import annotations

import click

from engine.cli.runtime_options import with_engine

token_option = click.option("--token", "token", required=True, help="The task token.")


@click.command("send-task-success")
@token_option
@click.option("--output", "output", default="{}", metavar="JSON", help="The task's result.")
@with_engine
def send_task_success(engine, token: str, output: str) -> None:
    """Complete a waiting task with a result."""
    from engine.runtime.engine import parse_input

    engine.send_task_success(token, parse_input(output, "--output"))


@click.command("send-task-failure")
@token_option
@click.option("--error", metavar="NAME", help="The error Retry/Catch will see.")
@click.option("--cause", metavar="TEXT", help="A longer explanation.")
@with_engine
def send_task_failure(engine, token: str, error: str | None, cause: str | None) -> None:
    """Fail a waiting task."""
    engine.send_task_failure(token, error, cause)


@click.command("send-task-heartbeat")
@token_option
@with_engine
def send_task_heartbeat(engine, token: str) -> None:
    """Tell sfn a waiting task is still being worked on (HeartbeatSeconds)."""
    engine.send_task_heartbeat(token)
