"""A throwaway PostgreSQL + PostGIS cluster for the tests and benches: ``initdb`` into a temporary folder,
started on a free local port with trust authentication, stopped and removed at the end.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user (``runuser``).
Every failure raises :class:`ClusterError` with the command's own output, so a test that needs the server
fails saying why instead of being skipped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

DATABASE = "cordon_test"


class ClusterError(RuntimeError):
    """The throwaway server could not be set up."""


def bin_dir() -> Path:
    """PostgreSQL's server programs (initdb, pg_ctl): ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/*/bin."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(Path(out))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise ClusterError("PostgreSQL server programs (initdb, pg_ctl) not found: install postgresql and "
                       "postgresql-15-postgis-3, or set CORDON_TEST_PG_URL to a PostGIS database")


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], user: str | None) -> str:
    if user:
        command = ["runuser", "-u", user, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(command)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done.stdout


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster with a PostGIS-enabled database; yields its URL (``postgresql://postgres@127.0.0.1:PORT/db``)."""
    import psycopg

    programs = bin_dir()
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="cordon-pg-"))
    data = folder / "data"
    data.mkdir()
    if user:
        shutil.chown(folder, user)
        shutil.chown(data, user)
    port = _free_port()
    started = False
    try:
        _run([str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C.UTF-8"], user)
        _run([str(programs / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-o",
              f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "-w",
              "start"], user)
        started = True
        url = f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    except Exception as exc:
        _stop(programs, data, user, started)
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, ClusterError):
            raise
        log = data / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ClusterError(f"the throwaway PostgreSQL server did not start: {exc}\n{tail}") from exc
    try:
        yield url
    finally:
        _stop(programs, data, user, started)
        shutil.rmtree(folder, ignore_errors=True)


def _stop(programs: Path, data: Path, user: str | None, started: bool) -> None:
    if started:
        with contextlib.suppress(ClusterError):
            _run([str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], user)
