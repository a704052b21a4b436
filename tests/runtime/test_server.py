"""The embedded server: start, reuse, one server under concurrent starts, durability, errors."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
import redis
from support.redis_process import RedisProcess, free_port
from support.waiting import wait_until
from support.workers import run_sfn, sfn_command

from engine.errors import RedisUnavailable
from engine.runtime.connection import connect, mask_password
from engine.runtime.server import (
    EmbeddedServer,
    find_server_binary,
    process_alive,
    redis_url,
    resolve_redis_url,
    wheel_binary,
)

# A separate process that uses the embedded server of a folder like an sfn command does:
# it prints the server's pid, then holds its lease until its stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from engine.runtime.connection import connect
    from engine.runtime.server import resolve_redis_url
    url = resolve_redis_url(None, root=Path(sys.argv[1]))
    print(connect(url).info("server")["process_id"], flush=True)
    sys.stdin.read()
    """
)


def start_holder(root: Path) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SFN_REDIS_URL"}
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )


def server_pid(server: EmbeddedServer) -> int:
    return connect(server.url).info("server")["process_id"]


@pytest.fixture(autouse=True)
def no_configured_url(monkeypatch):
    monkeypatch.delenv("SFN_REDIS_URL", raising=False)


@pytest.fixture
def project(tmp_path) -> EmbeddedServer:
    server = EmbeddedServer(tmp_path)
    yield server
    server.stop()


def test_starts_a_private_server_with_the_append_only_file_on(project):
    with project.leased():
        client = connect(project.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("port") == {"port": "0"}  # no TCP listener at all
        mode = stat.S_IMODE(os.stat(project.socket_path).st_mode)
        assert mode & 0o077 == 0
        assert stat.S_IMODE(os.stat(project.home).st_mode) == 0o700
        assert (project.root / ".sfn" / ".gitignore").read_text().endswith("*\n")
        assert Path(client.config_get("dir")["dir"]) == project.data_dir


def test_a_second_command_reuses_the_running_server(project):
    with project.leased():
        pid = server_pid(project)
        holder = start_holder(project.root)
        assert int(holder.stdout.readline()) == pid
        holder.communicate("")
        assert holder.returncode == 0
        assert project.running_pid() == pid  # our lease keeps it up after the holder left


def test_concurrent_starts_give_one_server(project):
    holders = [start_holder(project.root) for _ in range(4)]
    pids = {int(holder.stdout.readline()) for holder in holders}
    assert len(pids) == 1
    assert len(project.live_leases()) == 4
    for holder in holders:
        holder.communicate("")
    (pid,) = pids
    wait_until(lambda: not process_alive(pid), what="the server to stop with its last user")
    assert project.running_pid() is None


def test_last_release_stops_the_server_and_the_data_survives(project):
    with project.leased():
        connect(project.url).set("order", "charged")
        pid = server_pid(project)
    assert not process_alive(pid)
    assert project.running_pid() is None
    with project.leased():
        assert connect(project.url).get("order") == b"charged"
        assert server_pid(project) != pid


def test_acknowledged_writes_survive_a_killed_server(project):
    with project.leased():
        connect(project.url).set("charged", "yes")
        pid = server_pid(project)
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not process_alive(pid), what="the server to die")
    with project.leased():
        assert connect(project.url).get("charged") == b"yes"


def test_a_killed_command_leaves_the_server_to_the_next_one(project):
    holder = start_holder(project.root)
    pid = int(holder.stdout.readline())
    holder.kill()
    holder.wait()
    assert project.running_pid() == pid  # orphaned, not stopped under anyone's feet
    with project.leased():
        assert server_pid(project) == pid
    assert not process_alive(pid)  # the stale lease was pruned, so the last user stopped it


def test_resolve_prefers_explicit_then_environment_then_embedded(tmp_path, monkeypatch):
    assert resolve_redis_url("redis://explicit:1/0") == "redis://explicit:1/0"
    monkeypatch.setenv("SFN_REDIS_URL", "redis://from-env:1/0")
    assert resolve_redis_url(None) == "redis://from-env:1/0"
    with redis_url("redis://explicit:2/0") as url:
        assert url == "redis://explicit:2/0"
    monkeypatch.delenv("SFN_REDIS_URL")
    with redis_url(None, root=tmp_path) as url:
        assert url == EmbeddedServer(tmp_path).url
        assert connect(url).ping()
    assert EmbeddedServer(tmp_path).running_pid() is None


def test_a_long_folder_gets_its_socket_in_a_private_temp_folder(tmp_path):
    server = EmbeddedServer(tmp_path / ("deep" * 30))
    assert len(str(server.socket_path)) <= 100
    assert stat.S_IMODE(server.socket_path.parent.stat().st_mode) == 0o700
    with server.leased():
        assert connect(server.url).ping()


def test_the_wheel_ships_a_server_binary(monkeypatch):
    shipped = wheel_binary()
    assert shipped is not None
    version = subprocess.run([shipped, "--version"], capture_output=True, text=True)
    assert "v=" in version.stdout
    monkeypatch.setenv("PATH", "")
    assert find_server_binary() == str(shipped)
    monkeypatch.setenv("SFN_REDIS_SERVER", "/nonexistent/redis-server")
    with pytest.raises(RedisUnavailable, match="not an executable"):
        find_server_binary()


def test_an_unreachable_server_is_a_clear_error():
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    with pytest.raises(RedisUnavailable, match="cannot reach Redis") as raised:
        connect(url)
    assert "secret" not in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_wrong_or_missing_password_is_a_clear_error(tmp_path):
    server = RedisProcess(tmp_path, password="right-one")
    server.start()
    try:
        wrong = server.url.replace("right-one", "wrong-one")
        with pytest.raises(RedisUnavailable, match="refused the password") as raised:
            connect(wrong)
        assert "wrong-one" not in str(raised.value)
        with pytest.raises(RedisUnavailable, match="needs a password"):
            connect(server.url.replace(":right-one@", ""))
        assert connect(server.url).ping()
    finally:
        server.kill()


def test_bad_urls_are_clear_errors():
    with pytest.raises(RedisUnavailable, match="invalid Redis URL"):
        connect("http://localhost:6379")
    assert mask_password("redis://user:pw@host:1/0") == "redis://user:***@host:1/0"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_sfn_dev_holds_the_server_until_interrupted(tmp_path, stop_signal):
    environment = {k: v for k, v in os.environ.items() if k != "SFN_REDIS_URL"}
    port = free_port()
    dev = subprocess.Popen(
        sfn_command(["dev", "--ui-port", str(port)]),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    banner = [dev.stdout.readline() for _ in range(5)]
    assert "press Ctrl-C" in banner[-1]
    assert banner[3].strip() == f"web UI: http://127.0.0.1:{port}/"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/executions", timeout=10) as page:
        assert page.status == 200 and b"No executions match" in page.read()
    server = EmbeddedServer(tmp_path)
    pid = server.running_pid()
    assert pid is not None and f"pid {pid}" in banner[0]
    status = subprocess.run(
        sfn_command(["dev", "--status"]), cwd=tmp_path, capture_output=True, text=True
    )
    assert f"pid {pid}" in status.stdout
    dev.send_signal(stop_signal)
    assert "server stopped" in dev.communicate(timeout=30)[0]
    assert dev.returncode == 0
    assert not process_alive(pid)


def test_the_session_server_restarts_with_its_data(redis_server, redis_url):
    client = redis.Redis.from_url(redis_url)
    client.set("kept", "1")
    redis_server.restart()
    assert redis.Redis.from_url(redis_url).get("kept") == b"1"


def test_a_forked_child_does_not_release_its_parents_lease(project):
    lease = project.acquire()
    child = os.fork()
    if child == 0:
        project.release(lease)  # what an inherited atexit hook would do
        os._exit(0)
    os.waitpid(child, 0)
    assert project.running_pid() is not None
    project.release(lease)
    assert project.running_pid() is None


def test_a_stale_pidfile_and_socket_do_not_block_a_start(project):
    project.home.mkdir(parents=True)
    project.pidfile.write_text(f"{os.getpid()}\n")  # a live process, but not a server
    project.socket_path.write_text("left over by a crash")
    with project.leased():
        assert server_pid(project) != os.getpid()


def test_the_cli_reports_an_unreachable_or_refusing_server_without_a_traceback(tmp_path):
    server = RedisProcess(tmp_path / "redis", password="right-one")
    server.start()
    try:
        cases = {
            f"redis://127.0.0.1:{free_port()}/0": "cannot reach Redis",
            server.url.replace("right-one", "wrong-one"): "refused the password",
        }
        for url, message in cases.items():
            result = run_sfn(["worker", "--burst"], redis_url=url, cwd=tmp_path, timeout=60)
            assert result.returncode == 2, result.stderr
            assert message in result.stderr and "Traceback" not in result.stderr
            assert "wrong-one" not in result.stderr
    finally:
        server.kill()


def test_a_folder_where_the_state_cannot_be_kept_is_a_clear_error(tmp_path):
    (tmp_path / ".sfn").write_text("a file where the folder should be")
    with pytest.raises(RedisUnavailable, match=r"cannot keep the embedded server's data"):
        EmbeddedServer(tmp_path).acquire()
