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
    points = _point_blobs(geoms, srs_id)
    if points is not None:
        return points
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


def _point_blobs(geoms: np.ndarray, srs_id: int) -> list[bytes] | None:
    """The blobs of plain 2-D points with finite coordinates, packed with numpy in one go (the same bytes as
    :func:`encode_geometries` writes one by one); None if any geometry is something else."""
    if not len(geoms) or not (shapely.get_type_id(geoms) == 0).all() or shapely.has_z(geoms).any():
        return None
    xy = shapely.get_coordinates(geoms)
    if len(xy) != len(geoms) or not np.isfinite(xy).all():
        return None
    packed = np.zeros(len(geoms), dtype=_POINT_BLOB)
    packed["magic"], packed["flags"], packed["srs"], packed["order"], packed["type"] = b"GP", _FLAG_LITTLE_ENDIAN, srs_id, 1, 1
    packed["x"], packed["y"] = xy[:, 0], xy[:, 1]
    return packed.view(np.dtype((np.void, _POINT_BLOB.itemsize))).tolist()


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
_ENVELOPE_OFFSETS = np.array([0, 32, 48, 48, 64, -1, -1, -1])  # by the envelope code (flags bits 1-3); -1: invalid
_POINT_TYPES = (1, 1001, 2001, 3001)  # ISO WKB Point, PointZ, PointM, PointZM: x and y follow the type word


def point_coordinates(blobs: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays of GeoPackage point blobs, decoded in one vectorised pass (see
    :func:`packed_point_coordinates`); NULL and empty points come back as NaN."""
    lengths = np.fromiter((0 if b is None else len(b) for b in blobs), dtype=np.int64, count=len(blobs))
    return packed_point_coordinates(b"".join(b for b in blobs if b is not None), lengths)


def packed_point_coordinates(buffer: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays of point blobs stored back to back in ``buffer``, ``lengths`` bytes each (0 for NULL).

    A point blob has a fixed layout once its header is read: ``GP``, version, flags, srs id, an envelope of
    0, 32, 48 or 64 bytes (flags bits 1-3), then WKB: byte order, type, x, y. Both byte orders, Z/M points
    and empty points (flag 0x10, NaN) are read here with numpy; any other blob goes through the general decoder."""
    if len(lengths) and (lengths == _POINT_BLOB.itemsize).all():  # how this module and GDAL write points
        packed = np.frombuffer(buffer, dtype=_POINT_BLOB)
        plain = ((packed["magic"] == b"GP") & (packed["flags"] == _FLAG_LITTLE_ENDIAN) & (packed["order"] == 1)
                 & (packed["type"] == 1))
        x, y = packed["x"].astype(np.float64), packed["y"].astype(np.float64)
        others = np.flatnonzero(~plain)
        if len(others):
            size = _POINT_BLOB.itemsize
            x[others], y[others] = _point_coordinates(b"".join(buffer[i * size:(i + 1) * size] for i in others),
                                                      lengths[others])
        return x, y
    return _point_coordinates(buffer, lengths)


def _point_coordinates(buffer: bytes, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = len(lengths)
    x, y = np.full(count, np.nan), np.full(count, np.nan)
    data = np.frombuffer(buffer, dtype=np.uint8)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    rows = np.flatnonzero(lengths >= 8)
    start = starts[rows]
    flags = data[start + 3].astype(np.int64)
    wkb = start + 8 + _ENVELOPE_OFFSETS[(flags >> 1) & 0x07]
    plain = ((data[start] == ord("G")) & (data[start + 1] == ord("P")) & (wkb >= start + 8)
             & (wkb + 21 <= ends[rows]))
    empty = plain & ((flags & _FLAG_EMPTY) != 0)
    plain &= ~empty
    rows, wkb = rows[plain], wkb[plain]
    little = data[wkb] == 1
    words = data[wkb[:, None] + np.arange(1, 21)]  # type (4 bytes), x and y (8 bytes each)
    kind = np.where(little, words[:, :4].copy().view("<u4")[:, 0], words[:, :4].copy().view(">u4")[:, 0])
    point = np.isin(kind, _POINT_TYPES)
    xy = words[:, 4:].copy()
    swapped = ~little
    xy[swapped] = xy[swapped].reshape(-1, 2, 8)[:, :, ::-1].reshape(-1, 16)  # big-endian doubles
    values = xy.view("<f8")
    x[rows[point]], y[rows[point]] = values[point, 0], values[point, 1]
    others = np.concatenate([rows[~point], np.flatnonzero((lengths > 0) & (lengths < 8)),
                             np.flatnonzero(lengths >= 8)[~(plain | empty)]])
    if len(others):
        geoms = decode_geometries([buffer[starts[i]:ends[i]] for i in others])
        ok = np.array([g is not None and not g.is_empty and g.geom_type == "Point" for g in geoms], dtype=bool)
        if ok.any():
            x[others[ok]] = shapely.get_x(geoms[ok])
            y[others[ok]] = shapely.get_y(geoms[ok])
    return x, y



def polygon_arrays(blobs: Sequence[bytes | None]) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """The coordinates and offsets of GeoPackage Polygon and MultiPolygon blobs, as ``shapely.to_ragged_array``
    gives them for MultiPolygons (``coords`` (n, 2); ring starts in coords, polygon starts in rings, geometry
    starts in polygons; a NULL blob holds no polygon), read with numpy without making a geometry: every geometry is
    walked at once, part by part and ring by ring. None when any blob holds something else (another type, Z or M,
    big-endian WKB) or does not add up: those are for shapely to decode."""
    lengths = np.fromiter((0 if blob is None else len(blob) for blob in blobs), dtype=np.int64, count=len(blobs))
    buffer = b"".join(blob for blob in blobs if blob is not None)
    data = np.frombuffer(buffer, dtype=np.uint8)
    rows = np.flatnonzero(lengths > 0)
    end = np.cumsum(lengths)[rows]
    start = end - lengths[rows]
    if len(rows) and ((lengths[rows] < 17) | (data[start] != ord("G")) | (data[start + 1] != ord("P"))).any():
        return None

    def word(at: np.ndarray) -> np.ndarray:  # the little-endian uint32 at each byte ``at`` (checked within its blob)
        return (data[at].astype(np.int64) | data[at + 1].astype(np.int64) << 8 | data[at + 2].astype(np.int64) << 16
                | data[at + 3].astype(np.int64) << 24)

    wkb = start + 8 + _ENVELOPE_OFFSETS[(data[start + 3].astype(np.int64) >> 1) & 0x07]
    if ((wkb < start + 8) | (wkb + 9 > end)).any() or (data[wkb] != 1).any():
        return None
    kind = word(wkb + 1)
    if not np.isin(kind, (3, 6)).all():  # ISO WKB Polygon, MultiPolygon
        return None
    multi = kind == 6
    parts = np.where(multi, word(np.where(multi, wkb + 5, wkb)), 1)  # polygons in each geometry
    cursor = np.where(multi, wkb + 9, wkb)  # where each geometry's next polygon starts
    polygon_at, polygon_rings, ring_at, ring_points = [], [], [], []
    for k in range(int(parts.max(initial=0))):
        live = parts > k
        at, limit = cursor[live], end[live]
        if (at + 9 > limit).any() or (data[at] != 1).any() or (word(at + 1) != 3).any():
            return None
        rings, ring = word(at + 5), at + 9
        for j in range(int(rings.max(initial=0))):
            more = rings > j
            here = ring[more]
            if (here + 4 > limit[more]).any():
                return None
            points = word(here)
            ring[more] = here + 4 + 16 * points
            if (ring[more] > limit[more]).any():
                return None
            ring_at.append(here + 4)
            ring_points.append(points)
        cursor[live] = ring
        polygon_at.append(at)
        polygon_rings.append(rings)
    if (cursor != end).any():
        return None
    # in the buffer's order (geometry, part, ring), where the walk met them part by part across the geometries
    none = [np.zeros(0, np.int64)]
    ring_at, ring_points, polygon_at, polygon_rings = (np.concatenate(found or none) for found in
                                                       (ring_at, ring_points, polygon_at, polygon_rings))
    order = np.argsort(ring_at)
    ring_start, ring_points = ring_at[order], ring_points[order]
    polygon_rings = polygon_rings[np.argsort(polygon_at)]
    view = memoryview(buffer)
    coords = np.frombuffer(b"".join(view[a:a + 16 * n] for a, n in zip(ring_start.tolist(), ring_points.tolist(),
                                                                        strict=True)), dtype="<f8").reshape(-1, 2)
    per_geometry = np.zeros(len(lengths), dtype=np.int64)
    per_geometry[rows] = parts
    ring_offsets, polygon_offsets, geometry_offsets = (np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
                                                       for counts in (ring_points, polygon_rings, per_geometry))
    return coords, (ring_offsets, polygon_offsets, geometry_offsets)
