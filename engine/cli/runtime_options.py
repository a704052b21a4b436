"""Options and helpers shared by the commands that talk to the durable runtime.

Redis, RQ and the runtime are imported only when a command uses them: `sfn run --in-memory`
loads this module and never needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from engine.errors import RedisUnavailable

if TYPE_CHECKING:
    from engine.runtime.engine import Engine

redis_url_option = click.option(
    "--redis-url",
    metavar="URL",
    help="Redis server (redis://, rediss://); default $SFN_REDIS_URL, else the embedded one.",
)

workflows_option = click.option(
    "--workflows",
    type=click.Path(exists=True, file_okay=False),
    metavar="DIR",
    help="Where nested startExecution finds state machine files NAME.asl.json / .yaml "
    "(default $SFN_WORKFLOWS, else ./workflows).",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def engine_for(redis_url: str | None) -> Engine:
    """The Engine of `--redis-url` / $SFN_REDIS_URL / the embedded server."""
    from engine.runtime.engine import Engine

    return Engine(redis_url)


def with_engine(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --redis-url to a command and pass it an `engine` instead."""

    @redis_url_option
    def wrapper(redis_url: str | None, **kwargs: Any) -> Any:
        import redis

        try:
            return command(engine_for(redis_url), **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise RedisUnavailable(f"lost the connection to Redis: {error}") from None

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper
