"""The effective tier surface: where zones overlap the highest tier wins, so every place is in one tier.

>>> import geopandas as gpd, shapely
>>> from gis.zoning.schemes import PRESETS
>>> zones = gpd.GeoDataFrame({"tier": ["precaution", "sealed"]},
...                          geometry=[shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)], crs=4490)
>>> surface = effective_tiers(zones, PRESETS["2022_9th"])
>>> list(surface["tier"])
['sealed', 'precaution']
>>> [g.contains(shapely.Point(1.5, 1.5)) for g in surface.geometry]  # the overlap is sealed only
[True, False]
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from gis.errors import UserError
from gis.zoning.schemes import TierScheme
from gis.zoning.shapes import unit_outline


def effective_tiers(zones: gpd.GeoDataFrame, scheme: TierScheme) -> gpd.GeoDataFrame:
    """One disjoint (Multi)Polygon per tier present in ``zones`` (a ``tier`` column), top tier first.

    Returns a GeoDataFrame with columns tier, tier_label, tier_en, colour and geometry, in the zones' CRS.
    Raises UserError if a zone's tier is not in ``scheme``.
    """
    unknown = sorted(set(zones["tier"]) - set(scheme.keys))
    if unknown:
        raise UserError(f"有管控区域的等级“{'、'.join(unknown)}”不在分级方案“{scheme.zh}”中，请先修改这些区域的等级。",
                        f"Some zones have tiers not in the scheme '{scheme.en}': {', '.join(unknown)}. "
                        "Change their tier first.")
    tiers = zones["tier"].to_numpy()
    rows, higher = [], None
    for rule in scheme.tiers:
        selected = zones.geometry.values[tiers == rule.key]
        if not len(selected):
            continue
        area = unit_outline(selected)
        own = area if higher is None else unit_outline([shapely.difference(area, higher)])
        higher = area if higher is None else shapely.union(higher, area)
        if not own.is_empty:
            rows.append({"tier": rule.key, "tier_label": rule.zh, "tier_en": rule.en, "colour": rule.colour,
                         "geometry": own})
    columns = ["tier", "tier_label", "tier_en", "colour", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=zones.crs)
