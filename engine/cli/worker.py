"""`sfn worker`: run RQ workers that execute activities, timers and joins for sfn."""

from __future__ import annotations

import click

from engine.cli.runtime_options import redis_url_option, workflows_option


@click.command()
@redis_url_option
@click.option(
    "-q", "--queue", "queues", multiple=True, metavar="NAME",
    help="Also listen on this queue, for activities routed there (repeatable; always: sfn and "
    "sfn.activity.<name> of each loaded activity).",
)  # fmt: skip
@click.option(
    "-a", "--activities", "activity_specs", multiple=True, metavar="MODULE|PATH",
    help="Load activities from a module, file or folder (repeatable; default ./activities).",
)  # fmt: skip
@click.option("-c", "--concurrency", default=1, show_default=True, help="Worker processes.")
@click.option(
    "--burst", is_flag=True,
    help="Quit once the queues are empty and no timer (Wait, retry, timeout) of a running "
    "execution is pending.",
)  # fmt: skip
@click.option("--fork", is_flag=True, help="Run each job in a forked work horse (isolation).")
@click.option(
    "--log-level", default="INFO", show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)  # fmt: skip
@click.option(
    "--lease-seconds", metavar="S",
    help="Lost-worker detection: a task whose worker is silent this long is lost (default 15).",
)  # fmt: skip
@click.option(
    "--eager-tasks", metavar="N",
    help="Tasks a worker runs in a row without the queue, after one it took from it "
    "(default 10, $SFN_EAGER_TASKS; 0: every Task is queued).",
)  # fmt: skip
@click.option(
    "--buckets-dir", metavar="DIR",
    help="Folder of a Distributed Map's S3 buckets (<DIR>/<Bucket>/<Key>; default "
    "$SFN_BUCKETS_DIR, else ./buckets).",
)  # fmt: skip
@workflows_option
def worker(
    redis_url: str | None,
    queues: tuple[str, ...],
    activity_specs: tuple[str, ...],
    concurrency: int,
    burst: bool,
    fork: bool,
    log_level: str,
    lease_seconds: str | None,
    eager_tasks: str | None,
    buckets_dir: str | None,
    workflows: str | None,
) -> None:
    """Run workers: they run Task activities and advance executions (Ctrl+C stops)."""
    from engine.activity_loading import load_activities
    from engine.errors import UsageError
    from engine.runtime import config as settings
    from engine.runtime.connection import connect
    from engine.runtime.server import resolve_redis_url
    from engine.runtime.worker import listen_queues, run_pool, run_worker, worker_client

    if concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    # Every setting is checked here, once: a bad one is a usage error before any work starts.
    flags = settings.current().with_flags(
        lease_seconds=lease_seconds, eager_tasks=eager_tasks, buckets_dir=buckets_dir
    )
    flags = flags.with_workflows(workflows)
    config = settings.install(flags)  # the pool's forked processes inherit it
    registry = load_activities(activity_specs)
    names = ", ".join(registry.names()) or "none (give --activities MODULE|PATH)"
    click.echo(f"sfn worker: activities: {names}", err=True)
    click.echo(f"sfn worker: queues: {', '.join(listen_queues(queues, registry))}", err=True)
    url = resolve_redis_url(redis_url)
    client = connect(url)
    keep_embedded_server(redis_url)
    level = log_level.upper()
    if concurrency == 1:
        client.close()
        options = {"burst": burst, "log_level": level, "fork": fork, "config": config}
        run_worker(worker_client(url), queues, **options, activities=registry)
        return
    client.close()
    options = {"burst": burst, "log_level": level, "fork": fork, "activities": registry}
    failed = run_pool(url, concurrency, queues, **options)
    if failed:
        raise SystemExit(1)


def keep_embedded_server(redis_url: str | None) -> None:
    """With the embedded server, start it again should it stop under the worker (`sfn dev
    --stop`), as `sfn run` does; the worker reconnects by itself."""
    from engine.runtime.server import ServerKeeper, embedded_server

    server = embedded_server(redis_url)
    if server is not None:
        message = "sfn worker: the embedded Redis server had stopped; started it again"
        ServerKeeper(server, lambda: click.echo(message, err=True)).start()
