"""Every error sfn reports, as one small hierarchy.

The CLI renders these once, at the edge; nothing below it prints. ASL runtime errors
(States.Runtime, States.TaskFailed, ...) are values too: `AslError` carries the name and cause
that Retry and Catch match, and the interpreter turns it into a state failure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a definition, at a place a person can find."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: tuple[str | int, ...] = ()
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file or "<definition>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.severity}: {self.message}"


class SfnError(Exception):
    """Base of every error sfn reports to a user. `exit_code` is what the CLI exits with."""

    exit_code = 1


class DefinitionError(SfnError):
    """A definition could not be loaded or is not valid ASL."""

    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(SfnError):
    """Bad options or input given by the user (malformed input JSON, unknown file...)."""

    exit_code = 2


class AslError(Exception):
    """An ASL runtime error: what a state fails with, matched by Retry and Catch by `error`."""

    def __init__(self, error: str, cause: str | None = None):
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}" if cause else error)


class QueryEvaluationError(AslError):
    """States.QueryEvaluationError. `location` is the field that failed ("Output/result"), as
    AWS's EvaluationFailed event names it; the interpreter prefixes the cause with the state."""

    def __init__(self, cause: str, location: str | None = None):
        super().__init__("States.QueryEvaluationError", cause)
        self.location = location


class ExpressionError(SfnError):
    """A path, payload template or intrinsic call that does not parse (found at load time)."""

    exit_code = 2


class UnknownResource(SfnError):
    """A Task's Resource names no registered activity; the message lists the known ones."""

    exit_code = 2

    def __init__(self, resource: str, known: list[str]):
        self.resource = resource
        self.known = sorted(known)
        listing = ", ".join(self.known) if self.known else "none"
        super().__init__(
            f"unknown resource {resource!r}: no activity of that name is registered "
            f"(known: {listing}); load activities with --activities MODULE|PATH, "
            "an 'sfn.activities' entry point, or an ./activities folder"
        )


class UnhandledResource(SfnError):
    """A Task's Resource is an AWS integration that nothing registered runs."""

    exit_code = 2

    def __init__(self, resource: str):
        self.resource = resource
        super().__init__(
            f"no handler is registered for resource {resource!r}: register one in an "
            f'activities module with `@integration("{resource}")` (from engine import '
            "integration; a glob such as 'sqs:*' matches several), or mock the state with "
            "--mock-config"
        )


class RedisUnavailable(SfnError):
    """The Redis server cannot be reached or refused us: a configuration problem, like bad usage."""

    exit_code = 2
