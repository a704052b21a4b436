"""`sfn executions list|describe|history|purge`, `sfn stop`, `sfn redrive`: executions from the
shell."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from engine.cli.runtime_options import json_option, with_engine
from engine.errors import UsageError

Json = Any


def _echo_json(value: Json) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


@click.group()
def executions() -> None:
    """List and inspect executions."""


@executions.command("list")
@click.option("--state-machine", metavar="NAME", help="Only this state machine's executions.")
@click.option(
    "--status",
    type=click.Choice(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]),
    help="Only executions in this status.",
)
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="At most this many, newest first.",
)
@json_option
@with_engine
def list_(engine, state_machine: str | None, status: str | None, limit: int, as_json: bool):
    """List executions, newest first."""
    rows = engine.list_executions(state_machine, status, limit)
    if as_json:
        _echo_json(rows)
        return
    table = [
        [row["executionId"], row["status"], row["startDate"], row.get("stopDate", "")]
        for row in rows
    ]
    _table(table, ["EXECUTION", "STATUS", "STARTED", "STOPPED"])


@executions.command()
@click.argument("execution")
@json_option
@with_engine
def describe(engine, execution: str, as_json: bool) -> None:
    """Show one execution: status, input, output or error."""
    described = engine.describe(execution)
    if as_json:
        _echo_json(described)
        return
    for key, value in described.items():
        click.echo(f"{key + ':':<17}{value}")


@executions.command()
@click.argument("execution")
@click.option("--reverse", is_flag=True, help="Newest event first.")
@json_option
@with_engine
def history(engine, execution: str, reverse: bool, as_json: bool) -> None:
    """Show an execution's history events (AWS GetExecutionHistory shapes)."""
    events = engine.history(execution, reverse=reverse)
    if as_json:
        _echo_json(events)
        return
    _table([[e["id"], e["timestamp"], e["type"], _summary(e)] for e in events],
           ["ID", "TIME", "TYPE", "DETAIL"])  # fmt: skip


def _summary(event: dict[str, Json]) -> str:
    """The one detail worth a column: a state name, an error, or an index."""
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            for field in ("name", "error", "resource", "index"):
                if field in value:
                    text = str(value[field])
                    if field == "error" and value.get("cause"):
                        text += f": {value['cause']}"
                    return text[:80]
    return ""


@click.command()
@click.argument("execution")
@click.option("--error", metavar="NAME", help="Error recorded on the aborted execution.")
@click.option("--cause", metavar="TEXT", help="Cause recorded on the aborted execution.")
@json_option
@with_engine
def stop(engine, execution: str, error: str | None, cause: str | None, as_json: bool) -> None:
    """Stop a running execution (it ends ABORTED)."""
    described = engine.stop(execution, error, cause)
    click.echo(json.dumps(described) if as_json else f"{execution}: {described['status']}")


@click.command()
@click.argument("execution")
@json_option
@with_engine
def redrive(engine, execution: str, as_json: bool) -> None:
    """Continue a failed execution from the state that failed (workers do the running)."""
    described = engine.redrive(execution)
    summary = f"{execution}: {described['status']} (redrive {described['redriveCount']})"
    click.echo(json.dumps(described) if as_json else summary)


FINAL = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(text: str) -> float:
    """'90d', '12h', '1d12h', '30m', '45s', '2w' -> seconds; anything else is a usage error."""
    compact = text.strip().lower()
    parts = DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise UsageError(
            f"--older-than {text!r}: expected a duration such as 90d, 12h, 1d12h, 30m or 45s"
        )
    return sum(float(number) * UNIT_SECONDS[unit] for number, unit in parts)


@executions.command()
@click.option(
    "--older-than", metavar="DURATION", help="Only executions that ended this long ago (90d, 12h)."
)
@click.option("--status", type=click.Choice(FINAL), help="Only finished executions in this status.")
@click.option("--state-machine", metavar="NAME", help="Only this state machine's executions.")
@with_engine
def purge(engine, older_than: str | None, status: str | None, state_machine: str | None) -> None:
    """Delete finished executions now (running ones are never touched); print how many."""
    seconds = None if older_than is None else parse_duration(older_than)
    count = engine.purge(seconds, status, state_machine)
    click.echo(f"purged {count} execution{'' if count == 1 else 's'}")
