"""A throwaway PostgreSQL cluster for the DBOS peer: initdb in a temp dir, loopback only.

Used only where PostgreSQL's programs are installed (`available()`); as root (PostgreSQL
refuses to run as root) the programs run as the `postgres` user. The cluster keeps
PostgreSQL's default durability (fsync on, synchronous_commit on); it is stopped and deleted
on exit.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PROGRAMS = ("initdb", "pg_ctl", "postgres")
SEARCH = ("/usr/local/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
          "/usr/lib/postgresql/15/bin")  # fmt: skip


def _find(program: str) -> str | None:
    found = shutil.which(program)
    if found:
        return found
    for folder in SEARCH:
        if os.access(Path(folder) / program, os.X_OK):
            return str(Path(folder) / program)
    return None


def available() -> bool:
    if not all(_find(program) for program in PROGRAMS):
        return False
    return os.geteuid() != 0 or _postgres_user() is not None


def _postgres_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


class ThrowawayPostgres:
    """`with ThrowawayPostgres() as pg: pg.url(database)`."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sfn-bench-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()

    def __enter__(self) -> ThrowawayPostgres:
        user = _postgres_user() if os.geteuid() == 0 else None
        if user is not None:
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        self._run(user, "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder}"
        log = str(self.folder / "log")
        self._run(user, "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")
        self._user = user
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self._run(self._user, "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @staticmethod
    def _run(user: pwd.struct_passwd | None, program: str, *args: str) -> None:
        argv = [_find(program) or program, *args]
        if user is not None:
            argv = ["runuser", "-u", user.pw_name, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
