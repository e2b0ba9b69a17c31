"""The GeoPackage store: a project as one SQLite file (``county.gpkg``), written by :mod:`data.gpkg`.

Creating a project writes a temporary file beside the target and renames it into place. A write takes the
file's write lock for its whole transaction (``BEGIN IMMEDIATE``), so writers are serialised and
:meth:`Edit.lock` has nothing more to do; reading never does. Before the first write, ``on_shared`` hears
if another Cordon window holds the file or it lies on a network share (:mod:`data.project_lock`). While another user
or program holds the file, statements wait (telling ``on_wait``) up to ``CORDON_BUSY_TIMEOUT_S`` seconds;
SQLite's disk, permission and lock errors become one UserError naming the file (:func:`database_error`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely

from data import gpkg
from data.atomic import atomic_output, remove_stale_temporaries
from data.project import META_TABLE, Project, WriteSkipped, quote
from data.schema import LAYERS, VERSION_COLUMN, Field, LayerSpec, versioned
from gis.crs import STORAGE_EPSG
from gis.errors import UserError

BUSY_TIMEOUT_S = 60.0
"""How long to wait for another user or program to release the project (``CORDON_BUSY_TIMEOUT_S`` overrides)."""
_BUSY_SLICE_S = 0.5  # SQLite's own wait between two reports of "still waiting"
_INSERT_VARIABLES = 999  # values bound per INSERT statement (SQLite's oldest limit)
COMMITS_TABLE = "cordon_layer_commits"
"""How many of Cordon's transactions changed each layer (``layer``, ``commits``), counted as they commit."""
POINT_CHUNK = 1 << 18
"""Fids a point layer is read in at a time by the aggregate reads (:meth:`GeoPackageProject._point_rows`)."""


class GeoPackageProject(Project):
    """A project kept in a GeoPackage file."""

    def __init__(self, path):
        super().__init__(path)
        self._told_shared = False

    @classmethod
    def _opened(cls, target) -> GeoPackageProject:
        path = Path(target)
        if not path.is_file():
            raise UserError(f"找不到项目文件：{path}", f"Project file not found: {path}")
        remove_stale_temporaries(path.parent)
        project = cls(path)
        try:
            conn = project._conn()
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (META_TABLE,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"无法读取 {path}：它不是 GeoPackage 文件（{exc}）。",
                            f"Cannot read {path}: not a GeoPackage file ({exc}).") from exc
        if app_id != 0x47504B47 or not has_meta:
            raise UserError(f"{path} 不是 Cordon 项目文件。请新建项目，再用“导入”把它的图层导入进来。",
                            f"{path} is not a Cordon project. Create a project and import its layers instead.")
        _drop_dead_journal(project)
        return project

    @classmethod
    @contextlib.contextmanager
    def _building(cls, target, meta: dict, *, overwrite: bool):
        path = Path(target)
        if path.suffix.lower() != ".gpkg":
            raise UserError(f"项目文件须以 .gpkg 结尾：{path}", f"A project file must end in .gpkg: {path}")
        if path.exists() and not overwrite:
            raise UserError(f"文件已存在：{path}。请换一个文件名，或先删除它。",
                            f"File already exists: {path}. Choose another name or delete it first.")
        if overwrite and Path(f"{path}-journal").exists():
            _settle_journal(path)
        with atomic_output(path) as tmp:
            draft = cls(tmp)
            draft.shown_path = path
            conn = sqlite3.connect(tmp)
            try:
                with conn:
                    gpkg.initialise(conn, [STORAGE_EPSG, 4326])
                    for spec in LAYERS.values():
                        draft._create_layer(conn, spec)
                    gpkg.create_table(conn, META_TABLE, [("key", "TEXT NOT NULL UNIQUE"), ("value", "TEXT")],
                                      geometry_type=None, srs_id=0, description="Cordon project metadata")
                    conn.executemany(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?)",
                                     [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()])
            except sqlite3.Error as exc:
                raise database_error(exc, path) from exc
            finally:
                conn.close()
            try:
                yield draft
            finally:
                draft.close()

    def save_as(self, path) -> Project:
        """Copy the whole file to ``path`` atomically (SQLite's backup) and return the copy, opened."""
        path = Path(path)
        if path.resolve() == self.path.resolve():
            return self
        with atomic_output(path) as tmp:
            target = sqlite3.connect(tmp)
            try:
                self._conn().backup(target)
            except sqlite3.Error as exc:
                raise database_error(exc, self.shown_path if _is_busy(exc) else path) from exc
            finally:
                target.close()
        return Project.open(path)

    # -- store hooks ------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=_BUSY_SLICE_S, factory=_Connection)
            except sqlite3.Error as exc:
                raise database_error(exc, self.path) from exc
            conn.project = self
            conn.execute("PRAGMA synchronous = FULL")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _write(self):
        if self.on_shared is not None and not self._told_shared:
            from data.project_lock import sharing_warnings

            self._told_shared = True
            for warning in sharing_warnings(self.path):
                self.on_shared(warning)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        # Inside, only moving changed pages out of memory early can meet a reader; SQLite then keeps them in
        # memory, so it need not wait there (it would, once per page, unbounded and unseen). COMMIT waits.
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            yield conn
            conn.execute(f"PRAGMA busy_timeout = {round(_BUSY_SLICE_S * 1000)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite itself rolls back after a full disk or an I/O error
                with contextlib.suppress(sqlite3.Error):
                    sqlite3.Connection.execute(conn, "ROLLBACK")
            raise
        finally:
            sqlite3.Connection.execute(conn, f"PRAGMA busy_timeout = {round(_BUSY_SLICE_S * 1000)}")

    def data_version(self, name: str, conn=None) -> str:
        """Cordon's count of commits to the layer, the last change GDAL (and so QGIS) stamps on it at every edit,
        its row count and its highest fid (see :func:`layer_stamp`)."""
        return layer_stamp(conn or self._conn(), name)

    @contextlib.contextmanager
    def try_write(self):
        """Also none on a network share, where SQLite's locks are not to be trusted with what can wait."""
        from data.project_lock import network_share

        if not self.can_edit:
            raise WriteSkipped("read-only")
        if network_share(self.path) is not None:
            raise WriteSkipped("on a network share")
        try:  # mode=rw: a file gone meanwhile is not made again
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None, timeout=0)
        except sqlite3.Error as exc:
            raise WriteSkipped(str(exc)) from exc
        try:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")  # another writer: SQLITE_BUSY at once (timeout 0), never a wait
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise WriteSkipped(str(exc), busy=_is_busy(exc)) from exc
        finally:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            conn.close()

    def _count_changes(self, conn, layers: set[str]) -> None:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {COMMITS_TABLE} (layer TEXT PRIMARY KEY, commits INTEGER NOT NULL)")
        conn.executemany(f"INSERT INTO {COMMITS_TABLE} (layer, commits) VALUES (?, 1) "
                         "ON CONFLICT(layer) DO UPDATE SET commits = commits + 1", [(name,) for name in sorted(layers)])

    def _tables(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT table_name FROM gpkg_contents")}

    def _columns(self, conn, table: str) -> list[str]:
        return gpkg.table_columns(conn, table)

    def _index_names(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}

    def _create_layer(self, conn, spec: LayerSpec) -> None:
        columns = [(f.name, f.kind) for f in spec.fields]
        if versioned(spec):
            columns.append((VERSION_COLUMN, "INTEGER NOT NULL DEFAULT 1"))
        gpkg.create_table(conn, spec.name, columns, geometry_type=spec.geometry,
                          srs_id=STORAGE_EPSG, description=f"{spec.zh} / {spec.en}", primary_key=spec.primary_key)
        self._create_indexes(conn, spec)

    def _add_column(self, conn, table: str, field: Field) -> None:
        gpkg.add_column(conn, table, field.name, field.kind)

    def _encode_geometries(self, geoms) -> list:
        return gpkg.encode_geometries(geoms, STORAGE_EPSG)

    def _decode_geometries(self, values: list) -> np.ndarray:
        return gpkg.decode_geometries(values)

    def _outline_arrays(self, values: list) -> tuple | None:
        return gpkg.polygon_arrays(values)

    def _point_rows(self, name: str, extra: list[str], params, where: str, where_params: tuple,
                    parse: Callable[[str], Sequence] = json.loads) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """The layer's rows (those ``where`` holds for) read as a few aggregate rows, not a million: each the rows
        of a span of at most :data:`POINT_CHUNK` fids, their point blobs back to back (read with numpy,
        :func:`data.gpkg.packed_point_coordinates`), each extra column as one JSON array (point layers hold text
        and integers only), the fids as a span when a whole layer has no gap, else listed; one read snapshot.
        Spans keep the memory a read takes small (a million points at once held ~60 MB more, in SQLite and here)."""
        table, conn = quote(name), self._conn()
        size = gpkg._POINT_BLOB.itemsize
        # NOT INDEXED: the table itself is scanned, in fid order (a span is looked up by fid), so fids line up
        selected = [f"CAST(group_concat(coalesce({quote(gpkg.GEOMETRY_COLUMN)}, x''), x'') AS BLOB)",
                    f"total(length({quote(gpkg.GEOMETRY_COLUMN)}) = {size})",
                    *(f"json_group_array({column})" for column in extra)]
        condition = "fid BETWEEN ? AND ?" + (f" AND ({where})" if where else "")
        parts = []
        with _snapshot(conn):
            # each answered from the b-tree alone (together, they would take a scan: 0.1 s at a million rows)
            total, first, last = conn.execute(f"SELECT (SELECT count(*) FROM {table}), (SELECT min(fid) FROM "
                                              f"{table}), (SELECT max(fid) FROM {table})").fetchone()
            whole = not where and bool(total) and last - first + 1 == total  # a span of fids, not listed
            low = first
            while low is not None:  # span by span, from the lowest fid left (gaps between fids are skipped)
                span = (low, low + POINT_CHUNK - 1)
                low = conn.execute(f"SELECT min(fid) FROM {table} WHERE fid > ?", (span[1],)).fetchone()[0]
                count, blobs, plain, *rest = conn.execute(
                    f"SELECT count(*), {', '.join(selected)}{'' if whole else ', group_concat(fid)'} FROM {table} "
                    f"NOT INDEXED WHERE {condition}", (*params, *span, *where_params)).fetchone()
                if not count:
                    continue
                if plain == count:
                    lengths = np.full(count, size)
                else:  # NULL, empty or envelope-carrying blobs: their lengths say where each starts
                    lengths = np.fromstring(conn.execute(
                        f"SELECT group_concat(coalesce(length({quote(gpkg.GEOMETRY_COLUMN)}), 0)) FROM {table} "
                        f"NOT INDEXED WHERE {condition}", (*span, *where_params)).fetchone()[0], dtype=np.int64, sep=",")
                fids = np.arange(span[0], min(span[1], last) + 1) if whole else np.fromstring(
                    rest[-1], dtype=np.int64, sep=",")
                parts.append((fids, *gpkg.packed_point_coordinates(blobs, lengths),
                              [parse(column) for column in rest[:len(extra)]]))
                del blobs
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), [[] for _ in extra]
        fids, x, y = (np.concatenate([part[k] for part in parts]) for k in range(3))
        return fids, x, y, [_joined([part[3][k] for part in parts]) for k in range(len(extra))]

    def _extent(self, name: str, after_fid: int | None):
        table, conn = quote(name), self._conn()
        if after_fid is None:
            if conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE geom IS NOT NULL)").fetchone()[0]:
                return None
            row = conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                               (name,)).fetchone()
            if row and None not in row:
                return np.array(row, dtype=float)
        rows = conn.execute(f"SELECT geom FROM {table} WHERE fid > ? AND geom IS NOT NULL", (after_fid or 0,))
        blobs = [blob for (blob,) in rows.fetchall()]
        if LAYERS[name].geometry == "POINT":
            x, y = gpkg.point_coordinates(blobs)
            ok = ~np.isnan(x)
            return np.array([x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max()]) if ok.any() else None
        return shapely.total_bounds(gpkg.decode_geometries(blobs))

    def _new_fids(self, conn, name: str, count: int) -> list[int]:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)).fetchone()
        first = (row[0] if row else 0) + 1
        return list(range(first, first + count))

    def _insert_rows(self, conn, name: str, columns: list[str], rows: Iterable[tuple], *, explicit_keys: bool) -> None:
        """Many rows to a statement: SQLite's per-statement work (AUTOINCREMENT's bookkeeping among it) is then
        done once per :data:`_INSERT_VARIABLES` values instead of once per row, which halves a bulk insert."""
        insert = f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) VALUES "
        row = f"({', '.join('?' * len(columns))})"
        values = list(itertools.chain.from_iterable(rows))
        step = max(1, _INSERT_VARIABLES // len(columns)) * len(columns)
        whole = len(values) // step * step
        if whole:
            conn.executemany(insert + ", ".join([row] * (step // len(columns))),
                             (values[i:i + step] for i in range(0, whole, step)))
        if whole < len(values):
            conn.execute(insert + ", ".join([row] * ((len(values) - whole) // len(columns))), values[whole:])

    def _extend_extent(self, conn, name: str, geoms) -> None:
        gpkg.extend_extent(conn, name, geoms)

    @contextlib.contextmanager
    def _indexes_deferred(self, conn, name: str):
        """Built again from the very statements that made them: a sorted build costs a fraction of growing an index
        row by row, most of all one whose keys are spread (dates)."""
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                               "AND sql IS NOT NULL", (name,)).fetchall()
        for index, _ in indexes:
            conn.execute(f"DROP INDEX {quote(index)}")
        yield
        for _, statement in indexes:
            conn.execute(statement)


class _Connection(sqlite3.Connection):
    """A connection to a project file whose statements wait for another user or program (telling the
    project's ``on_wait``) and turn SQLite's disk, permission and lock errors into UserErrors."""

    project: Project

    def execute(self, sql, parameters=(), /):
        started = time.monotonic()
        while True:
            try:
                return super().execute(sql, parameters)
            except sqlite3.Error as exc:
                waited = time.monotonic() - started
                if not _is_busy(exc) or waited + _BUSY_SLICE_S > _busy_timeout():
                    raise database_error(exc, self.project.shown_path, waited) from exc
                if self.project.on_wait is not None:
                    self.project.on_wait(waited)

    def executemany(self, sql, parameters, /):
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise database_error(exc, self.project.shown_path) from exc


def layer_stamp(conn: sqlite3.Connection, name: str) -> str:
    """What changes whenever the rows of layer ``name`` change: Cordon's count of commits to it, the last change
    recorded in ``gpkg_contents`` (GDAL, and so QGIS, stamps it at every insert, update and delete), the row count
    and the highest fid (a program that stamps nothing still adds or removes rows). All cheap: no row is read."""
    with _snapshot(conn):
        counted = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (COMMITS_TABLE,))
        commits = counted.fetchone() and conn.execute(f"SELECT commits FROM {COMMITS_TABLE} WHERE layer = ?",
                                                      (name,)).fetchone()
        changed = conn.execute("SELECT last_change FROM gpkg_contents WHERE table_name = ?", (name,)).fetchone()
        count = conn.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0]
        last = conn.execute(f"SELECT max(fid) FROM {quote(name)}").fetchone()[0]
    return f"{commits[0] if commits else 0}/{changed[0] if changed else ''}/{count}/{last}"


def _joined(parts: list[Sequence]) -> Sequence:
    """The values a column's spans were read as, in one sequence (numpy arrays stay one array)."""
    if all(isinstance(part, np.ndarray) for part in parts):
        return np.concatenate(parts)
    return list(itertools.chain.from_iterable(parts))


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection):
    """One read transaction around several statements, so they see the same data (inside a write transaction,
    that transaction's own)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        sqlite3.Connection.execute(conn, "COMMIT")


def _busy_timeout() -> float:
    try:
        return float(os.environ.get("CORDON_BUSY_TIMEOUT_S", BUSY_TIMEOUT_S))
    except ValueError:
        return BUSY_TIMEOUT_S


def _is_busy(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


_DATABASE_ERRORS = (  # (SQLite error name prefixes, message fragment, Chinese, English)
    (("SQLITE_FULL",), "disk is full", "磁盘已满，请腾出磁盘空间后重试", "the disk is full; free some space and try again"),
    (("SQLITE_IOERR",), "disk I/O error", "磁盘写入失败（磁盘已满、文件过大或磁盘故障），请腾出空间或换一个磁盘后重试",
     "the disk refused the write (full, file too large or failing); free some space or use another disk"),
    (("SQLITE_READONLY",), "readonly database", "文件或所在文件夹只读，请把项目复制到可写的文件夹",
     "the file or its folder is read-only; copy the project to a writable folder"),
    (("SQLITE_CANTOPEN",), "unable to open database file", "无法打开文件，请检查文件夹是否存在、是否可写",
     "the file cannot be opened; check that its folder exists and is writable"),
)


def database_error(exc: sqlite3.Error, path, waited: float | None = None) -> Exception:
    """The UserError for an SQLite error a user can act on (disk full, I/O error, read-only, cannot open,
    locked), naming ``path``; ``exc`` itself for anything else. The one place these are translated."""
    if _is_busy(exc):
        seconds = round(waited if waited is not None else _busy_timeout())
        return UserError(f"项目 {path} 正被其他用户或程序使用（已等待 {seconds} 秒）。请关闭其他程序或稍后重试；项目未改动。",
                         f"Project {path} is in use by another user or program (waited {seconds} s). "
                         "Close the other program or try again later; the project is unchanged.")
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefixes, fragment, zh, en in _DATABASE_ERRORS:
        if name.startswith(prefixes) or fragment in str(exc):
            return UserError(f"无法写入项目 {path}：{zh}。项目未改动。", f"Cannot write project {path}: {en}. "
                             "The project is unchanged.")
    return exc


def _drop_dead_journal(project: GeoPackageProject) -> None:
    """Remove a rollback journal nobody will ever use. A writer killed as it began a transaction can leave one whose
    header is still zeros: SQLite calls it not hot, rolls nothing back and leaves it beside the project for ever.
    With the write lock taken at once (no other writer at work: a journal SQLite found hot is rolled back and gone by
    then), one still there is such a leftover. Never waits, never fails (on a network share it stays)."""
    journal = Path(f"{project.path}-journal")
    if not journal.exists():
        return
    with contextlib.suppress(WriteSkipped, OSError), project.try_write():
        with journal.open("rb") as file:
            head = file.read(8)
        if not any(head):  # no journal magic: nothing it holds would ever be played back
            journal.unlink()


def _settle_journal(path: Path) -> None:
    """Let SQLite roll back a crashed write of ``path`` (its hot journal) before the file is replaced, so the
    old journal is never applied to the new file."""
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
