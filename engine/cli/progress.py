"""Live progress of a durable run, from its history: states entered and left, task failures
(retries), and one progress bar per Map instead of a line per iteration (a Distributed Map's
Map Run, whose iterations are child executions, is one line with its ARN).

On a terminal the bar redraws in place; otherwise it prints a plain line every tenth of the
iterations, so logs stay short and greppable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TextIO

Json = Any
BAR_WIDTH = 30


@dataclass
class MapProgress:
    """A Map's bar: of its `total` items, how many are done and how many failed."""

    name: str
    total: int
    done: int = 0
    failed: int = 0
    printed_tenth: int = 0


class Progress:
    """Feed it history events in order; it writes what a person wants to follow."""

    def __init__(self, stream: TextIO, *, tty: bool):
        self._stream = stream
        self._tty = tty
        self._entered_map: str | None = None
        self._map: MapProgress | None = None

    def feed(self, event: dict[str, Json]) -> None:
        kind = event["type"]
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), None) or {}
        if self._map is not None:
            self._inside_map(kind, details)
            return
        if kind == "MapStateEntered":
            self._entered_map = details.get("name")
        if kind == "MapStateStarted":
            self._map = MapProgress(self._entered_map or "Map", int(details.get("length", 0)))
            self._draw()
            return
        line = progress_line(kind, details)
        if line:
            self._write(line)

    def _inside_map(self, kind: str, details: dict[str, Json]) -> None:
        progress = self._map
        assert progress is not None
        ours = details.get("name") == progress.name
        if kind in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted") and ours:
            progress.done += 1
            progress.failed += kind != "MapIterationSucceeded"
            self._draw()
        elif kind == "MapRunStarted":  # a Distributed Map: its iterations are child executions
            if self._tty:
                self._stream.write("\r\033[K")
            self._write(f"  {progress.name}: Map Run {details.get('mapRunArn')}")
            self._map = None
        elif kind in ("MapStateSucceeded", "MapStateFailed", "MapStateAborted"):
            if self._tty:
                self._stream.write("\r\033[K")
            failed = f", {progress.failed} failed" if progress.failed else ""
            self._write(f"  {progress.name}: {progress.done}/{progress.total} iterations{failed}")
            self._map = None

    def _draw(self) -> None:
        progress = self._map
        assert progress is not None
        if self._tty:
            filled = BAR_WIDTH * progress.done // max(progress.total, 1)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self._stream.write(f"\r  {progress.name} [{bar}] {progress.done}/{progress.total}")
            self._stream.flush()
            return
        tenth = 10 * progress.done // max(progress.total, 1)
        if tenth > progress.printed_tenth:
            progress.printed_tenth = tenth
            self._write(f"  {progress.name}: {progress.done}/{progress.total}")

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


# Task, LambdaFunction and Activity events: what AWS records for each kind of Task resource.
TASK_EVENTS = ("Task", "LambdaFunction", "Activity")


def progress_line(kind: str, details: dict[str, Json]) -> str | None:
    """One plain line for the events a person follows; None for the others."""
    if kind.endswith("StateEntered"):
        return f"> {details.get('name')} ({kind.removesuffix('StateEntered')})"
    if kind.endswith("StateExited"):
        return f"< {details.get('name')}"
    if kind.endswith(("Failed", "TimedOut")) and kind.startswith(TASK_EVENTS):
        return f"! {details.get('resource', kind)}: {details.get('error')}"
    if kind == "MapRunFailed":
        return f"! Map Run: {details.get('error')}"
    if kind == "ExecutionRedriven":
        return "redriven"
    return None
