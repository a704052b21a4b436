"""The runtime's settings, read from the environment in this one module and checked once.

A process reads its `SFN_*` tuning settings once (`current()`), or is given them by its command
(`install`, after `sfn worker --lease-seconds ...`), and passes the `RuntimeConfig` down; no
other module reads the environment. A bad value is a `UsageError` (one line, exit 2) before the
process starts any work. Imports nothing of the runtime: the CLI checks settings without
loading Redis or RQ.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.errors import UsageError

ENV_LEASE = "SFN_LEASE_SECONDS"
ENV_REDELIVERIES = "SFN_LOST_TASK_REDELIVERIES"
ENV_POLL = "SFN_TIMER_POLL"
ENV_EAGER = "SFN_EAGER_TASKS"
ENV_QUEUES = "SFN_ACTIVITY_QUEUES"
ENV_KILL_GRACE = "SFN_KILL_GRACE_SECONDS"
ENV_RETENTION = "SFN_RETENTION_DAYS"
ENV_BUCKETS = "SFN_BUCKETS_DIR"
ENV_BUCKETS_SOURCE = "SFN_BUCKETS"
ENV_URL = "SFN_REDIS_URL"
ENV_BINARY = "SFN_REDIS_SERVER"
ENV_WORKFLOWS = "SFN_WORKFLOWS"
ENV_CONNECTIONS = "SFN_CONNECTIONS"
ENV_HTTP_TIMEOUT = "SFN_HTTP_TIMEOUT_SECONDS"

DEFAULT_LEASE_SECONDS = 15.0
DEFAULT_REDELIVERIES = 2
DEFAULT_TIMER_POLL = 0.1
DEFAULT_EAGER_TASKS = 10
DEFAULT_KILL_GRACE = 10.0
DEFAULT_RETENTION_DAYS = 90.0  # as AWS keeps finished executions
DEFAULT_WORKFLOWS = Path("workflows")
DEFAULT_CONNECTIONS = Path("connections.json")
DEFAULT_HTTP_TIMEOUT = 60.0  # AWS's HTTP Task waits at most 60 seconds for a response
# A lease shorter than this is renewed so often that a busy process misses renewals, and its
# running tasks are taken for lost and run twice.
MIN_LEASE_SECONDS = 0.1
# Where a Distributed Map's buckets are: bucket B, key K is the file <dir>/B/K.
DEFAULT_BUCKETS_DIR = "buckets"
MAX_REDELIVERIES = 100
MAX_TIMER_POLL = 60.0


@dataclass(frozen=True)
class RuntimeConfig:
    """Tuning settings of one process's runtime (defaults as documented in the README)."""

    lease_seconds: float = DEFAULT_LEASE_SECONDS
    lost_task_redeliveries: int = DEFAULT_REDELIVERIES
    timer_poll: float = DEFAULT_TIMER_POLL
    eager_tasks: int = DEFAULT_EAGER_TASKS
    kill_grace_seconds: float = DEFAULT_KILL_GRACE
    retention_days: float = DEFAULT_RETENTION_DAYS  # 0: finished executions are kept forever
    # $SFN_ACTIVITY_QUEUES "resize=gpu,charge=payments": activity name -> queue.
    activity_queues: Mapping[str, str] = field(default_factory=dict)
    # $SFN_BUCKETS_DIR / --buckets-dir, made absolute when read (workers share it as is).
    buckets_dir: str = field(default_factory=lambda: _folder("", DEFAULT_BUCKETS_DIR))
    # $SFN_BUCKETS: "folder" (buckets_dir) or "s3" (boto3's credentials and endpoint).
    buckets_source: str = "folder"
    # What the integrations take (engine.integrations.settings): where nested startExecution
    # finds state machine files, HTTP Tasks' connections file and timeout, and the variables a
    # connection's {"env": NAME} may name (the environment as read once; never printed).
    workflows: Path = DEFAULT_WORKFLOWS
    connections: Path = DEFAULT_CONNECTIONS
    http_timeout_seconds: float = DEFAULT_HTTP_TIMEOUT
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def with_flags(self, **flags: str | None) -> RuntimeConfig:
        """This config with the command-line `flags` that were given (None: not given),
        checked like the environment's: `lease_seconds` for `--lease-seconds`..."""
        checked = {
            name: _FLAG_CHECKS[name](f"--{name.replace('_', '-')}", raw.strip())
            for name, raw in flags.items()
            if raw is not None
        }
        return replace(self, **checked)

    def with_workflows(self, folder: str | None) -> RuntimeConfig:
        """This config with `--workflows DIR` when it was given (None: not given)."""
        if folder is None:
            return self
        return replace(self, workflows=Path(folder))

    def with_routes(self, routes: Mapping[str, str]) -> RuntimeConfig:
        """This config with the queues activities were registered with (`@activity(queue=)`,
        `Registry.routes`), which win over $SFN_ACTIVITY_QUEUES."""
        return replace(self, activity_queues={**self.activity_queues, **routes})

    def kill_after(self, timeout_seconds: int | None) -> int:
        """RQ's timeout for a Task attempt: a while after its TimeoutSeconds (the state has
        failed with States.Timeout by then), so a hung activity does not hold a worker."""
        if not timeout_seconds:
            return -1
        return int(timeout_seconds + self.kill_grace_seconds)


def from_env(environ: Mapping[str, str] | None = None) -> RuntimeConfig:
    """The settings in `environ` (default: this process's environment), checked."""
    environ = os.environ if environ is None else environ

    def read(name: str, check: Any, default: Any) -> Any:
        raw = environ.get(name, "").strip()
        return check(f"${name}", raw) if raw else default

    return RuntimeConfig(
        lease_seconds=read(ENV_LEASE, _lease, DEFAULT_LEASE_SECONDS),
        lost_task_redeliveries=read(ENV_REDELIVERIES, _redeliveries, DEFAULT_REDELIVERIES),
        timer_poll=read(ENV_POLL, _poll, DEFAULT_TIMER_POLL),
        eager_tasks=read(ENV_EAGER, _count, DEFAULT_EAGER_TASKS),
        kill_grace_seconds=read(ENV_KILL_GRACE, _grace, DEFAULT_KILL_GRACE),
        retention_days=read(ENV_RETENTION, _days, DEFAULT_RETENTION_DAYS),
        activity_queues=read(ENV_QUEUES, _routes, {}),
        buckets_dir=read(ENV_BUCKETS, _folder, _folder("", DEFAULT_BUCKETS_DIR)),
        buckets_source=read(ENV_BUCKETS_SOURCE, _bucket_source, "folder"),
        workflows=read(ENV_WORKFLOWS, _path, DEFAULT_WORKFLOWS),
        connections=read(ENV_CONNECTIONS, _path, DEFAULT_CONNECTIONS),
        http_timeout_seconds=read(ENV_HTTP_TIMEOUT, _http_timeout, DEFAULT_HTTP_TIMEOUT),
        secrets=dict(environ),
    )


_process: RuntimeConfig | None = None


def current() -> RuntimeConfig:
    """This process's settings: the installed ones, else the environment's, read once."""
    global _process
    if _process is None:
        _process = from_env()
    return _process


def install(config: RuntimeConfig) -> RuntimeConfig:
    """Make `config` this process's settings (a command that took flags); forked worker
    processes inherit it."""
    global _process
    _process = config
    return config


def forget() -> None:
    """Read the environment again at the next `current()` (tests that change it)."""
    global _process
    _process = None


def redis_url_from_env() -> str | None:
    """$SFN_REDIS_URL: where the runtime's Redis is, when no --redis-url is given."""
    return os.environ.get(ENV_URL) or None


def credentials_from_env(name: str) -> str | None:
    """Credentials a command takes only from the environment (`$name`, e.g. sfn serve's
    $SFN_SERVE_ACCESS_KEYS), read here like every setting; the caller checks them."""
    return os.environ.get(name) or None


def server_binary_from_env() -> str | None:
    """$SFN_REDIS_SERVER: the Redis-protocol server binary to embed, if set."""
    return os.environ.get(ENV_BINARY) or None


def _seconds(wanted: str, ok: Callable[[float], bool]) -> Callable[[str, str], float]:
    """A check of a finite number that `ok` accepts; `wanted` words it for the error line."""

    def check(where: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and ok(value)):
            raise UsageError(f"{where} must be {wanted} (it is {raw!r})")
        return value

    return check


_lease = _seconds(
    f"a number of seconds, at least {MIN_LEASE_SECONDS:g}", lambda v: v >= MIN_LEASE_SECONDS
)
_poll = _seconds(
    f"a number of seconds above 0, at most {MAX_TIMER_POLL:g}", lambda v: 0 < v <= MAX_TIMER_POLL
)
_http_timeout = _seconds("a number of seconds above 0", lambda v: v > 0)
_grace = _seconds("a number of seconds, 0 or more", lambda v: v >= 0)
_days = _seconds("a number of days, 0 or more", lambda v: v >= 0)


def _path(where: str, raw: str) -> Path:
    return Path(raw)


def _count(where: str, raw: str) -> int:
    if not raw.isdigit():
        raise UsageError(f"{where} must be a whole number, 0 or more (it is {raw!r})")
    return int(raw)


def _redeliveries(where: str, raw: str) -> int:
    wanted = f"a whole number from 0 to {MAX_REDELIVERIES}"
    if not raw.isdigit() or int(raw) > MAX_REDELIVERIES:
        raise UsageError(f"{where} must be {wanted} (it is {raw!r})")
    return int(raw)


def _routes(where: str, raw: str) -> dict[str, str]:
    routes: dict[str, str] = {}
    for pair in raw.split(","):
        if not pair.strip():
            continue
        activity, _, target = (part.strip() for part in pair.partition("="))
        if not activity or not target:
            raise UsageError(f"{where} must list activity=queue pairs (it has {pair!r})")
        routes[activity] = target
    return routes


def _folder(where: str, raw: str) -> str:
    """A folder setting, made absolute so that every process of a run reads the same one (it
    need not exist yet: a run that reads no bucket never looks)."""
    return os.path.abspath(os.path.expanduser(raw))


def _bucket_source(where: str, raw: str) -> str:
    """Where buckets are: "folder" or "s3"; S3 needs boto3 (the `s3` extra)."""
    if raw not in ("folder", "s3"):
        raise UsageError(f"{where} must be folder or s3 (it is {raw!r})")
    if raw == "s3" and importlib.util.find_spec("boto3") is None:
        raise UsageError(f"{where}=s3 needs boto3: pip install 'sfn[s3]'")
    return raw


_FLAG_CHECKS = {"lease_seconds": _lease, "eager_tasks": _count, "buckets_dir": _folder}
