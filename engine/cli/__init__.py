"""The `sfn` command: a thin layer that parses options, calls the Python API and renders.

Subcommands are imported only when invoked, so `sfn --help` starts fast.
"""

from __future__ import annotations

from importlib import import_module

import click

# name -> ("module:attribute" of a click command, one-line help shown by `sfn --help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("engine.cli.validate:validate", "Check definitions against the ASL rules."),
    "graph": ("engine.cli.graph:graph", "Draw a definition (or an execution) with Graphviz."),
    "run": ("engine.cli.run:run", "Start an execution and print its result."),
    "dev": ("engine.cli.dev:dev", "Run this folder's embedded Redis server in the foreground."),
    "worker": ("engine.cli.worker:worker", "Run workers that execute activities."),
    "executions": ("engine.cli.executions:executions", "List and inspect executions."),
    "stop": ("engine.cli.executions:stop", "Stop a running execution."),
    "redrive": ("engine.cli.executions:redrive", "Continue a failed execution."),
    "serve": ("engine.cli.serve:serve", "Serve the web UI on http://127.0.0.1:8083/."),
    "send-task-success": ("engine.cli.tasks:send_task_success", "Complete a callback task."),
    "send-task-failure": ("engine.cli.tasks:send_task_failure", "Fail a callback task."),
    "send-task-heartbeat": ("engine.cli.tasks:send_task_heartbeat", "Heartbeat a callback task."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attr = COMMANDS[name][0].partition(":")
        return getattr(import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        # The one place an SfnError becomes a message and an exit code: never a traceback.
        from engine.errors import DefinitionError, SfnError

        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            # A bad option or argument is one line, like every other bad input (exit 2).
            where = error.ctx.command_path if error.ctx is not None else ctx.command_path
            click.echo(f"error: {where}: {error.format_message()}", err=True)
            ctx.exit(error.exit_code)
        except DefinitionError as error:
            click.echo(str(error), err=True)  # each line is already `file:line:col: error: ...`
            ctx.exit(error.exit_code)
        except SfnError as error:
            click.echo(f"error: {error}" if str(error) else "error", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=LazyGroup)
@click.version_option(package_name="sfn-engine")
def main() -> None:
    """sfn: durable Amazon States Language workflows on Redis and RQ."""
