"""Who else has a GeoPackage project open, and whether it lies on a network share.

A GeoPackage is one SQLite file: every transaction is safe against another writer, but two windows editing
it see each other's work only after a refresh, and SQLite's locking is not reliable over SMB/NFS shares (how
such files get corrupted). So a window that opens a project for editing leaves a lock record beside it,
``<project>.gpkg.cordon-lock`` (JSON: user, host, pid, since, refreshed), refreshes it every
:data:`REFRESH_S` seconds while open and removes it on close. Another window finding a live record offers to
open read-only; command-line writes only warn (one line naming the user and host) and go on, since each
command is one transaction and the window's edits are checked against row versions, so neither loses the
other's changes. A record is stale, and ignored, when it was not refreshed for :data:`STALE_AFTER_S` seconds
or its process no longer runs on this host.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "county.gpkg"
>>> lock = ProjectLock.acquire(path, user="张三")
>>> lock_holder(path) is None  # our own record
True
>>> lock.release()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from gis.errors import UserError

LOCK_SUFFIX = ".cordon-lock"
REFRESH_S = 60
"""How often an open window rewrites its record."""
STALE_AFTER_S = 5 * 60
"""A record not refreshed for this long belongs to a window that is gone (crashed, its PC switched off)."""
NETWORK_FILESYSTEMS = ("cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "9p", "afs", "ncpfs")
"""File-system types (``/proc/mounts``) of network shares."""


@dataclass(frozen=True)
class LockRecord:
    """Who has a project open for editing: login name, host, process id, when it opened and last refreshed
    (epoch seconds)."""

    user: str
    host: str
    pid: int
    since: float
    refreshed: float

    def is_stale(self, now: float | None = None) -> bool:
        """Whether the window that wrote it is gone: not refreshed for a while, or its process ended here."""
        now = dt.datetime.now().timestamp() if now is None else now
        if now - self.refreshed > STALE_AFTER_S:
            return True
        return self.host == socket.gethostname() and not _process_runs(self.pid)

    def is_ours(self) -> bool:
        return self.host == socket.gethostname() and self.pid == os.getpid()

    def opened_at(self) -> str:
        return dt.datetime.fromtimestamp(self.since).strftime("%H:%M")


def lock_path(project_path) -> Path:
    """The lock record's file beside ``project_path``."""
    path = Path(project_path)
    return path.with_name(path.name + LOCK_SUFFIX)


def read_lock(project_path) -> LockRecord | None:
    """The lock record beside the project, stale or not (None when there is none or it is unreadable)."""
    try:
        data = json.loads(lock_path(project_path).read_text(encoding="utf-8"))
        return LockRecord(str(data["user"]), str(data["host"]), int(data["pid"]), float(data["since"]),
                          float(data["refreshed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def lock_holder(project_path) -> LockRecord | None:
    """The live record of another Cordon window editing the project, or None."""
    record = read_lock(project_path)
    if record is None or record.is_ours() or record.is_stale():
        return None
    return record


class ProjectLock:
    """This window's lock record on a project: :meth:`acquire`, :meth:`refresh` every :data:`REFRESH_S`
    seconds, :meth:`release` on close. Failing to write it (a read-only folder) is not an error: the record
    only informs other windows."""

    def __init__(self, project_path, record: LockRecord):
        self.project_path = Path(project_path)
        self.path = lock_path(project_path)
        self.record = record

    @classmethod
    def acquire(cls, project_path, *, user: str) -> ProjectLock:
        """Write this process's record beside ``project_path`` (replacing a stale or another's record: the
        user chose to edit anyway)."""
        now = dt.datetime.now().timestamp()
        lock = cls(project_path, LockRecord(user, socket.gethostname(), os.getpid(), now, now))
        lock._write()
        return lock

    def refresh(self) -> None:
        """Say this window is still there (rewrites the record unless another window took it over since)."""
        current = read_lock(self.project_path)
        if current is not None and not current.is_ours() and not current.is_stale():
            return
        self.record = LockRecord(self.record.user, self.record.host, self.record.pid, self.record.since,
                                 dt.datetime.now().timestamp())
        self._write()

    def release(self) -> None:
        """Remove the record if it is still this process's."""
        current = read_lock(self.project_path)
        if current is not None and current.is_ours():
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _write(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(asdict(self.record), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)


def held_warning(record: LockRecord, project_path) -> UserError:
    """One line naming who else edits the project, from which computer, since when."""
    name = Path(project_path).name
    return UserError(f"项目 {name} 正由 {record.user}（{record.host}）在另一个 Cordon 窗口中编辑（{record.opened_at()} 起）。",
                     f"Project {name} is being edited by {record.user} ({record.host}) in another Cordon window "
                     f"(since {record.opened_at()}).")


def network_share(project_path, mounts: str | None = None) -> str | None:
    """The kind of network share ``project_path`` lies on (``cifs``, ``nfs4``, ``UNC`` …), or None for a
    local disk. ``mounts`` is the mount table (``/proc/mounts``, read when not given)."""
    if str(project_path).startswith(("\\\\", "//")):
        return "UNC"
    path = os.path.abspath(project_path)
    if sys.platform == "win32":
        return _windows_drive_kind(path)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return None
    best, kind = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, kind = mount, parts[2]
    return kind if kind in NETWORK_FILESYSTEMS else None


def share_warning(kind: str, project_path) -> UserError:
    """One line saying a GeoPackage on a network share is at risk, and what to use instead."""
    name = Path(project_path).name
    return UserError(f"项目 {name} 位于网络共享（{kind}）上：多人通过共享文件夹同时写入 GeoPackage 可能损坏文件。"
                     "多人协同请使用数据库项目（PostgreSQL/PostGIS，见 文件 → 连接数据库…）。",
                     f"Project {name} lies on a network share ({kind}): several people writing a GeoPackage over a "
                     "share can corrupt it. For several desks use a database project (PostgreSQL/PostGIS, "
                     "File → Connect to database…).")


def sharing_warnings(project_path, mounts: str | None = None) -> list[UserError]:
    """Why writing to this GeoPackage from here is risky: another window edits it, it lies on a share."""
    warnings = []
    if (record := lock_holder(project_path)) is not None:
        warnings.append(held_warning(record, project_path))
    if (kind := network_share(project_path, mounts)) is not None:
        warnings.append(share_warning(kind, project_path))
    return warnings


def _process_runs(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return True  # cannot tell cheaply: the refresh time decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _windows_drive_kind(path: str) -> str | None:
    """``network drive`` for a mapped drive letter (GetDriveTypeW says DRIVE_REMOTE), else None."""
    try:
        import ctypes

        return "network drive" if ctypes.windll.kernel32.GetDriveTypeW(path[:3]) == 4 else None
    except (AttributeError, OSError):
        return None
