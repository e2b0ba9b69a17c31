"""A Cordon project: the contract layers (:mod:`data.schema`), the project's metadata and its audit log,
kept in one of two stores behind the same :class:`Project` face:

- a GeoPackage file (``county.gpkg``, :mod:`data.stores.gpkg_store`), the embedded default that needs no
  server; creating it and "save as" write a temporary file and rename it into place;
- a PostgreSQL/PostGIS schema (``postgresql://user@host:port/dbname?schema=cordon``,
  :mod:`data.stores.postgis_store`) for many desks at once; creating it is one database transaction.

:meth:`Project.open`, :meth:`Project.create` and :meth:`Project.building` pick the store from the target.
Every change runs in one transaction together with its audit-log rows (:class:`Edit`), so a project is
never left half-written; opening upgrades an older schema in one transaction and refuses a newer one.
Every row carries a version (:data:`data.schema.VERSION_COLUMN`); an update or delete that started from an
older version than the row has now is refused with a :class:`ConflictError` naming who changed it and when,
and actions that must not run twice at once take :meth:`Edit.lock` first.
When another user or program holds a GeoPackage, Cordon waits (telling ``Project.on_wait``) up to
``CORDON_BUSY_TIMEOUT_S`` seconds (default 60), then gives up with a UserError; disk, permission, lock and
connection failures are one UserError naming the project, and the project is left as it was.

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
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.changes import DELETED, INSERTED, LOCAL, UPDATED, Change, ChangeRecorder, Changeset
from data.schema import LAYERS, SCHEMA_VERSION, VERSION_COLUMN, Field, LayerSpec, layer_spec, versioned
from gis.crs import STORAGE_EPSG
from gis.errors import UserError

META_TABLE = "cordon_meta"
GEOMETRY_COLUMN = "geom"
AUDITED_GEOMETRY = {"control_zones"}  # layers whose audit rows also carry the geometry (as WKT)
MIGRATIONS: dict[int, Callable[[Edit], None]] = {}
"""Steps from schema version N to N+1 beyond adding contract columns (done generically on open)."""

Listener = Callable[[Changeset], None]
TITLE_FIELDS = ("name", "case_no", "person_no", "site_name", "code")
"""The fields that name a feature in messages, first filled one wins."""


def now_iso() -> str:
    """The current local time as an ISO string to the second (how the project stores times)."""
    return dt.datetime.now().replace(microsecond=0).isoformat()


def quote(identifier: str) -> str:
    """Quote an SQL identifier (the same in SQLite and PostgreSQL)."""
    return '"' + identifier.replace('"', '""') + '"'


class Project:
    """An open project. Create with :meth:`create` or :meth:`building`, open with :meth:`open`; ``target`` is
    a ``.gpkg`` path or a ``postgresql://`` URL.

    ``on_wait(seconds_waited)``, if set, hears (from the waiting thread) while another user or program
    holds the project; ``Project.default_on_wait`` is the hook new projects start with.

    A store subclass provides the connection (one per thread), the transaction, the geometry encoding and
    the schema statements (the ``_``-prefixed hooks below); everything else is shared.
    """

    default_on_wait: Callable[[float], None] | None = None
    default_on_shared: Callable[[UserError], None] | None = None
    """Hears, once per project and before its first write from here, why writing is risky: another Cordon
    window holds the GeoPackage, or it lies on a network share (see :mod:`data.project_lock`)."""
    row_lock = ""
    """The SQL suffix locking a row read for an update until the transaction ends (none where a write
    transaction locks the whole store)."""
    geometry_select = GEOMETRY_COLUMN
    """The SQL expression reading the geometry column as a value :meth:`_decode_geometries` takes."""
    binary_type = "BLOB"
    """The SQL type of a column of bytes."""
    role: str | None = "admin"
    """What the user may do here: viewer (read, print, export), editor (also edit data and zones) or admin (also
    schemes, settings, roles, migrations). A GeoPackage's user is its admin; a database says (:mod:`data.stores.roles`)."""

    @property
    def can_edit(self) -> bool:
        """Whether the user's role may change data and zones (never in a project opened read-only)."""
        return not self.read_only and self.role in ("editor", "admin")

    @property
    def can_admin(self) -> bool:
        """Whether the user's role may change the scheme, the settings and the roles (never in a project opened
        read-only)."""
        return not self.read_only and self.role == "admin"

    def __init__(self, path):
        self.path = path  # a Path for a GeoPackage, a DatabaseTarget (shown without password) for a database
        self.shown_path = path  # the project named in error messages (a draft names its final target)
        self.user = os.environ.get("CORDON_USER") or _login_name()
        self.on_wait: Callable[[float], None] | None = Project.default_on_wait
        self.on_shared: Callable[[UserError], None] | None = Project.default_on_shared
        self.read_only = False  # opened to look only (another Cordon edits it): every write is refused
        self._local = threading.local()
        self._listeners: list[Listener] = []

    # -- opening and creating -------------------------------------------------------------------

    @classmethod
    def create(cls, target, *, name: str, county_code: str = "", is_sample: bool = False,
               attribution: str = "", overwrite: bool = False) -> Project:
        """Create a new empty project at ``target`` (atomically) and open it."""
        with cls.building(target, name=name, county_code=county_code, is_sample=is_sample, attribution=attribution,
                          overwrite=overwrite):
            pass
        return cls.open(target)

    @classmethod
    def building(cls, target, *, name: str, county_code: str = "", is_sample: bool = False, attribution: str = "",
                 overwrite: bool = False):
        """A context manager building a new project at ``target`` that appears only when the block succeeds.

        The yielded project is a draft (a temporary file, or an open database transaction): fill it inside
        the block. A crash or an exception leaves ``target`` as it was (absent, or the old project when
        ``overwrite``), never half-filled.
        """
        meta = {"name": name, "county_code": county_code, "is_sample": is_sample, "attribution": attribution,
                "schema_version": SCHEMA_VERSION, "storage_crs": f"EPSG:{STORAGE_EPSG}", "created_at": now_iso()}
        return store_for(target)._building(target, meta, overwrite=overwrite)

    @classmethod
    def open(cls, target) -> Project:
        """Open an existing project, upgrading an older schema in one transaction."""
        project = store_for(target)._opened(target)
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
            self._lock_schema(edit.conn)
            version = int(self.metadata.get("schema_version", 0))  # again: another desk may have migrated meanwhile
            for step in range(version, SCHEMA_VERSION):
                if step in MIGRATIONS:
                    MIGRATIONS[step](edit)
            existing = self._tables(edit.conn)
            for spec in LAYERS.values():
                if spec.name not in existing:
                    self._create_layer(edit.conn, spec)
                    continue
                present = set(self._columns(edit.conn, spec.name))
                for field in spec.fields:
                    if field.name not in present:
                        self._add_column(edit.conn, spec.name, field)
                if versioned(spec) and VERSION_COLUMN not in present:
                    self._add_versions(edit.conn, spec)  # every row so far is version 1
            for spec in LAYERS.values():
                self._create_indexes(edit.conn, spec)
                self._create_triggers(edit.conn, spec)
            if version != SCHEMA_VERSION:
                edit.set_metadata(schema_version=SCHEMA_VERSION)
                edit.log("migrate", after={"from": version, "to": SCHEMA_VERSION})

    def _schema_complete(self) -> bool:
        """Whether every contract layer, column and index is present (read only)."""
        conn = self._conn()
        existing, indexes = self._tables(conn), self._index_names(conn)
        for spec in LAYERS.values():
            columns = spec.field_names + ([VERSION_COLUMN] if versioned(spec) else [])
            if spec.name not in existing or not set(columns) <= set(self._columns(conn, spec.name)):
                return False
            if any(index_name(spec, column) not in indexes for column in spec.indexed):
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
        columns = [key] + ([GEOMETRY_COLUMN] if spec.geometry else []) + spec.field_names
        rows = self._ordered_rows(spec, columns[1:], where, params)
        frame = pd.DataFrame.from_records(rows, columns=columns).set_index(key)
        for field in spec.fields:
            if field.kind == "INTEGER":
                frame[field.name] = pd.array(frame[field.name], dtype="Int64")
            elif field.kind == "REAL":
                frame[field.name] = pd.to_numeric(frame[field.name]).astype("float64")
        if not spec.geometry:
            return frame
        geoms = self._decode_geometries(frame.pop(GEOMETRY_COLUMN).tolist())
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index), crs=f"EPSG:{STORAGE_EPSG}")

    def read_values(self, name: str, fields: Iterable[str], *, where: str = "", params: Iterable = ()
                    ) -> tuple[list[int], dict[str, list], np.ndarray]:
        """A spatial layer as plain lists, no frame made (what the map draws, fast): the fids, the values of each of
        ``fields`` as the store holds them (None for NULL) and the geometries, in fid order; ``where`` as for
        :meth:`read_layer`."""
        fids, values, blobs = self._value_rows(name, fields, where, params)
        return fids, values, self._decode_geometries(blobs)

    def read_outlines(self, name: str, fields: Iterable[str], *, where: str = "", params: Iterable = ()
                      ) -> tuple[list[int], dict[str, list], np.ndarray, tuple | None]:
        """:meth:`read_values` of a polygon layer, with the outlines' coordinates and offsets as
        ``shapely.to_ragged_array`` gives them (what the map packs) where the store reads them straight from its
        rows, and then the geometries made from those (MultiPolygons, empty for none); else None and the geometries
        as :meth:`read_values` makes them."""
        fids, values, blobs = self._value_rows(name, fields, where, params)
        ragged = self._outline_arrays(blobs)
        if ragged is None:
            return fids, values, self._decode_geometries(blobs), None
        geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, *ragged)
        return fids, values, geoms, ragged

    def _value_rows(self, name: str, fields: Iterable[str], where: str, params: Iterable
                    ) -> tuple[list[int], dict[str, list], list]:
        """The fids, the values of ``fields`` and the geometries as read (:attr:`geometry_select`), in fid order."""
        spec = layer_spec(name)
        fields = [spec.field(field).name for field in fields]
        rows = self._ordered_rows(spec, [GEOMETRY_COLUMN, *fields], where, params)
        columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(len(fields) + 2)]
        fids, blobs, *values = columns
        return fids, dict(zip(fields, values, strict=True)), blobs

    def _ordered_rows(self, spec: LayerSpec, columns: list[str], where: str, params: Iterable) -> list[tuple]:
        """The key and ``columns`` (the geometry as :attr:`geometry_select` reads it) of the rows of a layer that
        ``where`` holds for, in key order."""
        key = spec.primary_key
        selected = [quote(key)] + [self.geometry_select if c == GEOMETRY_COLUMN else quote(c) for c in columns]
        sql = f"SELECT {', '.join(selected)} FROM {quote(spec.name)}" + (f" WHERE {where}" if where else "")
        return self._conn().execute(f"{sql} ORDER BY {key}", tuple(params)).fetchall()

    def read_points(self, name: str, columns: list[str], *, where: str = "", params: Iterable = ()
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
        """A point layer as plain arrays, fast even for millions of rows: (fids, x, y, columns frame). ``where`` is
        an optional SQL condition with ``?`` placeholders bound to ``params``: only the rows it holds for are read."""
        _point_spec(name)
        fids, x, y, values = self._point_rows(name, [quote(c) for c in columns], (), where, tuple(params))
        frame = pd.DataFrame(dict(zip(columns, values, strict=True)), columns=columns, index=pd.RangeIndex(len(fids)))
        return fids, x, y, frame

    def read_point_codes(self, name: str, column: str, values: list) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A point layer with one column coded in SQL: (fids, x, y, codes), where ``codes`` (uint8) holds the
        index of each row's value in ``values`` and 255 for any other value (NULL included)."""
        _point_spec(name).field(column)
        case, params = coded(column, values)
        fids, x, y, (codes,) = self._point_rows(name, [case], params, "", (), parse=_small_numbers)
        return fids, x, y, np.asarray(codes, dtype=np.uint8).reshape(len(fids))

    def read_point_values(self, name: str, expressions: dict[str, tuple[str, list]], *, where: str = "",
                          params: Iterable = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """:meth:`read_points` with each column worked out by the store and given as an object array (no frame is
        built: millions of texts cost a few milliseconds): ``expressions`` maps a label to an SQL expression over the
        layer's fields and the values of its ``?`` placeholders, e.g. a text coded as a small number (:func:`coded`)
        or a value read only where a condition holds, so that millions of rows travel as small numbers and nulls.
        The same SQL serves a GeoPackage and PostGIS; ``where`` as for :meth:`read_points`."""
        _point_spec(name)
        values = [value for _, expression_params in expressions.values() for value in expression_params]
        fids, x, y, columns = self._point_rows(name, [sql for sql, _ in expressions.values()], values, where,
                                               tuple(params))
        return fids, x, y, {label: np.fromiter(column, dtype=object, count=len(fids))
                            for label, column in zip(expressions, columns, strict=True)}

    def value_counts(self, name: str, column: str) -> dict:
        """How many rows of a layer hold each value of ``column``."""
        layer_spec(name).field(column)
        sql = f"SELECT {quote(column)}, count(*) FROM {quote(name)} GROUP BY 1"
        return dict(self._conn().execute(sql).fetchall())

    def group_counts(self, name: str, columns: list[str], *, where: str = "", params: Iterable = ()) -> pd.DataFrame:
        """How many rows of a layer hold each combination of values of ``columns`` (NULL included), counted by
        the store in one GROUP BY: a frame of ``columns`` and ``count``. ``where`` is an optional SQL condition
        with ``?`` placeholders bound to ``params``. Same SQL in a GeoPackage and in PostGIS."""
        spec = layer_spec(name)
        for column in columns:
            spec.field(column)
        selected = ", ".join(quote(c) for c in columns)
        sql = (f"SELECT {selected}, count(*) FROM {quote(name)}" + (f" WHERE {where}" if where else "")
               + f" GROUP BY {', '.join(str(i) for i in range(1, len(columns) + 1))}")
        rows = self._conn().execute(sql, tuple(params)).fetchall()
        return pd.DataFrame.from_records(rows, columns=[*columns, "count"]).astype({"count": "int64"})

    def versions(self, name: str, fids: Iterable[int] | None = None) -> dict[int, int]:
        """The current version of each row of a layer (of the rows ``fids``): {fid: version}. A view keeps
        the versions of the rows it shows and passes them back with its edits (``expected_version``)."""
        spec = layer_spec(name)
        if not versioned(spec):
            raise ValueError(f"{name} has no row versions")
        sql = f"SELECT fid, {VERSION_COLUMN} FROM {quote(name)}"
        if fids is None:
            return dict(self._conn().execute(sql).fetchall())
        fids = [int(f) for f in fids]
        rows = []
        for start in range(0, len(fids), 500):
            chunk = fids[start:start + 500]
            rows += self._conn().execute(sql + f" WHERE fid IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
        return dict(rows)

    def feature(self, name: str, fid: int) -> dict | None:
        """One feature's fields and its ``version``, read in one statement, so the version is the one of those
        values (None if there is no such feature). Cheap: what a desk re-reads before trying an edit again."""
        return _feature(self._conn(), layer_spec(name), fid, "")

    def states(self, name: str, fids: Iterable[int]) -> dict[int, dict]:
        """The rows ``fids`` of a layer as changesets carry them: {fid: every field, ``geometry`` and ``version``}
        (rows that do not exist are left out)."""
        return _row_states(self, self._conn(), layer_spec(name), fids)

    def version(self, name: str, fid: int) -> int | None:
        """The current version of one row (None if there is no such row)."""
        return self.versions(name, [fid]).get(int(fid))

    def count(self, name: str) -> int:
        """Number of features (rows) in a layer."""
        layer_spec(name)
        return self._conn().execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0]

    def county_outline(self):
        """The county polygon (level ``county`` in admin_units), or None if the project has none."""
        _, _, outlines = self.read_values("admin_units", [], where="level = ?", params=("county",))  # no frame: quick
        if not len(outlines):
            return None
        return outlines[0] if len(outlines) == 1 else shapely.union_all(outlines)

    def last_fid(self, name: str) -> int:
        """The highest fid of a layer (0 when empty): features added later have higher ones."""
        layer_spec(name)
        return self._conn().execute(f"SELECT coalesce(max(fid), 0) FROM {quote(name)}").fetchone()[0]

    def extent(self, name: str, *, after_fid: int | None = None) -> tuple[float, float, float, float] | None:
        """Bounds (minx, miny, maxx, maxy) of a spatial layer in storage coordinates, None if it has no geometry.

        Without ``after_fid`` the whole layer's bounds (cheap; in a GeoPackage the recorded extent, which may
        still cover deleted features); with ``after_fid``, the exact bounds of the features added after that
        fid (what an import brought).
        """
        layer_spec(name)
        box = self._extent(name, after_fid)
        return None if box is None or np.isnan(box).any() else tuple(float(v) for v in box)

    # -- writing ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Edit]:
        """A write transaction: everything done through the yielded :class:`Edit` commits together or
        not at all. After the commit, listeners hear its :class:`~data.changes.Changeset` (on the committing
        thread). Refused in a project opened read-only."""
        if self.read_only:
            raise UserError(f"项目 {self.shown_path} 以只读方式打开，不能修改。请关闭后以编辑方式重新打开。",
                            f"Project {self.shown_path} is open read-only and cannot be changed. Close it and "
                            "open it again for editing.")
        with self._write() as conn:
            edit = Edit(self, conn)
            yield edit
            if edit.changed:
                self._count_changes(conn, edit.changed)
        self._committed(edit)

    def _committed(self, edit: Edit) -> None:
        """After a commit: hand what the transaction changed to :meth:`recording` and to the listeners."""
        if not edit.changed:
            return
        changeset = Changeset(tuple(edit.recorder.changes), user=self.user, at=now_iso(), source=LOCAL,
                              tables=frozenset(edit.changed))
        recorded = getattr(self._local, "recorded", None)
        if recorded is not None:
            recorded.append(changeset)
        for listener in list(self._listeners):
            listener(changeset)

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Changeset]]:
        """Collect the changesets this thread commits inside the block (what an undoable action changed)."""
        outer = getattr(self._local, "recorded", None)
        self._local.recorded = recorded = []
        try:
            yield recorded
        finally:
            self._local.recorded = outer
            if outer is not None:
                outer.extend(recorded)

    def set_metadata(self, **values) -> None:
        """Change metadata entries (logged)."""
        with self.transaction() as edit:
            edit.set_metadata(**values)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(changeset)`` after each commit (:class:`~data.changes.Changeset`); returns the
        unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def save_as(self, path) -> Project:
        """Copy the whole project to the GeoPackage ``path`` atomically and return the copy, opened."""
        from data.stores.transfer import copy_project

        return copy_project(self, path, overwrite=True)

    def data_version(self, name: str, conn=None) -> str | None:
        """A text that changes whenever the rows of layer ``name`` change, by Cordon or by any other program
        (what a payload kept for later is checked against, :mod:`data.payload_cache`), read through ``conn``
        (one from :meth:`try_write`) or this thread's connection; None where the store cannot tell."""
        return None

    def try_write(self):
        """A context manager around a write transaction of its own for what the project may do without (a
        cache), on a connection of its own that it yields (``execute`` with ``?`` placeholders): it never waits
        for another writer, raising :class:`WriteSkipped` instead (also when the project is open read-only or
        the user may not edit, and on any failure, the project left as it was); it never tells ``on_shared``."""
        raise WriteSkipped("this store keeps nothing")

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- store hooks ------------------------------------------------------------------------------

    @classmethod
    def _opened(cls, target) -> Project:
        """The project at ``target``, checked to be a Cordon project (not yet migrated)."""
        raise NotImplementedError

    @classmethod
    def _building(cls, target, meta: dict, *, overwrite: bool):
        raise NotImplementedError

    def _conn(self):
        """This thread's connection: ``execute(sql, params)`` with ``?`` placeholders, ``executemany``."""
        raise NotImplementedError

    def _write(self):
        """A context manager around one write transaction, yielding the connection."""
        raise NotImplementedError

    def _count_changes(self, conn, layers: set[str]) -> None:
        """Within a committing transaction, note that it changed ``layers`` (see :meth:`data_version`)."""

    def _lock_schema(self, conn) -> None:
        """Keep other writers from migrating at the same time (inside the transaction)."""
        self._lock_action(conn, "migrate")

    def _lock_action(self, conn, purpose: str) -> None:
        """Keep any other transaction taking the same ``purpose`` waiting until this one ends. Nothing to do
        where a write transaction already holds the whole store (a GeoPackage's write lock)."""

    def _add_versions(self, conn, spec: LayerSpec) -> None:
        """Add the version column (1 for every row so far) to an existing layer."""
        conn.execute(f"ALTER TABLE {quote(spec.name)} ADD COLUMN {VERSION_COLUMN} INTEGER NOT NULL DEFAULT 1")

    def _tables(self, conn) -> set[str]:
        raise NotImplementedError

    def _columns(self, conn, table: str) -> list[str]:
        raise NotImplementedError

    def _index_names(self, conn) -> set[str]:
        raise NotImplementedError

    def _create_layer(self, conn, spec: LayerSpec) -> None:
        raise NotImplementedError

    def _add_column(self, conn, table: str, field: Field) -> None:
        raise NotImplementedError

    def _create_triggers(self, conn, spec: LayerSpec) -> None:
        """Install what a store adds to a layer on creation and migration (PostGIS: the change notifications)."""

    def _create_indexes(self, conn, spec: LayerSpec) -> None:
        for column in spec.indexed:
            columns = (column,) if isinstance(column, str) else column
            conn.execute(f"CREATE INDEX IF NOT EXISTS {quote(index_name(spec, column))} "
                         f"ON {quote(spec.name)} ({', '.join(quote(c) for c in columns)})")

    def _encode_geometries(self, geoms: np.ndarray) -> list:
        """Shapely geometries (in the storage CRS) -> values for the geometry column."""
        raise NotImplementedError

    def _decode_geometries(self, values: list) -> np.ndarray:
        """Values read through :attr:`geometry_select` -> shapely geometries (None for NULL)."""
        raise NotImplementedError

    def _outline_arrays(self, values: list) -> tuple | None:
        """Polygons read through :attr:`geometry_select` -> their coordinates and offsets (see :meth:`read_outlines`),
        or None where the store leaves them to shapely."""
        return None

    def _point_rows(self, name: str, extra: list[str], params, where: str, where_params: tuple,
                    parse: Callable[[str], Sequence] = json.loads) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """fids, x, y (NaN without geometry) of a point layer ordered by fid, with the values of each ``extra``
        SQL expression (one list per expression, in the same order; their placeholders bound to ``params``), of
        the rows the ``where`` condition (if any; its placeholders bound to ``where_params``) holds for. The store
        hands each expression's values as one JSON array, which ``parse`` reads."""
        raise NotImplementedError

    def _extent(self, name: str, after_fid: int | None):
        """[minx, miny, maxx, maxy] (NaN or None when there is no geometry)."""
        raise NotImplementedError

    def _new_fids(self, conn, name: str, count: int) -> list[int]:
        """``count`` fresh keys for new rows of ``name``."""
        raise NotImplementedError

    def _insert_rows(self, conn, name: str, columns: list[str], rows: Iterable[tuple], *, explicit_keys: bool) -> None:
        """Insert ``rows`` (key first); ``explicit_keys`` when the keys were given by the caller, not :meth:`_new_fids`."""
        raise NotImplementedError

    def _extend_extent(self, conn, name: str, geoms) -> None:
        """Note that ``geoms`` were written to ``name`` (a GeoPackage grows its recorded extent)."""

    def _indexes_deferred(self, conn, name: str):
        """A context manager around a bulk insert into ``name`` (see :meth:`Edit.indexes_deferred`)."""
        return contextlib.nullcontext()


def store_for(target) -> type[Project]:
    """The Project subclass for ``target``: PostGIS for a ``postgresql://`` URL, else GeoPackage."""
    from data.stores.database_url import is_database_url

    if is_database_url(target):
        from data.stores.postgis_store import PostgisProject

        return PostgisProject
    from data.stores.gpkg_store import GeoPackageProject

    return GeoPackageProject


def index_name(spec: LayerSpec, column: str | tuple[str, ...]) -> str:
    """The name of the SQL index on ``column`` (or on several columns, in order) of a layer."""
    return f"idx_{spec.name}_{column if isinstance(column, str) else '_'.join(column)}"


def one_of(column: str, values: list) -> str:
    """An SQL condition holding where ``column`` is one of ``values`` (bound to its ``?`` placeholders, in order);
    never with no values."""
    return f"{quote(column)} IN ({', '.join('?' * len(values))})" if values else "0 = 1"


def coded(column: str, values: list) -> tuple[str, list]:
    """An SQL expression (and its parameters) giving each row the index of its ``column`` value in ``values``, 255
    for any other value (NULL included): what :meth:`Project.read_point_codes` reads."""
    if not values:
        return "255", []
    return (f"CASE {quote(column)} " + " ".join(f"WHEN ? THEN {i}" for i in range(len(values))) + " ELSE 255 END",
            list(values))


def _small_numbers(text: str) -> np.ndarray:
    """A JSON array of whole numbers 0-255 without null (a coded column, :func:`coded`) read by numpy: a million
    codes in a few milliseconds instead of a million Python ints."""
    return np.fromstring(text.strip("[]"), dtype=np.uint8, sep=",")


def _point_spec(name: str) -> LayerSpec:
    spec = layer_spec(name)
    if spec.geometry != "POINT":
        raise ValueError(f"{name} is not a point layer")
    return spec


class WriteSkipped(Exception):
    """A :meth:`Project.try_write` that did not happen: read-only, not allowed, failed, or (``busy``) another
    writer holds the project."""

    def __init__(self, reason: str, *, busy: bool = False):
        super().__init__(reason)
        self.busy = busy


class ConflictError(UserError):
    """An update or delete refused because someone changed (or deleted) the feature after the user read it:
    names the feature, who and when (the newest audit row for it). Nothing of the transaction is stored."""

    def __init__(self, layer: str, fid: int, title: str, user: str | None, at: str | None, deleted: bool):
        self.layer, self.fid, self.user, self.at = layer, int(fid), user, at
        spec = layer_spec(layer)
        who, when = user or "其他用户", _short_time(at)
        zh_did, en_did = ("删除", "deleted") if deleted else ("修改", "changed")
        super().__init__(f"{spec.zh} {title} 已被 {who} 于 {when} {zh_did}，你的修改未保存，已刷新。",
                         f"{spec.en.capitalize()} {title} was {en_did} by {user or 'another user'} at {when}; "
                         "your change was not saved and the view has been refreshed.")


class Edit:
    """Writes inside one :meth:`Project.transaction`. Each feature change is logged with its
    before/after values in ``audit_log``; ``changed`` names the layers written and ``recorder`` collects the
    row changes for the transaction's :class:`~data.changes.Changeset`.

    ``expected_version`` (``expected_versions``) is the version of the row the user started from (see
    :meth:`Project.versions`): if the row has another one now, the change is refused with a
    :class:`ConflictError` and the transaction rolls back."""

    def __init__(self, project: Project, conn):
        self.project = project
        self.conn = conn
        self.changed: set[str] = set()
        self.recorder = ChangeRecorder()

    def insert(self, name: str, frame: pd.DataFrame, *, action: str = "create", log_each: bool = True,
               fids: list[int] | None = None) -> list[int]:
        """Insert rows (a GeoDataFrame in EPSG:4490 for spatial layers); returns the new fids.

        Columns named like contract fields are stored, others ignored; missing fields are NULL.
        With ``log_each`` every new feature gets an audit row and a change with its state; bulk imports log one
        summary row instead and make one compact change (the fid span).
        ``fids`` puts rows back under the ids they had (undoing a delete, copying a project).
        """
        spec = layer_spec(name)
        if frame.empty:
            return []
        fields = [f for f in spec.fields if f.name in frame.columns]
        columns = [f.name for f in fields]
        values = [_column_values(frame[f.name], f.kind) for f in fields]
        if spec.geometry:
            geoms = _storage_geometries(frame, spec)
            columns.insert(0, GEOMETRY_COLUMN)
            values.insert(0, self.project._encode_geometries(geoms))
        explicit = fids is not None
        fids = [int(f) for f in fids] if explicit else self.project._new_fids(self.conn, name, len(frame))
        columns.insert(0, spec.primary_key)
        values.insert(0, fids)
        self.project._insert_rows(self.conn, name, columns, zip(*values, strict=True), explicit_keys=explicit)
        if spec.geometry:
            self.project._extend_extent(self.conn, name, geoms)
        if log_each:
            states = _row_states(self.project, self.conn, spec, fids)
            for fid in fids:
                self.log(action, name, fid, after=_audited(spec, states.get(fid)))
                self.recorder.add(Change(name, fid, INSERTED, after=states.get(fid)))
        else:
            self.recorder.add_bulk(name, fids)
        self.changed.add(name)
        return fids

    def update(self, name: str, fid: int, values: dict | None = None, geometry=None, *, action: str = "modify",
               expected_version: int | None = None) -> None:
        """Change attributes and/or the geometry of one feature (logged with before and after); its version
        goes up by one. Refused (:class:`ConflictError`) if it is no longer at ``expected_version``."""
        spec = layer_spec(name)
        self._check_version(spec, fid, expected_version)
        before = self._state(spec, fid)
        if before is None:
            raise UserError(f"图层“{name}”中没有要素 {fid}。", f"Layer '{name}' has no feature {fid}.")
        assignments, params = [], []
        if versioned(spec):
            assignments.append(f"{VERSION_COLUMN} = {VERSION_COLUMN} + 1")
        for key, value in (values or {}).items():
            field = spec.field(key)
            assignments.append(f"{quote(key)} = ?")
            params.append(_column_values(pd.Series([value]), field.kind)[0])
        if geometry is not None:
            geometry = _normalise_geometry(geometry, spec)
            assignments.append(f"{GEOMETRY_COLUMN} = ?")
            params.append(self.project._encode_geometries(np.array([geometry], dtype=object))[0])
            self.project._extend_extent(self.conn, name, [geometry])
        if assignments:
            self.conn.execute(f"UPDATE {quote(name)} SET {', '.join(assignments)} WHERE fid = ?", (*params, int(fid)))
        after = self._state(spec, fid)
        self.log(action, name, fid, before=_audited(spec, before), after=_audited(spec, after))
        self.recorder.add(Change(name, int(fid), UPDATED, before=before, after=after))
        self.changed.add(name)

    def delete(self, name: str, fids: Iterable[int], *, action: str = "delete",
               expected_versions: dict[int, int] | None = None) -> None:
        """Delete features (each logged with what it was). Refused (:class:`ConflictError`) if one listed in
        ``expected_versions`` ({fid: version}) is at another version or already deleted."""
        spec = layer_spec(name)
        expected = {int(f): int(v) for f, v in (expected_versions or {}).items()}
        for fid in fids:
            self._check_version(spec, fid, expected.get(int(fid)))
            before = self._state(spec, fid)
            if before is None:
                continue
            self.conn.execute(f"DELETE FROM {quote(name)} WHERE fid = ?", (int(fid),))
            self.log(action, name, fid, before=_audited(spec, before))
            self.recorder.add(Change(name, int(fid), DELETED, before=before))
        self.changed.add(name)

    def feature(self, name: str, fid: int) -> dict | None:
        """Like :meth:`Project.feature`, and the row stays locked against other writers until this transaction
        ends: read, decide and write one feature without anyone changing it in between."""
        return _feature(self.conn, layer_spec(name), fid, self.project.row_lock)

    def indexes_deferred(self, name: str):
        """A context manager around a bulk insert into layer ``name`` (an import): a store that gains by it (a
        GeoPackage) drops the layer's secondary indexes and builds them again, sorted, when the block ends, instead
        of growing them row by row. Inside, queries on the layer still work (more slowly); an error leaves them to
        the transaction's rollback."""
        return self.project._indexes_deferred(self.conn, name)

    def lock(self, purpose: str) -> None:
        """Make any other transaction taking the same ``purpose`` ("apply_proposal", "codes:grids", …) wait
        until this one ends, so an action that must not run twice at once is serialised. Read what the action
        decides on after this call: another desk's finished run is then visible."""
        self.project._lock_action(self.conn, purpose)

    def set_metadata(self, *, log: bool = True, **values) -> None:
        """Set metadata entries within this transaction (logged unless ``log`` is False: a copied project)."""
        before = self.project.metadata
        for key, value in values.items():
            self.conn.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              (key, json.dumps(value, ensure_ascii=False)))
        if log:
            self.log("metadata", META_TABLE, before={k: before.get(k) for k in values}, after=values)

    def log(self, action: str, layer: str | None = None, fid: int | None = None, *, before=None, after=None) -> None:
        """Write one audit_log row (who, when, what) in this transaction."""
        self.conn.execute(
            'INSERT INTO audit_log ("at", "user", "action", "layer", "fid", "before", "after") VALUES (?,?,?,?,?,?,?)',
            (now_iso(), self.project.user, action, layer, None if fid is None else int(fid), _json_or_none(before),
             _json_or_none(after)),
        )
        self.changed.add("audit_log")

    def _check_version(self, spec: LayerSpec, fid: int, expected: int | None) -> None:
        """Lock the row for this transaction and refuse if it is no longer at version ``expected``."""
        if expected is None or not versioned(spec):
            return
        row = self.conn.execute(f"SELECT {VERSION_COLUMN} FROM {quote(spec.name)} WHERE fid = ?{self.project.row_lock}",
                                (int(fid),)).fetchone()
        if row is not None and row[0] == int(expected):
            return
        last = self.conn.execute('SELECT "user", "at", "before" FROM audit_log WHERE layer = ? AND fid = ? '
                                 "ORDER BY log_id DESC LIMIT 1", (spec.name, int(fid))).fetchone()
        user, at, before = last if last else (None, None, None)
        values = self._snapshot(spec, fid) or (json.loads(before) if before else {})  # a deleted row: as it was
        raise ConflictError(spec.name, fid, feature_title(values, fid), user, at, deleted=row is None)

    def _snapshot(self, spec: LayerSpec, fid: int) -> dict | None:
        """A feature's values as the audit log records them (its geometry as WKT for zones)."""
        return _audited(spec, self._state(spec, fid))

    def _state(self, spec: LayerSpec, fid: int) -> dict | None:
        """A feature as changesets carry it (every field, ``geometry``, ``version``); None if there is none."""
        return _row_states(self.project, self.conn, spec, [fid]).get(int(fid))


def _row_states(project: Project, conn, spec: LayerSpec, fids: Iterable[int]) -> dict[int, dict]:
    """{fid: every field, ``geometry`` (shapely) and ``version``} of the rows ``fids`` that exist."""
    names = spec.field_names + ([VERSION_COLUMN] if versioned(spec) else [])
    selected = [quote(c) for c in names] + ([project.geometry_select] if spec.geometry else [])
    fids, states = [int(f) for f in fids], {}
    for start in range(0, len(fids), 500):
        chunk = fids[start:start + 500]
        rows = conn.execute(f"SELECT {spec.primary_key}, {', '.join(selected)} FROM {quote(spec.name)} "
                            f"WHERE {spec.primary_key} IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
        geoms = project._decode_geometries([row[-1] for row in rows]) if spec.geometry and rows else []
        for position, row in enumerate(rows):
            state = dict(zip(names, row[1:1 + len(names)], strict=True))
            if spec.geometry:
                state["geometry"] = geoms[position]
            states[int(row[0])] = state
    return states


def _audited(spec: LayerSpec, state: dict | None) -> dict | None:
    """A row state as the audit log records it: the fields, and the geometry as WKT for zones."""
    if state is None:
        return None
    snapshot = {name: state[name] for name in spec.field_names}
    if spec.name in AUDITED_GEOMETRY:
        geom = state.get("geometry")
        snapshot["geometry"] = None if geom is None else shapely.to_wkt(geom, rounding_precision=7)
    return snapshot


def _feature(conn, spec: LayerSpec, fid: int, row_lock: str) -> dict | None:
    columns = spec.field_names + ([VERSION_COLUMN] if versioned(spec) else [])
    row = conn.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(spec.name)} WHERE "
                       f"{spec.primary_key} = ?{row_lock}", (int(fid),)).fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def feature_title(values: dict, fid: int) -> str:
    """How messages name a feature: its name (case number, person number, …), else its number."""
    for key in TITLE_FIELDS:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return f"（编号 {int(fid)}）"


def _short_time(at: str | None) -> str:
    """An audit time as a person says it: 10:42 today, else 11-27 10:42 (the full date another year)."""
    if not at:
        return "?"
    try:
        when = dt.datetime.fromisoformat(str(at))
    except ValueError:
        return str(at)
    today = dt.date.today()
    if when.date() == today:
        return when.strftime("%H:%M")
    return when.strftime("%m-%d %H:%M" if when.year == today.year else "%Y-%m-%d %H:%M")


def _storage_geometries(frame: pd.DataFrame, spec: LayerSpec) -> np.ndarray:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValueError(f"layer {spec.name} needs a GeoDataFrame")
    if frame.crs is None or frame.crs.to_epsg() != STORAGE_EPSG:
        raise ValueError(f"geometries for {spec.name} must be in EPSG:{STORAGE_EPSG}, got {frame.crs}")
    geoms = np.array(frame.geometry.values, dtype=object)  # checked and converted all at once, as _normalise_geometry
    kinds = shapely.get_type_id(geoms)
    if spec.geometry == "MULTIPOLYGON":
        polygons = kinds == shapely.GeometryType.POLYGON
        geoms[polygons] = shapely.multipolygons(geoms[polygons][:, np.newaxis])
        kinds[polygons] = shapely.GeometryType.MULTIPOLYGON
    expected = {"MULTIPOLYGON": shapely.GeometryType.MULTIPOLYGON, "POINT": shapely.GeometryType.POINT}[spec.geometry]
    wrong = np.flatnonzero((kinds >= 0) & (kinds != expected))
    if len(wrong):
        _normalise_geometry(geoms[wrong[0]], spec)  # raises, naming the kind
    return geoms


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


_TEXT_TYPES = {str, type(None), float}  # a column of text with missing cells (None or NaN)


def _column_values(series: pd.Series, kind: str) -> list:
    """Python values ready for either store: NULL for missing, int/float/str by column kind, ISO text for times."""
    values = series.to_numpy(dtype=object)
    if kind not in ("INTEGER", "REAL") and set(map(type, values)) <= _TEXT_TYPES:  # text: all at once
        values = np.where(pd.isna(values), None, values)
        if set(map(type, values)) <= {str, type(None)}:
            return values.tolist()
    if kind == "INTEGER" and isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu":  # no missing cells
        return series.tolist()
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
