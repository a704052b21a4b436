"""Runtime settings: read in one module, checked once, a bad one refused before any work."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rq import Worker
from support.inspection import keys_naming
from support.redis_process import free_port
from support.workers import run_sfn

from engine.errors import UsageError
from engine.runtime import config, lost
from engine.runtime.config import RuntimeConfig
from engine.runtime.engine import Engine
from engine.runtime.runtime import Runtime
from engine.runtime.server import EmbeddedServer

from .conftest import drain
from .test_leases import RUNS, machine, queued_task

ENGINE = Path(__file__).resolve().parents[2] / "engine"
ONE_STATE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}

BAD_ENVIRONMENT = [
    ({"SFN_LOST_TASK_REDELIVERIES": "x"}, "$SFN_LOST_TASK_REDELIVERIES must be a whole number"),
    ({"SFN_LOST_TASK_REDELIVERIES": "-1"}, "$SFN_LOST_TASK_REDELIVERIES must be a whole number"),
    ({"SFN_TIMER_POLL": "abc"}, "$SFN_TIMER_POLL must be a number of seconds above 0"),
    ({"SFN_TIMER_POLL": "0"}, "$SFN_TIMER_POLL must be a number of seconds above 0"),
    ({"SFN_LEASE_SECONDS": "abc"}, "$SFN_LEASE_SECONDS must be a number of seconds"),
    ({"SFN_LEASE_SECONDS": "0"}, "$SFN_LEASE_SECONDS must be a number of seconds"),
    ({"SFN_LEASE_SECONDS": "nan"}, "$SFN_LEASE_SECONDS must be a number of seconds"),
    ({"SFN_KILL_GRACE_SECONDS": "-3"}, "$SFN_KILL_GRACE_SECONDS must be a number of seconds"),
    ({"SFN_EAGER_TASKS": "2.5"}, "$SFN_EAGER_TASKS must be a whole number"),
    ({"SFN_RETENTION_DAYS": "-1"}, "$SFN_RETENTION_DAYS must be a number of days, 0 or more"),
    ({"SFN_ACTIVITY_QUEUES": "resize"}, "$SFN_ACTIVITY_QUEUES must list activity=queue pairs"),
    ({"SFN_HTTP_TIMEOUT_SECONDS": "0"}, "$SFN_HTTP_TIMEOUT_SECONDS must be a number of seconds"),
]


def one_usage_line(done, message: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert message in lines[0]


@pytest.mark.parametrize(("environment", "message"), BAD_ENVIRONMENT)
def test_a_bad_setting_is_refused_by_the_config(monkeypatch, environment, message) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UsageError) as raised:
        config.current()
    assert str(raised.value).startswith(message)
    assert repr(next(iter(environment.values()))) in str(raised.value)  # names the bad value


@pytest.mark.parametrize(("environment", "message"), BAD_ENVIRONMENT[::2])
def test_a_bad_setting_stops_every_command_that_uses_the_runtime_before_any_work(
    redis_url, tmp_path, environment, message
) -> None:
    definition = tmp_path / "one.json"
    definition.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}')
    serve = ["serve", "--port", str(free_port())]  # would serve until the timeout
    for args in (["worker", "--burst"], ["run", str(definition)], serve):
        one_usage_line(run_sfn(args, redis_url=redis_url, env=environment, timeout=60), message)
    folder = tmp_path / "dev"  # `sfn dev` with its web UI, on the folder's own server
    folder.mkdir()
    alone = {**environment, "SFN_REDIS_URL": ""}  # no other server
    dev = run_sfn(["dev", "--ui-port", str(free_port())], cwd=folder, env=alone, timeout=60)
    one_usage_line(dev, message)
    assert dev.stdout == "" and EmbeddedServer(folder).running_pid() is None  # never started
    engine = Engine(redis_url, config=RuntimeConfig())
    assert engine.list_executions() == []  # `sfn run` started nothing
    assert Worker.count(connection=engine.redis) == 0  # no worker ever registered


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lease-seconds", "0"], "--lease-seconds must be a number of seconds, at least 0.1"),
        (["--lease-seconds", "-5"], "--lease-seconds must be a number of seconds, at least 0.1"),
        (["--lease-seconds", "abc"], "--lease-seconds must be a number of seconds"),
        (["--eager-tasks", "-1"], "--eager-tasks must be a whole number, 0 or more"),
    ],
)
def test_a_bad_worker_flag_is_one_line_and_exit_2(redis_url, flags, message) -> None:
    one_usage_line(run_sfn(["worker", "--burst", *flags], redis_url=redis_url), message)
    assert Worker.count(connection=Engine(redis_url).redis) == 0


def test_flags_override_the_environment_after_the_same_checks() -> None:
    base = config.from_env({"SFN_LEASE_SECONDS": "3", "SFN_EAGER_TASKS": "4"})
    assert (base.lease_seconds, base.eager_tasks) == (3.0, 4)
    flagged = base.with_flags(lease_seconds="7.5", eager_tasks=None)
    assert (flagged.lease_seconds, flagged.eager_tasks) == (7.5, 4)


def test_settings_are_read_once_per_process(monkeypatch) -> None:
    monkeypatch.setenv("SFN_LEASE_SECONDS", "4")
    first = config.current()
    monkeypatch.setenv("SFN_LEASE_SECONDS", "abc")
    assert config.current() is first  # not read again (and not re-checked) at a call site
    installed = config.install(RuntimeConfig(lease_seconds=9))
    assert config.current() is installed


def test_the_environment_is_read_in_one_module_only() -> None:
    """No module reads an environment variable but `config`: the integrations too are given
    theirs (the workflows folder, the connections file and the secrets it names), and the
    commands' options take no default from the environment through click (`envvar=`)."""
    readers = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(node, ast.alias):
                name = node.name
            if isinstance(node, ast.keyword):  # click reading an option from the environment
                name = node.arg
            if name in {"environ", "getenv", "environb", "putenv", "envvar", "auto_envvar_prefix"}:
                readers.append(str(path.relative_to(ENGINE.parent)))
    assert sorted(set(readers)) == ["engine/runtime/config.py"]


def test_a_committed_result_forgets_redeliveries_whatever_the_committer_allows(
    engine: Engine,
) -> None:
    """Which keys a token's end deletes must not depend on the committing process's settings:
    redelivered by a process allowing 5, committed by one allowing none, nothing is left."""
    RUNS.clear()
    execution = engine.start_execution(machine("lease_probe"), {"n": 1})
    task = queued_task(engine, "lease_probe")
    generous = Runtime(engine.redis, config=RuntimeConfig(lost_task_redeliveries=5))
    for delivery in range(4):
        assert lost.redeliver(generous, execution, task["run"], task["token"], delivery)
    assert engine.describe(execution)["redeliveryCount"] == 4
    config.install(RuntimeConfig(lost_task_redeliveries=0))
    assert drain(engine, execution)["status"] == "SUCCEEDED"
    assert keys_naming(engine.redis, task["token"]) == []


def test_the_buckets_folder_is_made_absolute_from_env_or_flag(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    assert config.from_env({}).buckets_dir == str(tmp_path / "buckets")
    assert config.from_env({"SFN_BUCKETS_DIR": "data/b"}).buckets_dir == str(tmp_path / "data/b")
    flagged = config.from_env({"SFN_BUCKETS_DIR": "/srv/b"}).with_flags(buckets_dir="here")
    assert flagged.buckets_dir == str(tmp_path / "here")


def test_the_integrations_settings_come_from_the_environment_read_once() -> None:
    """What engine/integrations take (they read no environment): the workflows folder, the
    connections file, the HTTP timeout, and the variables a connection may name, never shown
    in the config's repr."""
    read = config.from_env(
        {
            "SFN_WORKFLOWS": "machines",
            "SFN_CONNECTIONS": "conn.json",
            "SFN_HTTP_TIMEOUT_SECONDS": "2.5",
            "STRIPE_KEY": "sk_live_secret",
        }
    )
    assert (read.workflows, read.connections) == (Path("machines"), Path("conn.json"))
    assert read.http_timeout_seconds == 2.5
    assert read.secrets["STRIPE_KEY"] == "sk_live_secret"
    assert "sk_live_secret" not in repr(read)
    defaults = config.from_env({})
    assert (defaults.workflows, defaults.connections) == (
        Path("workflows"),
        Path("connections.json"),
    )
    assert defaults.http_timeout_seconds == 60
    assert read.with_workflows("elsewhere").workflows == Path("elsewhere")
    assert read.with_workflows(None) is read
