"""The project file: one GeoPackage holding the contract layers (:mod:`data.schema`), the project's
metadata and its audit log.

Every change runs in one SQLite transaction together with its audit-log rows, so the file is never
left half-written; creating a project and "save as" write a temporary file and rename it into place.
Reading never takes the write lock. When another user or program holds the file, Cordon waits (telling
``Project.on_wait``) up to ``CORDON_BUSY_TIMEOUT_S`` seconds (default 60), then gives up with a
UserError; a full disk, a read-only folder or a locked file is one UserError naming the project file
(:func:`database_error`), and the project is left as it was.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg"
>>> project = Project.create(path, name="演示县", county_code="000000")
>>> project.metadata["name"], project.count("cases")
('演示县', 0)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data import gpkg
from data.atomic import atomic_output, remove_stale_temporaries
from data.schema import LAYERS, SCHEMA_VERSION, LayerSpec, layer_spec
from gis.crs import STORAGE_EPSG
from gis.errors import UserError

META_TABLE = "cordon_meta"
_AUDITED_GEOMETRY = {"control_zones"}  # layers whose audit rows also carry the geometry (as WKT)
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {}
"""Steps from schema version N to N+1 beyond adding contract columns (done generically on open)."""

Listener = Callable[[set[str]], None]
BUSY_TIMEOUT_S = 60.0
"""How long to wait for another user or program to release the project (``CORDON_BUSY_TIMEOUT_S`` overrides)."""
_BUSY_SLICE_S = 0.5  # SQLite's own wait between two reports of "still waiting"


def now_iso() -> str:
    """The current local time as an ISO string to the second (how the project stores times)."""
    return dt.datetime.now().replace(microsecond=0).isoformat()


class Project:
    """An open project file. Create with :meth:`create`, open with :meth:`open`.

    ``on_wait(seconds_waited)``, if set, hears (from the waiting thread) while another user or program
    holds the file; ``Project.default_on_wait`` is the hook new projects start with.
    """

    default_on_wait: Callable[[float], None] | None = None

    def __init__(self, path: Path):
        self.path = Path(path)
        self.shown_path = self.path  # the file named in error messages (a draft names its final path)
        self.user = os.environ.get("CORDON_USER") or _login_name()
        self.on_wait: Callable[[float], None] | None = Project.default_on_wait
        self._local = threading.local()
        self._listeners: list[Listener] = []

    # -- opening and creating -------------------------------------------------------------------

    @classmethod
    def create(cls, path, *, name: str, county_code: str = "", is_sample: bool = False,
               attribution: str = "", overwrite: bool = False) -> Project:
        """Create a new empty project file at ``path`` (atomically) and open it."""
        with cls.building(path, name=name, county_code=county_code, is_sample=is_sample, attribution=attribution,
                          overwrite=overwrite):
            pass
        return cls.open(path)

    @classmethod
    @contextlib.contextmanager
    def building(cls, path, *, name: str, county_code: str = "", is_sample: bool = False, attribution: str = "",
                 overwrite: bool = False) -> Iterator[Project]:
        """Build a new project beside ``path`` and rename it into place only when the block succeeds.

        The yielded project is a temporary file: fill it inside the block. A crash or an exception
        leaves ``path`` as it was (absent, or the old project when ``overwrite``), never half-filled.
        """
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            raise UserError(f"项目文件须以 .gpkg 结尾：{path}", f"A project file must end in .gpkg: {path}")
        if path.exists() and not overwrite:
            raise UserError(f"文件已存在：{path}。请换一个文件名，或先删除它。",
                            f"File already exists: {path}. Choose another name or delete it first.")
        meta = {"name": name, "county_code": county_code, "is_sample": is_sample, "attribution": attribution,
                "schema_version": SCHEMA_VERSION, "storage_crs": f"EPSG:{STORAGE_EPSG}", "created_at": now_iso()}
        if overwrite and Path(f"{path}-journal").exists():
            _settle_journal(path)
        with atomic_output(path) as tmp:
            conn = sqlite3.connect(tmp)
            try:
                with conn:
                    gpkg.initialise(conn, [STORAGE_EPSG, 4326])
                    for spec in LAYERS.values():
                        _create_layer(conn, spec)
                    gpkg.create_table(conn, META_TABLE, [("key", "TEXT NOT NULL UNIQUE"), ("value", "TEXT")],
                                      geometry_type=None, srs_id=0, description="Cordon project metadata")
                    conn.executemany(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?)",
                                     [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()])
            except sqlite3.Error as exc:
                raise database_error(exc, path) from exc
            finally:
                conn.close()
            draft = cls.open(tmp)
            draft.shown_path = path
            try:
                yield draft
            finally:
                draft.close()

    @classmethod
    def open(cls, path) -> Project:
        """Open an existing project file, upgrading an older schema in one transaction."""
        path = Path(path)
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
        project._migrate()
        return project

    def _migrate(self) -> None:
        version = int(self.metadata.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise UserError(f"该项目由更新版本的 Cordon 创建（结构版本 {version}），请升级软件后再打开。",
                            f"This project was made by a newer Cordon (schema {version}); please upgrade.")
        if version == SCHEMA_VERSION and self._schema_complete():
            return  # nothing to do: opening for reading takes no write lock
        with self.transaction() as edit:
            conn = edit.conn
            for step in range(version, SCHEMA_VERSION):
                if step in _MIGRATIONS:
                    _MIGRATIONS[step](conn)
            existing = {row[0] for row in conn.execute("SELECT table_name FROM gpkg_contents")}
            for spec in LAYERS.values():
                if spec.name not in existing:
                    _create_layer(conn, spec)
                    continue
                present = set(gpkg.table_columns(conn, spec.name))
                for field in spec.fields:
                    if field.name not in present:
                        gpkg.add_column(conn, spec.name, field.name, field.kind)
            for spec in LAYERS.values():
                _create_indexes(conn, spec)
            if version != SCHEMA_VERSION:
                edit.set_metadata(schema_version=SCHEMA_VERSION)
                edit.log("migrate", after={"from": version, "to": SCHEMA_VERSION})

    def _schema_complete(self) -> bool:
        """Whether every contract layer, column and index is present (read only)."""
        conn = self._conn()
        existing = {row[0] for row in conn.execute("SELECT table_name FROM gpkg_contents")}
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        for spec in LAYERS.values():
            if spec.name not in existing or not set(spec.field_names) <= set(gpkg.table_columns(conn, spec.name)):
                return False
            if any(f"idx_{spec.name}_{column}" not in indexes for column in spec.indexed):
                return False
        return True

    # -- reading ----------------------------------------------------------------------------------

    @property
    def metadata(self) -> dict:
        """Project metadata: name, county_code, is_sample, attribution, schema_version, storage_crs, ..."""
        rows = self._conn().execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def read_layer(self, name: str, *, where: str = "", params: Iterable = ()) -> gpd.GeoDataFrame | pd.DataFrame:
        """A layer as a (Geo)DataFrame indexed by its key (``fid``; ``log_id`` for the audit log),
        geometry in EPSG:4490.

        ``where`` is an optional SQL condition with ``?`` placeholders bound to ``params``.
        """
        spec = layer_spec(name)
        key = spec.primary_key
        columns = [key] + ([gpkg.GEOMETRY_COLUMN] if spec.geometry else []) + spec.field_names
        sql = f"SELECT {', '.join(gpkg.quote(c) for c in columns)} FROM {gpkg.quote(name)}"
        rows = self._conn().execute(sql + (f" WHERE {where}" if where else "") + f" ORDER BY {key}", tuple(params))
        frame = pd.DataFrame.from_records(rows.fetchall(), columns=columns).set_index(key)
        for field in spec.fields:
            if field.kind == "INTEGER":
                frame[field.name] = pd.array(frame[field.name], dtype="Int64")
            elif field.kind == "REAL":
                frame[field.name] = pd.to_numeric(frame[field.name]).astype("float64")
        if not spec.geometry:
            return frame
        geoms = gpkg.decode_geometries(frame.pop(gpkg.GEOMETRY_COLUMN).tolist())
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=f"EPSG:{STORAGE_EPSG}")

    def read_points(self, name: str, columns: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
        """A point layer as plain arrays, fast even for millions of rows: (fids, x, y, columns frame)."""
        spec = layer_spec(name)
        if spec.geometry != "POINT":
            raise ValueError(f"{name} is not a point layer")
        selected = ", ".join(gpkg.quote(c) for c in ["fid", gpkg.GEOMETRY_COLUMN, *columns])
        from operator import itemgetter

        rows = self._conn().execute(f"SELECT {selected} FROM {gpkg.quote(name)} ORDER BY fid").fetchall()
        fids, x, y = self._point_rows(rows)
        frame = pd.DataFrame({c: list(map(itemgetter(i + 2), rows)) for i, c in enumerate(columns)},
                             columns=columns, index=pd.RangeIndex(len(rows)))
        return fids, x, y, frame

    def read_point_codes(self, name: str, column: str, values: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A point layer with one column coded in SQL: (fids, x, y, codes), where ``codes`` (uint8) holds the
        index of each row's value in ``values`` and 255 for any other value (NULL included)."""
        spec = layer_spec(name)
        if spec.geometry != "POINT":
            raise ValueError(f"{name} is not a point layer")
        spec.field(column)
        if not values:
            case = "255"
        else:
            case = f"CASE {gpkg.quote(column)} " + " ".join(f"WHEN ? THEN {i}" for i in range(len(values))) + " ELSE 255 END"
        sql = f"SELECT fid, {gpkg.quote(gpkg.GEOMETRY_COLUMN)}, {case} FROM {gpkg.quote(name)} ORDER BY fid"
        from operator import itemgetter

        rows = self._conn().execute(sql, list(values)).fetchall()
        fids, x, y = self._point_rows(rows)
        codes = np.fromiter(map(itemgetter(2), rows), dtype=np.uint8, count=len(rows))
        return fids, x, y, codes

    @staticmethod
    def _point_rows(rows: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """fids, x and y of rows starting (fid, point blob): one numpy pass when every blob is a plain little-endian
        point without an envelope (how data.gpkg writes points), else the general decoder."""
        from operator import itemgetter

        n = len(rows)
        fids = np.fromiter(map(itemgetter(0), rows), dtype=np.int64, count=n)
        blobs = list(map(itemgetter(1), rows))
        size = gpkg._POINT_BLOB.itemsize
        if n and all(blobs):
            joined = b"".join(blobs)
            if len(joined) == size * n:
                packed = np.frombuffer(joined, dtype=gpkg._POINT_BLOB)
                if ((packed["magic"] == b"GP") & (packed["flags"] == gpkg._FLAG_LITTLE_ENDIAN) & (packed["order"] == 1) & (packed["type"] == 1)).all():
                    return fids, packed["x"].astype(np.float64), packed["y"].astype(np.float64)
        x, y = gpkg.point_coordinates(blobs)
        return fids, x, y

    def value_counts(self, name: str, column: str) -> dict:
        """How many rows of a layer hold each value of ``column``."""
        spec = layer_spec(name)
        spec.field(column)
        sql = f"SELECT {gpkg.quote(column)}, count(*) FROM {gpkg.quote(name)} GROUP BY 1"
        return dict(self._conn().execute(sql).fetchall())

    def count(self, name: str) -> int:
        """Number of features (rows) in a layer."""
        layer_spec(name)
        return self._conn().execute(f"SELECT count(*) FROM {gpkg.quote(name)}").fetchone()[0]

    def county_outline(self):
        """The county polygon (level ``county`` in admin_units), or None if the project has none."""
        units = self.read_layer("admin_units", where="level = ?", params=("county",))
        return None if units.empty else shapely.union_all(units.geometry.values)

    def last_fid(self, name: str) -> int:
        """The highest fid of a layer (0 when empty): features added later have higher ones."""
        layer_spec(name)
        return self._conn().execute(f"SELECT coalesce(max(fid), 0) FROM {gpkg.quote(name)}").fetchone()[0]

    def extent(self, name: str, *, after_fid: int | None = None) -> tuple[float, float, float, float] | None:
        """Bounds (minx, miny, maxx, maxy) of a spatial layer in storage coordinates, None if it has no geometry.

        The whole layer's bounds are the extent the GeoPackage records (cheap; it may still cover deleted
        features); with ``after_fid``, the exact bounds of the features added after that fid (what an import brought).
        """
        spec = layer_spec(name)
        table, conn = gpkg.quote(name), self._conn()
        if after_fid is None:
            if conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE geom IS NOT NULL)").fetchone()[0]:
                return None
            row = conn.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                               (name,)).fetchone()
            if row and None not in row:
                return tuple(float(v) for v in row)
        rows = conn.execute(f"SELECT geom FROM {table} WHERE fid > ? AND geom IS NOT NULL", (after_fid or 0,))
        blobs = [blob for (blob,) in rows.fetchall()]
        if spec.geometry == "POINT":
            x, y = gpkg.point_coordinates(blobs)
            ok = ~np.isnan(x)
            box = [x[ok].min(), y[ok].min(), x[ok].max(), y[ok].max()] if ok.any() else [np.nan] * 4
        else:
            box = shapely.total_bounds(gpkg.decode_geometries(blobs))
        return None if np.isnan(box).any() else tuple(float(v) for v in box)

    # -- writing ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Edit]:
        """A write transaction: everything done through the yielded :class:`Edit` commits together or
        not at all. Listeners hear which layers changed after the commit."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        # Inside, only moving changed pages out of memory early can meet a reader; SQLite then keeps them in
        # memory, so it need not wait there (it would, once per page, unbounded and unseen). COMMIT waits.
        conn.execute("PRAGMA busy_timeout = 0")
        edit = Edit(self, conn)
        try:
            yield edit
            conn.execute(f"PRAGMA busy_timeout = {round(_BUSY_SLICE_S * 1000)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite itself rolls back after a full disk or an I/O error
                with contextlib.suppress(sqlite3.Error):
                    sqlite3.Connection.execute(conn, "ROLLBACK")
            raise
        finally:
            sqlite3.Connection.execute(conn, f"PRAGMA busy_timeout = {round(_BUSY_SLICE_S * 1000)}")
        if edit.changed:
            for listener in list(self._listeners):
                listener(set(edit.changed))

    def set_metadata(self, **values) -> None:
        """Change metadata entries (logged)."""
        with self.transaction() as edit:
            edit.set_metadata(**values)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(changed_layer_names)`` after each commit; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def save_as(self, path) -> Project:
        """Copy the whole project to ``path`` atomically and return the copy, opened."""
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

    def close(self) -> None:
        """Close this thread's connection to the file."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

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


def _settle_journal(path: Path) -> None:
    """Let SQLite roll back a crashed write of ``path`` (its hot journal) before the file is replaced, so the
    old journal is never applied to the new file."""
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


class Edit:
    """Writes inside one :meth:`Project.transaction`. Each feature change is logged with its
    before/after values in ``audit_log``."""

    def __init__(self, project: Project, conn: sqlite3.Connection):
        self.project = project
        self.conn = conn
        self.changed: set[str] = set()

    def insert(self, name: str, frame: pd.DataFrame, *, action: str = "create", log_each: bool = True,
               fids: list[int] | None = None) -> list[int]:
        """Insert rows (a GeoDataFrame in EPSG:4490 for spatial layers); returns the new fids.

        Columns named like contract fields are stored, others ignored; missing fields are NULL.
        With ``log_each`` every new feature gets an audit row; bulk imports log one summary row instead.
        ``fids`` puts rows back under the ids they had (undoing a delete).
        """
        spec = layer_spec(name)
        if frame.empty:
            return []
        fields = [f for f in spec.fields if f.name in frame.columns]
        columns = [f.name for f in fields]
        values = [_column_values(frame[f.name], f.kind) for f in fields]
        if spec.geometry:
            geoms = _storage_geometries(frame, spec)
            columns.insert(0, gpkg.GEOMETRY_COLUMN)
            values.insert(0, gpkg.encode_geometries(geoms, STORAGE_EPSG))
        if fids is None:
            first = self._next_fid(name)
            fids = list(range(first, first + len(frame)))
        columns.insert(0, spec.primary_key)
        values.insert(0, [int(f) for f in fids])
        placeholders = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {gpkg.quote(name)} ({', '.join(gpkg.quote(c) for c in columns)}) VALUES ({placeholders})"
        self.conn.executemany(sql, zip(*values, strict=True))
        if spec.geometry:
            gpkg.extend_extent(self.conn, name, geoms)
        if log_each:
            for fid in fids:
                self.log(action, name, fid, after=self._snapshot(spec, fid))
        self.changed.add(name)
        return fids

    def update(self, name: str, fid: int, values: dict | None = None, geometry=None, *, action: str = "modify") -> None:
        """Change attributes and/or the geometry of one feature (logged with before and after)."""
        spec = layer_spec(name)
        before = self._snapshot(spec, fid)
        if before is None:
            raise UserError(f"图层“{name}”中没有要素 {fid}。", f"Layer '{name}' has no feature {fid}.")
        assignments, params = [], []
        for key, value in (values or {}).items():
            field = spec.field(key)
            assignments.append(f"{gpkg.quote(key)} = ?")
            params.append(_column_values(pd.Series([value]), field.kind)[0])
        if geometry is not None:
            geometry = _normalise_geometry(geometry, spec)
            assignments.append(f"{gpkg.GEOMETRY_COLUMN} = ?")
            params.append(gpkg.encode_geometries([geometry], STORAGE_EPSG)[0])
            gpkg.extend_extent(self.conn, name, [geometry])
        if assignments:
            self.conn.execute(f"UPDATE {gpkg.quote(name)} SET {', '.join(assignments)} WHERE fid = ?", (*params, fid))
        self.log(action, name, fid, before=before, after=self._snapshot(spec, fid))
        self.changed.add(name)

    def delete(self, name: str, fids: Iterable[int], *, action: str = "delete") -> None:
        """Delete features (each logged with what it was)."""
        spec = layer_spec(name)
        for fid in fids:
            before = self._snapshot(spec, fid)
            if before is None:
                continue
            self.conn.execute(f"DELETE FROM {gpkg.quote(name)} WHERE fid = ?", (fid,))
            self.log(action, name, fid, before=before)
        self.changed.add(name)

    def set_metadata(self, **values) -> None:
        """Set metadata entries within this transaction (logged)."""
        before = self.project.metadata
        for key, value in values.items():
            self.conn.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              (key, json.dumps(value, ensure_ascii=False)))
        self.log("metadata", META_TABLE, before={k: before.get(k) for k in values}, after=values)

    def log(self, action: str, layer: str | None = None, fid: int | None = None, *, before=None, after=None) -> None:
        """Write one audit_log row (who, when, what) in this transaction."""
        self.conn.execute(
            'INSERT INTO audit_log ("at", "user", "action", "layer", "fid", "before", "after") VALUES (?,?,?,?,?,?,?)',
            (now_iso(), self.project.user, action, layer, fid, _json_or_none(before), _json_or_none(after)),
        )
        self.changed.add("audit_log")

    def _next_fid(self, name: str) -> int:
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)).fetchone()
        return (row[0] if row else 0) + 1

    def _snapshot(self, spec: LayerSpec, fid: int) -> dict | None:
        columns = spec.field_names + ([gpkg.GEOMETRY_COLUMN] if spec.name in _AUDITED_GEOMETRY else [])
        row = self.conn.execute(
            f"SELECT {', '.join(gpkg.quote(c) for c in columns)} FROM {gpkg.quote(spec.name)} WHERE fid = ?", (fid,)
        ).fetchone()
        if row is None:
            return None
        snapshot = dict(zip(columns, row, strict=True))
        if gpkg.GEOMETRY_COLUMN in snapshot:
            blob = snapshot.pop(gpkg.GEOMETRY_COLUMN)
            geom = gpkg.decode_geometries([blob])[0] if blob else None
            snapshot["geometry"] = None if geom is None else shapely.to_wkt(geom, rounding_precision=7)
        return snapshot


def _create_layer(conn: sqlite3.Connection, spec: LayerSpec) -> None:
    gpkg.create_table(conn, spec.name, [(f.name, f.kind) for f in spec.fields], geometry_type=spec.geometry,
                      srs_id=STORAGE_EPSG, description=f"{spec.zh} / {spec.en}", primary_key=spec.primary_key)
    _create_indexes(conn, spec)


def _create_indexes(conn: sqlite3.Connection, spec: LayerSpec) -> None:
    for column in spec.indexed:
        name = gpkg.quote(f"idx_{spec.name}_{column}")
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {gpkg.quote(spec.name)} ({gpkg.quote(column)})")


def _storage_geometries(frame: pd.DataFrame, spec: LayerSpec) -> np.ndarray:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"layer {spec.name} needs a GeoDataFrame")
    if frame.crs is None or frame.crs.to_epsg() != STORAGE_EPSG:
        raise ValueError(f"geometries for {spec.name} must be in EPSG:{STORAGE_EPSG}, got {frame.crs}")
    return np.array([_normalise_geometry(g, spec) for g in frame.geometry.values], dtype=object)


def _normalise_geometry(geom, spec: LayerSpec):
    """Polygons are stored as MultiPolygon; anything else must already match the layer."""
    if geom is None:
        return None
    kind = geom.geom_type
    if spec.geometry == "MULTIPOLYGON" and kind == "Polygon":
        return shapely.MultiPolygon([geom])
    expected = {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}[spec.geometry]
    if kind != expected:
        raise ValueError(f"layer {spec.name} stores {expected}, got {kind}")
    return geom


def _column_values(series: pd.Series, kind: str) -> list:
    """Python values ready for SQLite: NULL for missing, int/float/str by column kind, ISO text for times."""
    out = []
    for value in series.tolist():
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        elif kind == "INTEGER":
            out.append(int(value))
        elif kind == "REAL":
            out.append(float(value))
        elif isinstance(value, (dt.date, pd.Timestamp)):
            out.append(value.isoformat() if kind != "DATE" else value.strftime("%Y-%m-%d"))
        else:
            out.append(str(value))
    return out


def _json_or_none(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"
