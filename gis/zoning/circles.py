"""Control circles (大小管控圈): a small and a large circle around cases or a clicked point.

No official radius exists for control circles; the defaults below are this program's choice, meant to be
changed in the settings. Circles are drawn in the local Gauss-Krüger zone (metres, never degrees) and
circles of the same size that overlap merge into one area.

>>> circles = control_circles([(112.6, 35.1), (112.605, 35.1)])
>>> len(circles.small.geoms), len(circles.large.geoms)  # 450 m apart: both pairs overlap and merge
(1, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import STORAGE_CRS, metric_crs_for
from gis.errors import UserError
from gis.zoning.schemes import TierScheme
from gis.zoning.shapes import CIRCLE_SEGMENTS

SMALL_CIRCLE_RADIUS_M = 500.0
"""Default radius of the small control circle (小管控圈), metres. Not an official figure: a setting."""
LARGE_CIRCLE_RADIUS_M = 1000.0
"""Default radius of the large control circle (大管控圈), metres. Not an official figure: a setting."""


@dataclass(frozen=True)
class ControlCircles:
    """The merged small and large circles (MultiPolygons in the storage CRS); the large holds the small."""

    small: shapely.MultiPolygon
    large: shapely.MultiPolygon
    small_radius_m: float
    large_radius_m: float


def check_radii(small_m: float, large_m: float) -> None:
    """Raise UserError unless 0 < ``small_m`` < ``large_m`` (finite metres)."""
    if not (math.isfinite(small_m) and math.isfinite(large_m) and 0 < small_m < large_m):
        raise UserError(f"管控圈半径须满足 0 < 小圈（{small_m:g} 米）< 大圈（{large_m:g} 米）。",
                        f"Circle radii must satisfy 0 < small ({small_m:g} m) < large ({large_m:g} m).")


def circle_tiers(scheme: TierScheme) -> tuple[str, str]:
    """The tiers of the small and the large circle: the scheme's second and third tier (the lowest tier when the
    scheme has fewer), in proposals as in circles drawn by hand."""
    keys = scheme.keys
    return keys[min(1, len(keys) - 1)], keys[min(2, len(keys) - 1)]


def control_circles(points, *, small_m: float = SMALL_CIRCLE_RADIUS_M,
                    large_m: float = LARGE_CIRCLE_RADIUS_M) -> ControlCircles:
    """Small and large circles around ``points``: a GeoSeries of points, or (lon, lat) pairs in the storage CRS.

    Raises UserError unless 0 < ``small_m`` < ``large_m``.
    """
    check_radii(small_m, large_m)
    return ControlCircles(merged_circles(points, small_m), merged_circles(points, large_m), small_m, large_m)


def merged_circles(points, radius_m: float) -> shapely.MultiPolygon:
    """Circles of ``radius_m`` metres around ``points``, overlapping ones merged, in the storage CRS."""
    storage = _storage_points(points)
    if storage.empty:
        return shapely.MultiPolygon()
    metric = storage.to_crs(metric_crs_for(storage))
    discs = shapely.buffer(metric.values, radius_m, quad_segs=CIRCLE_SEGMENTS // 4)
    merged = gpd.GeoSeries([shapely.union_all(discs)], crs=metric.crs).to_crs(STORAGE_CRS).iloc[0]
    return shapely.MultiPolygon(list(shapely.get_parts(merged)))


def _storage_points(points) -> gpd.GeoSeries:
    if isinstance(points, gpd.GeoSeries):
        if points.crs is None:
            raise ValueError("points need a CRS")
        return points.to_crs(STORAGE_CRS)
    xy = np.asarray(list(points), dtype="float64").reshape(-1, 2)
    return gpd.GeoSeries(shapely.points(xy), crs=STORAGE_CRS)
