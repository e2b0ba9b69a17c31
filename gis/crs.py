"""Coordinate reference systems: parsing what users type, China's Gauss-Krüger zones,
metric CRSs for measuring, and conversion into the project's storage CRS.

The project stores every geometry in CGCS2000 geographic coordinates (EPSG:4490), with x = longitude
and y = latitude. GCJ-02 and BD-09 are handled as named pseudo-CRSs (``"gcj02"``, ``"bd09"``): their
coordinates are first undone to WGS84 with :mod:`gis.offsets`.

>>> gauss_kruger_epsg(112.6)            # 3-degree zone, central meridian 114E, no zone prefix
4547
>>> gauss_kruger_epsg(112.6, prefix=True)
4526
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer

from gis import offsets
from gis.errors import UserError

STORAGE_EPSG = 4490
STORAGE_CRS = CRS.from_epsg(STORAGE_EPSG)
WGS84 = CRS.from_epsg(4326)

_NAMES = {
    "wgs84": 4326, "wgs-84": 4326, "4326": 4326,
    "cgcs2000": 4490, "cgcs-2000": 4490, "china2000": 4490, "4490": 4490,
    "xian80": 4610, "xian1980": 4610, "xi'an1980": 4610,
    "beijing54": 4214, "beijing1954": 4214,
}
OFFSET_DATUMS = ("gcj02", "bd09")


@dataclass(frozen=True)
class SourceCRS:
    """Where coordinates come from: a real CRS, possibly with a Chinese offset applied on top."""

    crs: CRS
    offset: str | None = None  # "gcj02" or "bd09": coordinates are WGS84 obfuscated this way

    def describe(self) -> str:
        return self.offset.upper() if self.offset else (self.crs.to_string() or self.crs.name)


def parse_crs(text: str) -> SourceCRS:
    """Read a CRS as users give it: ``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000``, ``EPSG:4547``, ``4547``,
    ``xian1980``, ``beijing1954``, a PROJ string or WKT.

    >>> parse_crs("gcj02").offset
    'gcj02'
    >>> parse_crs("EPSG:4547").crs.to_epsg()
    4547
    """
    key = re.sub(r"[\s_]", "", str(text).strip().lower())
    if key in ("gcj02", "gcj-02", "amap", "gaode", "高德", "火星"):
        return SourceCRS(WGS84, "gcj02")
    if key in ("bd09", "bd-09", "baidu", "百度"):
        return SourceCRS(WGS84, "bd09")
    if key in _NAMES:
        return SourceCRS(CRS.from_epsg(_NAMES[key]))
    try:
        return SourceCRS(CRS.from_user_input(int(key) if key.isdigit() else text))
    except Exception as exc:  # pyproj raises CRSError and others for bad input
        raise UserError(
            f"无法识别坐标系“{text}”。可用：wgs84、gcj02、bd09、cgcs2000 或 EPSG:编号（如 EPSG:4547）。",
            f"Unknown coordinate system '{text}'. Use wgs84, gcj02, bd09, cgcs2000 or EPSG:n (e.g. EPSG:4547).",
        ) from exc


def gauss_kruger_epsg(lon: float, *, zone_width: int = 3, prefix: bool = False) -> int:
    """EPSG code of the CGCS2000 Gauss-Krüger zone containing longitude ``lon``.

    3-degree zones: 25-45 (central meridians 75E-135E), EPSG:4513-4533 with the zone number
    prefixed to x, EPSG:4534-4554 without. 6-degree zones: 13-23, EPSG:4491-4501 with prefix,
    EPSG:4502-4512 without.
    """
    if zone_width == 3:
        zone = int(np.clip(np.floor(lon / 3.0 + 0.5), 25, 45))
        return (4513 if prefix else 4534) + zone - 25
    if zone_width == 6:
        zone = int(np.clip(np.floor(lon / 6.0) + 1, 13, 23))
        return (4491 if prefix else 4502) + zone - 13
    raise ValueError("zone_width must be 3 or 6")


def gauss_kruger_zone_from_x(x: float) -> int | None:
    """Zone number prefixed to a Gauss-Krüger easting (e.g. 38 for 38 512 345.6), or None."""
    if 13_000_000 <= x < 46_000_000:
        zone = int(x // 1_000_000)
        return zone if 13 <= zone <= 23 or 25 <= zone <= 45 else None
    return None


def metric_crs_for(geometry_or_lon) -> CRS:
    """A metric CRS for measuring near a place: the local 3-degree CGCS2000 Gauss-Krüger zone.

    Accepts a longitude or a shapely geometry/GeoSeries in storage (or WGS84) coordinates.
    """
    if isinstance(geometry_or_lon, (int, float, np.floating)):
        lon = float(geometry_or_lon)
    else:
        bounds = getattr(geometry_or_lon, "total_bounds", None)
        if bounds is None:
            bounds = shapely.bounds(geometry_or_lon)
        lon = (bounds[0] + bounds[2]) / 2.0
    return CRS.from_epsg(gauss_kruger_epsg(lon))


def to_storage_xy(x, y, source: SourceCRS) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinate arrays from ``source`` into the storage CRS (lon, lat in EPSG:4490)."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if source.offset:
        x, y = offsets.TO_WGS84[source.offset](x, y)
    return _transformer(source.crs, STORAGE_CRS).transform(x, y)


def from_storage_xy(lon, lat, target: SourceCRS) -> tuple[np.ndarray, np.ndarray]:
    """Convert storage coordinates into ``target`` (applying a GCJ-02/BD-09 offset if it has one)."""
    x, y = _transformer(STORAGE_CRS, target.crs).transform(np.asarray(lon, "float64"), np.asarray(lat, "float64"))
    if target.offset:
        x, y = offsets.FROM_WGS84[target.offset](x, y)
    return np.asarray(x), np.asarray(y)


def geometries_to_storage(geoms, source: SourceCRS):
    """Convert a shapely geometry array from ``source`` into the storage CRS."""
    return shapely.transform(geoms, lambda xy: np.column_stack(to_storage_xy(xy[:, 0], xy[:, 1], source)))


def geometries_from_storage(geoms, target: SourceCRS):
    """Convert a shapely geometry array from the storage CRS into ``target``."""
    return shapely.transform(geoms, lambda xy: np.column_stack(from_storage_xy(xy[:, 0], xy[:, 1], target)))


_TRANSFORMERS: dict[tuple[str, str], Transformer] = {}


def _transformer(src: CRS, dst: CRS) -> Transformer:
    key = (src.to_wkt(), dst.to_wkt())
    if key not in _TRANSFORMERS:
        _TRANSFORMERS[key] = Transformer.from_crs(src, dst, always_xy=True)
    return _TRANSFORMERS[key]
