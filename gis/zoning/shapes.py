"""Zone geometries built in a local metric CRS and returned in storage coordinates (EPSG:4490).

>>> import shapely
>>> circle = circle_polygon(112.6, 35.1, 500)
>>> round(circle_radius_m(circle))
500
"""

from __future__ import annotations

import math

import geopandas as gpd
import shapely

from gis.crs import STORAGE_CRS, metric_crs_for

CIRCLE_SEGMENTS = 128
"""Vertices of a circle's polygon; its area differs from pi*r^2 by less than 0.05%."""


def circle_polygon(lon: float, lat: float, radius_m: float):
    """A circle of ``radius_m`` metres around (lon, lat), drawn in the local Gauss-Krüger zone."""
    if not radius_m > 0:
        raise ValueError("radius must be positive")
    metric = metric_crs_for(lon)
    centre = gpd.GeoSeries([shapely.Point(lon, lat)], crs=STORAGE_CRS).to_crs(metric)
    return centre.buffer(radius_m, quad_segs=CIRCLE_SEGMENTS // 4).to_crs(STORAGE_CRS).iloc[0]


def circle_radius_m(polygon) -> float:
    """The radius of the circle with the same area as ``polygon`` (metres)."""
    return math.sqrt(area_m2(polygon) / math.pi)


def area_m2(geometry) -> float:
    """Area of a storage-CRS geometry in square metres (local Gauss-Krüger zone)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(gpd.GeoSeries([geometry], crs=STORAGE_CRS).to_crs(metric_crs_for(geometry)).area.iloc[0])


def unit_outline(geometries):
    """One clean (Multi)Polygon covering the given unit polygons: a unit zone follows their boundaries."""
    merged = shapely.union_all(shapely.make_valid(list(geometries)))
    parts = [g for g in shapely.get_parts(merged) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts)
