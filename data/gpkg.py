"""Minimal GeoPackage (OGC 12-128r18) writing and reading over sqlite3.

Cordon writes its project file itself so that every change is one SQLite transaction: GDAL writes
whole layers at a time and cannot join an edit to its audit-log row. What is written here is a plain,
valid GeoPackage that QGIS, ArcGIS and GDAL open as is (the tests read it back with pyogrio).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from pyproj import CRS

_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10400  # GeoPackage 1.4.0
_FLAG_LITTLE_ENDIAN = 0x01
_FLAG_ENVELOPE_XY = 0x02
_FLAG_EMPTY = 0x10

_CORE_TABLES = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
"""

GEOMETRY_COLUMN = "geom"


def quote(identifier: str) -> str:
    """Quote an SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def initialise(conn: sqlite3.Connection, srs_ids: Iterable[int]) -> None:
    """Turn an empty SQLite database into a GeoPackage knowing the given EPSG codes."""
    conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {_USER_VERSION}")
    conn.executescript(_CORE_TABLES)
    for epsg in srs_ids:
        crs = CRS.from_epsg(epsg)
        conn.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, ?)",
            (crs.name, epsg, epsg, crs.to_wkt("WKT1_GDAL"), crs.name),
        )


def create_table(
    conn: sqlite3.Connection,
    name: str,
    columns: Sequence[tuple[str, str]],
    *,
    geometry_type: str | None,
    srs_id: int,
    description: str = "",
    primary_key: str = "fid",
) -> None:
    """Create a feature table (``geometry_type`` given) or an attribute table and register it."""
    defs = [f"{quote(primary_key)} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"]
    if geometry_type:
        defs.append(f"{GEOMETRY_COLUMN} {geometry_type}")
    defs += [f"{quote(col)} {kind}" for col, kind in columns]
    conn.execute(f"CREATE TABLE {quote(name)} ({', '.join(defs)})")
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, ?)",
        (name, "features" if geometry_type else "attributes", name, description, srs_id if geometry_type else None),
    )
    if geometry_type:
        conn.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)", (name, GEOMETRY_COLUMN, geometry_type, srs_id)
        )


def add_column(conn: sqlite3.Connection, table: str, column: str, kind: str) -> None:
    """Add a column to an existing table (schema migrations)."""
    conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(column)} {kind}")


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The column names of ``table`` in order."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info({quote(table)})")]


def encode_geometries(geoms: Sequence, srs_id: int) -> list[bytes | None]:
    """Shapely geometries -> GeoPackage geometry blobs (None stays None)."""
    geoms = np.asarray(geoms, dtype=object)
    wkbs = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    points = shapely.get_type_id(geoms) == 0
    out: list[bytes | None] = []
    for wkb, box, is_empty, is_point in zip(wkbs, bounds, empty, points, strict=True):
        if wkb is None:
            out.append(None)
        elif is_empty:
            out.append(struct.pack("<2sBBi", b"GP", 0, _FLAG_LITTLE_ENDIAN | _FLAG_EMPTY, srs_id) + wkb)
        elif is_point:
            out.append(struct.pack("<2sBBi", b"GP", 0, _FLAG_LITTLE_ENDIAN, srs_id) + wkb)
        else:
            flags = _FLAG_LITTLE_ENDIAN | _FLAG_ENVELOPE_XY
            header = struct.pack("<2sBBi4d", b"GP", 0, flags, srs_id, box[0], box[2], box[1], box[3])
            out.append(header + wkb)
    return out


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def decode_geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """GeoPackage geometry blobs -> array of shapely geometries (None for NULL)."""
    wkbs = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
            continue
        flags = blob[3]
        start = 8 + _ENVELOPE_BYTES[(flags >> 1) & 0x07]
        wkbs.append(blob[start:])
    return shapely.from_wkb(np.asarray(wkbs, dtype=object))


def extend_extent(conn: sqlite3.Connection, table: str, geoms: Sequence) -> None:
    """Grow the layer's extent in gpkg_contents to cover ``geoms`` and stamp its last change."""
    box = shapely.total_bounds(np.asarray(geoms, dtype=object)) if len(geoms) else [np.nan] * 4
    if np.isnan(box).any():
        conn.execute("UPDATE gpkg_contents SET last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
                     (table,))
        return
    conn.execute(
        "UPDATE gpkg_contents SET min_x=min(coalesce(min_x, :a), :a), min_y=min(coalesce(min_y, :b), :b), "
        "max_x=max(coalesce(max_x, :c), :c), max_y=max(coalesce(max_y, :d), :d), "
        "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=:t",
        {"a": float(box[0]), "b": float(box[1]), "c": float(box[2]), "d": float(box[3]), "t": table},
    )


_POINT_BLOB = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"),
                        ("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def point_coordinates(blobs: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays of point blobs without an envelope (how this module writes points), decoded in one
    vectorised pass; NULL or other blobs come back as NaN via the general decoder."""
    size = _POINT_BLOB.itemsize
    regular = np.fromiter((b is not None and len(b) == size for b in blobs), dtype=bool, count=len(blobs))
    x = np.full(len(blobs), np.nan)
    y = np.full(len(blobs), np.nan)
    if regular.any():
        packed = np.frombuffer(b"".join(b for b, ok in zip(blobs, regular, strict=True) if ok), dtype=_POINT_BLOB)
        little = (packed["flags"] == _FLAG_LITTLE_ENDIAN) & (packed["order"] == 1) & (packed["type"] == 1)
        x[np.flatnonzero(regular)[little]] = packed["x"][little]
        y[np.flatnonzero(regular)[little]] = packed["y"][little]
    others = np.flatnonzero(np.isnan(x))
    if len(others):
        geoms = decode_geometries([blobs[i] for i in others])
        ok = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        if ok.any():
            x[others[ok]] = shapely.get_x(geoms[ok])
            y[others[ok]] = shapely.get_y(geoms[ok])
    return x, y
