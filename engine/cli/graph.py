"""`sfn graph FILE [-o OUT]`: draw a definition with Graphviz (DOT on stdout by default)."""

from __future__ import annotations

from pathlib import Path

import click

from engine.definition import load_definition
from engine.graph import output_format, render, to_dot


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file; .dot/.gv need nothing, .svg/.png need Graphviz's dot.",
)
def graph(file: Path, output: Path | None) -> None:
    """Draw the state machine in FILE: states, transitions, Retry/Catch, branches."""
    if output is not None:
        output_format(output)  # a bad suffix is reported before any work
    document = load_definition(file)
    source = to_dot(document.data, name=file.stem)
    if output is None:
        click.echo(source, nl=False)
        return
    render(source, output)
    click.echo(f"wrote {output}", err=True)
