"""Snapping a circle or drawn polygon to control units (villages, communities or grids).

A zone drawn freehand cuts through blocks and fields; a unit zone follows the boundaries of whole units,
so everyone knows which side of the line they live on. The user picks the rule: a unit belongs to the
zone if its representative point is inside (``centroid``), or if at least ``threshold`` of its area is
covered (``share``, measured in the local Gauss-Krüger zone).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import STORAGE_CRS, metric_crs_for
from gis.errors import UserError
from gis.glossary import SnapRule
from gis.zoning.shapes import unit_outline

DEFAULT_SHARE_THRESHOLD = 0.5
"""Default covered share for the ``share`` rule: a unit at least half covered joins the zone."""




@dataclass(frozen=True)
class SnappedZone:
    """The units a zone covers (rows of the units frame given) and the outline following their boundaries."""

    units: gpd.GeoDataFrame
    outline: shapely.MultiPolygon


def snap_to_units(zone, units: gpd.GeoDataFrame, *, rule: str = SnapRule.CENTROID,
                  threshold: float = DEFAULT_SHARE_THRESHOLD) -> SnappedZone:
    """The units covered by ``zone`` (storage CRS) under ``rule`` and their outline; empty if none."""
    covered = covered_units(zone, units, rule=rule, threshold=threshold)
    return SnappedZone(covered, unit_outline(covered.geometry.values))


def covered_units(zone, units: gpd.GeoDataFrame, *, rule: str = SnapRule.CENTROID,
                  threshold: float = DEFAULT_SHARE_THRESHOLD) -> gpd.GeoDataFrame:
    """The rows of ``units`` that ``zone`` covers under ``rule`` ("centroid" or "share").

    Parameters
    ----------
    zone : a (Multi)Polygon in the storage CRS.
    units : unit polygons in the storage CRS.
    rule : ``centroid``: the unit's representative point is inside; ``share``: at least ``threshold``
        (0 < threshold <= 1) of the unit's area is inside.
    """
    rule = _snap_rule(rule)
    if units.crs is None or not units.crs.equals(STORAGE_CRS):
        raise ValueError(f"units must be in the storage CRS, got {units.crs}")
    if zone is None or zone.is_empty:
        return units.iloc[:0]
    candidates = units.iloc[np.sort(units.sindex.query(zone, predicate="intersects"))]
    if rule is SnapRule.CENTROID:
        inside = shapely.contains(zone, shapely.point_on_surface(candidates.geometry.values))
    else:
        if not 0 < threshold <= 1:
            raise UserError(f"覆盖比例阈值须在 0 到 1 之间（现为 {threshold}）。",
                            f"The covered-share threshold must be between 0 and 1 (got {threshold}).")
        inside = covered_shares(zone, candidates.geometry) >= threshold
    return candidates[inside]


def covered_shares(zone, geometries: gpd.GeoSeries) -> np.ndarray:
    """The share (0-1) of each geometry's area inside ``zone``, measured in metres."""
    metric = metric_crs_for(zone)
    shapes = shapely.make_valid(geometries.to_crs(metric).to_numpy())
    zone_parts = shapely.get_parts(gpd.GeoSeries([zone], crs=geometries.crs).to_crs(metric).iloc[0])
    shape_pos, part_pos = shapely.STRtree(zone_parts).query(shapes, predicate="intersects")
    pieces = shapely.area(shapely.intersection(shapes[shape_pos], zone_parts[part_pos]))  # parts are disjoint
    overlap = np.bincount(shape_pos, weights=pieces, minlength=len(shapes))
    areas = shapely.area(shapes)
    return np.divide(overlap, areas, out=np.zeros_like(areas), where=areas > 0)


def _snap_rule(rule) -> SnapRule:
    try:
        return SnapRule.from_label(rule)
    except ValueError as exc:
        raise UserError(f"未知的单元吸附规则“{rule}”：可用 centroid（中心点）或 share（覆盖比例）。",
                        f"Unknown snapping rule '{rule}': use centroid or share.") from exc
