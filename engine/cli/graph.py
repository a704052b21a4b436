"""`sfn graph FILE [-o OUT] [--execution ID]`: draw a definition, or what an execution did."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.substitution_options import substitution_options
from engine.definition import load_definition
from engine.graph import output_format, render, to_dot
from engine.graph_overlay import state_runs


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file; .dot/.gv need nothing, .svg/.png need Graphviz's dot.",
)
@click.option(
    "--execution",
    metavar="ID",
    help="Colour the states by what this durable execution did (id, name or ARN).",
)
@click.option(
    "--redis-url",
    metavar="URL",
    help="With --execution: the Redis server; default $SFN_REDIS_URL, else the embedded one.",
)
@substitution_options
def graph(
    file: Path,
    output: Path | None,
    execution: str | None,
    redis_url: str | None,
    substitutions: dict[str, str],
) -> None:
    """Draw the state machine in FILE: states, transitions, Retry/Catch, branches."""
    if output is not None:
        output_format(output)  # a bad suffix is reported before any work
    document = load_definition(file, substitutions=substitutions)
    runs, title = None, None
    if execution is not None:
        described, history = _execution(execution, redis_url, document.data, file)
        runs = state_runs(history, described["status"])
        title = f"execution {described.get('name', execution)}: {described['status']}"
    name = file.stem.removesuffix(".asl")
    source = to_dot(document.data, name=name, runs=runs, title=title)
    if output is None:
        click.echo(source, nl=False)
        return
    render(source, output)
    click.echo(f"wrote {output}", err=True)


def _execution(ref: str, redis_url: str | None, data: dict, file: Path) -> tuple[dict, list]:
    """DescribeExecution and the history of a durable execution that ran the definition in
    `file` (its states would not match another's: UsageError)."""
    from engine.cli.runtime_options import engine_for
    from engine.errors import UsageError
    from engine.runtime.store import definition_digest, parse_execution

    engine = engine_for(redis_url)
    described = engine.describe(ref)
    ran = engine.store.meta(parse_execution(ref)).get("definition")
    if ran != definition_digest(data):
        raise UsageError(
            f"execution {described['executionId']} ran another definition than {file} "
            f"(state machine {described['stateMachineArn'].rpartition(':')[2]!r}, "
            f"definition {str(ran)[:12]}); draw it with the file it ran"
        )
    return described, engine.history(ref)
