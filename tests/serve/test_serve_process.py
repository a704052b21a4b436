"""`sfn serve` as users run it: a real process on a real port, reading the same Redis."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.workers import run_sfn

from engine.runtime.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_serves_the_executions_page_with_no_worker_running(redis_url, sfn_serve):
    engine = Engine(redis_url)
    execution = engine.start_execution(
        ROOT / "workflows/order.yaml", {}, name="served-1"
    )  # no worker: its Tasks wait (whatever this process registered)
    server = sfn_serve()
    status, page = fetch(f"{server.url}/executions")
    assert status == 200
    assert "served-1" in page and "RUNNING" in page
    assert execution.startswith("order:")


def test_a_newcomer_runs_the_order_then_opens_the_url_sfn_run_printed(redis_url, sfn_serve):
    done = run_sfn(["run", "workflows/order.yaml"], redis_url=redis_url, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    (hint,) = [line for line in done.stderr.splitlines() if line.startswith("see it: ")]
    prefix = "see it: sfn serve, then open http://127.0.0.1:8083"
    assert hint.startswith(prefix + "/executions/order:"), hint
    server = sfn_serve()
    status, page = fetch(server.url + hint.removeprefix(prefix))
    assert status == 200 and "SUCCEEDED" in page
    execution = hint.rpartition("/")[2]
    assert execution.partition(":")[2] in page
    history = fetch(f"{server.url}/api/executions/{execution}/history")[1]
    assert "ExecutionSucceeded" in history


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_a_reachable_host_without_a_token(redis_url, host):
    result = run_sfn(["serve", "--host", host], redis_url=redis_url, env={"SFN_SERVE_TOKEN": ""})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "without an auth token" in lines[0], result.stderr


def test_a_token_guards_every_page(redis_url, sfn_serve):
    token = "t0ken-for-the-tests-0123456789"
    server = sfn_serve(env={"SFN_SERVE_TOKEN": token})
    assert fetch(f"{server.url}/executions")[0] == 401
    assert fetch(f"{server.url}/executions", {"Authorization": "Bearer wrong"})[0] == 401
    assert fetch(f"{server.url}/executions", {"Authorization": f"Bearer {token}"})[0] == 200
    basic = base64.b64encode(f"me:{token}".encode()).decode()
    assert fetch(f"{server.url}/executions", {"Authorization": f"Basic {basic}"})[0] == 200
    assert token not in server.output()


def test_a_port_in_use_is_one_line_and_exit_2(redis_url, sfn_serve):
    server = sfn_serve()
    result = run_sfn(["serve", "--port", str(server.port)], redis_url=redis_url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{server.port}: Address already in use"
    ]
