"""`sfn validate FILE...`: check definitions and print every problem as `file:line:col: ...`.

Exit status: 0 when every file is valid, 1 when any file is invalid or cannot be loaded (bad
syntax, binary, too big...), 2 on a usage error: no such file, a directory, bad options.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from engine.cli.substitution_options import substitution_options
from engine.errors import DefinitionError, Diagnostic

VALID, INVALID, USAGE = 0, 1, 2


def check_file(
    name: str, substitutions: dict[str, str] | None = None
) -> tuple[int, list[Diagnostic]]:
    """(status, diagnostics) of one file, its `${Name}` placeholders filled from `substitutions`."""
    from engine.definition import load_definition, validate

    path = Path(name)
    if not path.exists():
        return USAGE, [Diagnostic("no such file", file=name)]
    if path.is_dir():
        return USAGE, [Diagnostic("is a directory, not a definition file", file=name)]
    try:
        document = load_definition(path, filename=name, substitutions=substitutions)
    except DefinitionError as error:
        return INVALID, error.diagnostics
    diagnostics = validate(document)
    errors = any(diagnostic.severity == "error" for diagnostic in diagnostics)
    return (INVALID if errors else VALID), diagnostics


def _as_json(name: str, status: int, diagnostics: list[Diagnostic]) -> dict:
    return {
        "file": name,
        "valid": status == VALID,
        "diagnostics": [
            {
                "file": item.file,
                "line": item.line,
                "column": item.column,
                "severity": item.severity,
                "message": item.message,
                "path": list(item.path),
            }
            for item in diagnostics
        ],
    }


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one `file:line:col: error: message` line per problem; json: one JSON document.",
)
@substitution_options
def validate(files: tuple[str, ...], output_format: str, substitutions: dict[str, str]) -> None:
    """Check workflow definitions (YAML or JSON) against the ASL schema and rules.

    Exits 0 when all are valid (warnings, for what AWS accepts but cannot run as written, do not
    count), 1 when any is not, 2 when a file does not exist.
    """
    results = [(name, *check_file(name, substitutions)) for name in files]
    worst = max(status for _, status, _ in results)
    if output_format == "json":
        report = {"valid": worst == VALID, "files": [_as_json(*result) for result in results]}
        click.echo(json.dumps(report, indent=2))
    else:
        for _, _, diagnostics in results:
            for diagnostic in diagnostics:
                click.echo(str(diagnostic))
        click.echo(_summary(results), err=True)
    raise SystemExit(worst)


def _summary(results: list[tuple[str, int, list[Diagnostic]]]) -> str:
    bad = [name for name, status, _ in results if status != VALID]
    every = [item for _, _, diagnostics in results for item in diagnostics]
    problems = sum(item.severity == "error" for item in every)
    warnings = len(every) - problems
    warned = f" ({warnings} warning{'s' if warnings > 1 else ''})" if warnings else ""
    if not bad:
        return f"{len(results)} file{'s' if len(results) > 1 else ''} valid{warned}"
    noun = "problem" if problems == 1 else "problems"
    return (
        f"{problems} {noun} in {len(bad)} of {len(results)} file{'s' if len(results) > 1 else ''}"
        f"{warned}"
    )
