"""Crash tests for `sfn run`: SIGKILLed mid-execution and resumed, or facing a Redis restart.

How a user resumes: `sfn run FILE --name NAME` with the same input picks the stored execution
up (its embedded worker finishes it), or any `sfn worker` on the same Redis finishes it.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
from pathlib import Path

import pytest
from support.crash import (
    ACTIVITIES,
    FAST,
    chain,
    chain_output,
    check_ledger,
    kill_tree,
    output_of,
    read_ledger,
    starts,
)
from support.redis_process import free_port
from support.waiting import wait_for_file, wait_until
from support.workers import WorkerProcess, process_env, run_sfn, sfn_command

from engine.runtime.engine import Engine
from engine.runtime.server import EmbeddedServer, process_alive, read_pid

STEPS = ("Charge", "Reserve", "Ship")
BOUND = 45


def workflow(tmp_path: Path, gate: Path) -> Path:
    path = tmp_path / "shop.json"
    definition = chain(STEPS, **{name: {"gate": str(gate)} for name in STEPS})
    path.write_text(json.dumps(definition))
    return path


def run_args(path: Path, given: dict, name: str) -> list[str]:
    args = ["run", str(path), "--input", json.dumps(given), "--name", name, "--json"]
    return [*args, "--activities", str(ACTIVITIES)]


def start_run(args: list[str], redis_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        sfn_command(args),
        env=process_env(redis_url, FAST),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def reach(gate: Path, victim: str) -> None:
    """Open the gates before `victim` and wait until `victim` runs."""
    for name in STEPS:
        wait_for_file(gate / f"{name}.running", timeout=BOUND)
        if name == victim:
            return
        (gate / f"{name}.go").write_text("go")


def open_all(gate: Path) -> None:
    for name in STEPS:
        (gate / f"{name}.go").write_text("go")


@pytest.mark.parametrize(("seed", "resume"), [(0, "run"), (1, "run"), (2, "worker")])
def test_sfn_run_killed_mid_execution_is_resumed(
    redis_url, sfn_worker, tmp_path, seed, resume
) -> None:
    victim = random.Random(seed).choice(STEPS)
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    path = workflow(tmp_path, gate)
    args = run_args(path, given, f"order-{seed}")
    first = start_run(args, redis_url)
    reach(gate, victim)
    kill_tree(first.pid)
    first.wait(timeout=BOUND)
    engine = Engine(redis_url)
    execution = f"shop:order-{seed}"
    assert engine.describe(execution)["status"] == "RUNNING"
    open_all(gate)
    if resume == "run":
        again = run_sfn(args, redis_url=redis_url, env=FAST, timeout=BOUND)
        assert again.returncode == 0, again.stderr
        result = json.loads(again.stdout)
        assert (result["executionId"], result["output"]) == (execution, chain_output(given, STEPS))
    else:
        sfn_worker(activities=[ACTIVITIES], env=FAST)
        assert output_of(engine.wait(execution, timeout=BOUND)) == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    check_ledger(entries, engine.history(execution), {first.pid})
    expected = [2 if name == victim else 1 for name in STEPS]
    assert [len(starts(entries, name)) for name in STEPS] == expected


def test_sfn_run_outlives_a_redis_restart(redis_server, redis_url, tmp_path) -> None:
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    running = start_run(run_args(workflow(tmp_path, gate), given, "bounce"), redis_url)
    reach(gate, "Reserve")
    redis_server.restart()
    open_all(gate)
    out, err = running.communicate(timeout=BOUND)
    assert running.returncode == 0, err
    assert "Traceback" not in err
    assert json.loads(out)["output"] == chain_output(given, STEPS)
    assert [len(starts(read_ledger(ledger), name)) for name in STEPS] == [1, 1, 1]


def test_sfn_run_and_its_embedded_server_killed_then_resumed(tmp_path: Path) -> None:
    """The default set-up (no Redis URL): `sfn run` and the server it started both die."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    given = {"ledger": str(ledger)}
    args = run_args(workflow(project, gate), given, "local")
    env = {key: value for key, value in process_env(None, FAST).items() if key != "SFN_REDIS_URL"}
    first = subprocess.Popen(
        sfn_command(args), cwd=project, env=env, stdout=subprocess.PIPE, text=True
    )
    reach(gate, "Reserve")
    server_pid = int((project / ".sfn" / "redis" / "redis.pid").read_text())
    kill_tree(first.pid)
    kill_tree(server_pid)
    first.wait(timeout=BOUND)
    open_all(gate)
    again = subprocess.run(
        sfn_command(args), cwd=project, env=env, capture_output=True, text=True, timeout=BOUND
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["output"] == chain_output(given, STEPS)
    entries = read_ledger(ledger)
    assert [len(starts(entries, name)) for name in STEPS] == [1, 2, 1]
    assert {entry.pid for entry in starts(entries, "Reserve")} >= {first.pid}


def test_sfn_run_interrupted_says_how_to_resume(redis_url, tmp_path: Path) -> None:
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    given = {"ledger": str(ledger)}
    args = run_args(workflow(tmp_path, gate), given, "ctrl-c")
    running = start_run(args, redis_url)
    reach(gate, "Reserve")
    running.send_signal(signal.SIGINT)
    open_all(gate)  # the activity in hand ends; its worker thread stops after it
    _, err = running.communicate(timeout=BOUND)
    assert running.returncode == 1 and "Traceback" not in err, err
    assert "interrupted" in err and "--name" in err and "shop:ctrl-c" in err
    again = run_sfn(args, redis_url=redis_url, env=FAST, timeout=BOUND)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["output"] == chain_output(given, STEPS)
    history = [
        (event["type"], event.get("timestamp"))
        for event in Engine(redis_url).history("shop:ctrl-c")
    ]
    entries = read_ledger(ledger)
    assert [len(starts(entries, name)) for name in STEPS] == [1, 1, 1], (entries, history)


def embedded_env() -> dict[str, str]:
    """The environment of a user with no Redis URL: sfn starts the folder's own server."""
    return {key: value for key, value in process_env(None, FAST).items() if key != "SFN_REDIS_URL"}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sfn_run_ended_by_a_signal_stops_its_embedded_server(tmp_path: Path, stop) -> None:
    """`timeout`, `docker stop` (SIGTERM) or a closed terminal (SIGHUP) end `sfn run` as Ctrl-C
    does: no lease left behind, the server it started stopped, the execution resumable."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    given = {"ledger": str(ledger)}
    args = run_args(workflow(project, gate), given, "signalled")
    running = subprocess.Popen(
        sfn_command(args),
        cwd=project,
        env=embedded_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    reach(gate, "Reserve")
    server = EmbeddedServer(project)
    try:
        server_pid = read_pid(server.pidfile)
        assert server_pid is not None and process_alive(server_pid)
        running.send_signal(stop)
        open_all(gate)  # the activity in hand ends; the embedded worker stops after it
        _, err = running.communicate(timeout=BOUND)
        assert running.returncode == 1 and "Traceback" not in err, err
        assert "interrupted" in err and "shop:signalled" in err
        assert list(server.leases_dir.iterdir()) == []
        assert not process_alive(server_pid)

        again = subprocess.run(
            sfn_command(args), cwd=project, env=embedded_env(), capture_output=True, text=True,
            timeout=BOUND,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["output"] == chain_output(given, STEPS)
        assert [len(starts(read_ledger(ledger), name)) for name in STEPS] == [1, 1, 1]
    finally:
        server.stop()  # a server left behind by a failure must not outlive the test


def test_sfn_dev_stop_under_sfn_run_has_it_start_its_server_again(tmp_path: Path) -> None:
    """`sfn dev --stop` stops the folder's server even while `sfn run` uses it; the run starts
    it again at once (its data is on disk) instead of waiting a minute and giving up."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    gate.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    given = {"ledger": str(ledger)}
    args = run_args(workflow(project, gate), given, "restarted")
    env = {**embedded_env(), "SFN_LEASE_SECONDS": "15"}  # the outage is shorter than a lease
    running = subprocess.Popen(
        sfn_command(args),
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    reach(gate, "Charge")
    server = EmbeddedServer(project)
    try:
        first = read_pid(server.pidfile)
        stopped = run_sfn(["dev", "--stop"], cwd=project, env=env)
        assert "stopped the server" in stopped.stdout, stopped
        wait_until(
            lambda: server.running_pid() not in (None, first), timeout=BOUND, what="a new server"
        )
        open_all(gate)
        out, err = running.communicate(timeout=BOUND)
        assert running.returncode == 0, err
        assert "started it again" in err and "Traceback" not in err
        assert json.loads(out)["output"] == chain_output(given, STEPS)
        assert [len(starts(read_ledger(ledger), name)) for name in STEPS] == [1, 1, 1]
    finally:
        running.kill()
        server.stop()


@pytest.mark.parametrize("processes", ["1", "2"])
def test_sfn_worker_ended_by_sighup_stops_its_embedded_server(tmp_path: Path, processes) -> None:
    """A closed terminal ends `sfn worker` as SIGTERM does: lease released, server stopped."""
    project = tmp_path / "project"
    project.mkdir()
    server = EmbeddedServer(project)
    worker = WorkerProcess(
        subprocess.Popen(
            sfn_command(["worker", "--concurrency", processes]),
            cwd=project,
            env=embedded_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
        tmp_path / "no-log",
        server.url,
    )
    try:
        wait_until(lambda: server.running_pid(), timeout=BOUND, what="the embedded server")
        server_pid = server.running_pid()
        worker.wait_ready(int(processes), timeout=BOUND)
        worker.process.send_signal(signal.SIGHUP)
        assert worker.process.wait(timeout=BOUND) == 0
        assert list(server.leases_dir.iterdir()) == []
        assert server_pid is not None and not process_alive(server_pid)
    finally:
        worker.kill()
        server.stop()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sfn_serve_ended_by_a_signal_stops_its_embedded_server(tmp_path: Path, stop) -> None:
    """`sfn serve` ended by SIGTERM or a closed terminal exits as on Ctrl-C: its lease is
    released and the server it started stops (uvicorn raises SIGTERM again after its shutdown,
    and Python's default for it skipped the exit hooks)."""
    project = tmp_path / "project"
    project.mkdir()
    server = EmbeddedServer(project)
    port = free_port()
    serve = subprocess.Popen(
        sfn_command(["serve", "--port", str(port)]),
        cwd=project,
        env=embedded_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert serve.stdout is not None
        assert serve.stdout.readline().strip() == f"sfn serve: http://127.0.0.1:{port}/"
        server_pid = server.running_pid()
        assert server_pid is not None and len(list(server.leases_dir.iterdir())) == 1
        serve.send_signal(stop)
        assert serve.wait(timeout=BOUND) == 0
        assert list(server.leases_dir.iterdir()) == []
        assert not process_alive(server_pid)
    finally:
        serve.kill()
        serve.wait()
        server.stop()


def test_sfn_dev_stop_under_sfn_worker_has_it_start_its_server_again(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    server = EmbeddedServer(project)
    log = tmp_path / "worker.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            sfn_command(["worker", "--activities", str(ACTIVITIES)]),
            cwd=project,
            env=embedded_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = WorkerProcess(process, log, server.url)
    try:
        wait_until(lambda: server.running_pid(), timeout=BOUND, what="the embedded server")
        first = server.running_pid()
        worker.wait_ready(timeout=BOUND)
        stopped = run_sfn(["dev", "--stop"], cwd=project, env=embedded_env())
        assert "stopped the server" in stopped.stdout, stopped
        wait_until(
            lambda: server.running_pid() not in (None, first), timeout=BOUND, what="a new server"
        )
        square = {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "crash_square"}}}
        square["States"]["S"]["End"] = True
        engine = Engine(server.url)
        execution = engine.start_execution(square, 9, check_resources=False)
        assert engine.wait(execution, timeout=BOUND)["output"] == "81"
        assert "started it again" in worker.output()
        assert worker.terminate(timeout=BOUND) == 0
        assert list(server.leases_dir.iterdir()) == []
        assert server.running_pid() is None  # stopped at exit, not revived
    finally:
        worker.kill()
        server.stop()
