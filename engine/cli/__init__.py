"""The `sfn` command: a thin layer that parses options, calls the Python API and renders.

Subcommands are imported only when invoked, so `sfn --help` starts fast.
"""

from __future__ import annotations

from importlib import import_module

import click

# name -> "module:attribute" of a click command; one module per command (or group).
COMMANDS: dict[str, str] = {
    "validate": "engine.cli.validate:validate",
    "graph": "engine.cli.graph:graph",
    "run": "engine.cli.run:run",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(import_module(module), attr)


@click.group(cls=LazyGroup)
@click.version_option(package_name="sfn-engine")
def main() -> None:
    """sfn: durable Amazon States Language workflows on Redis and RQ."""
