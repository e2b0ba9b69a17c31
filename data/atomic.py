"""Writing files so that a crash leaves the old file or the new one, never a partial one.

Every output Cordon writes (a new project, exports, prints, atlases, workbooks) is written to a temporary
file beside its target, flushed to disk and renamed into place (:func:`atomic_output`). A crash can leave
only such a temporary behind; :func:`remove_stale_temporaries` clears old ones the next time the folder
is used. Writing errors a user can act on (disk full, read-only folder, file too large) become one
:class:`~gis.errors.UserError` naming the file (:func:`output_error`).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "report.txt"
>>> with atomic_output(target) as tmp:
...     _ = tmp.write_text("done")
>>> target.read_text()
'done'
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from gis.errors import UserError

TEMP_SUFFIX = ".cordon-tmp"
STALE_AFTER_S = 600
"""A temporary older than this (10 minutes without a write) belongs to no running writer."""

_STALE_PATTERNS = (f".*{TEMP_SUFFIX}", f".*{TEMP_SUFFIX}-journal", f".*{TEMP_SUFFIX}-wal", f".*{TEMP_SUFFIX}-shm",
                   ".*.gpkg.*.tmp", ".*.gpkg.*.tmp-journal", ".*.html.*.tmp")
"""Leftovers of interrupted writes: ours, their SQLite journals, and those of older Cordon versions."""


@contextlib.contextmanager
def atomic_output(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (``.<name>.<random>.cordon-tmp``, not yet existing); when the
    block succeeds the file is flushed to disk and renamed onto ``path``, else it is removed.

    A disk that fills up, a read-only folder or a file grown too large raises a UserError naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        os.close(fd)
        os.unlink(name)  # the writer creates it, with the usual permissions
    except OSError as exc:
        raise output_error(path, exc) from exc
    tmp = Path(name)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        raise output_error(path, exc) from exc
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def remove_stale_temporaries(folder, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporaries that interrupted writes left in ``folder`` and that nobody has written to for
    ``older_than_s`` seconds; returns what was removed. Never fails (a read-only folder keeps them)."""
    removed = []
    limit = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for pattern in _STALE_PATTERNS:
            for leftover in Path(folder).glob(pattern):
                with contextlib.suppress(OSError):
                    if leftover.is_file() and leftover.stat().st_mtime <= limit:
                        leftover.unlink()
                        removed.append(leftover)
    return removed


_WHAT_TO_DO = {
    errno.ENOSPC: ("磁盘已满，请腾出空间后重试", "the disk is full; free some space and try again"),
    errno.EDQUOT: ("磁盘配额已用完，请腾出空间后重试", "the disk quota is used up; free some space and try again"),
    errno.EFBIG: ("文件超过了允许的大小，请换一个磁盘或文件夹", "the file grew beyond the allowed size; "
                  "write it to another disk or folder"),
    errno.EROFS: ("所在文件夹只读，请另选一个可写的文件夹", "the folder is read-only; choose a writable folder"),
    errno.EACCES: ("没有写入权限，请另选一个可写的文件夹", "no permission to write there; choose a writable folder"),
    errno.EPERM: ("没有写入权限，请另选一个可写的文件夹", "no permission to write there; choose a writable folder"),
}


def output_error(path, exc: OSError) -> Exception:
    """The UserError for a failed write of ``path`` (disk full, read-only, too large, no permission), or
    ``exc`` itself for anything else (a bug, not the user's to fix)."""
    advice = _WHAT_TO_DO.get(exc.errno)
    if advice is None:
        return exc
    zh, en = advice
    return UserError(f"无法写入 {path}：{zh}。原有文件未改动。", f"Cannot write {path}: {en}. Any existing file is unchanged.")


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; folders cannot be opened on Windows)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
