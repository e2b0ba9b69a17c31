"""Readable zone names, suggested when a zone is made: what staff would call it in a meeting.

A unit zone is named after its units, a drawn zone after the units it covers, a circle after the village its
centre lies in and its radius; a name already in use gets a number.

>>> units_name(["张庄村"])
'张庄村'
>>> units_name(["张庄村", "李庄村"])
'张庄村、李庄村'
>>> units_name(["昆阳街道", "任店村", "廉村"])
'昆阳街道等3个村（社区）'
>>> units_name(["东关一网格", "东关二网格", "西关网格"], noun=GRID_NOUN)
'东关一网格等3个网格'
>>> circle_name("张庄村", 500.0)
'张庄村周边500米管控圈'
>>> circle_name("张庄村", 499.6, places=3)
'张庄村等3处周边500米管控圈'
>>> circle_name(None, 1000)
'1000米管控圈'
>>> unique_name("张庄村", ["张庄村", "张庄村（2）"])
'张庄村（3）'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import shapely

from gis.glossary import ZoneKind
from gis.zoning.snapping import covered_units

LISTED_NAMES = 2
"""Up to this many unit names are listed in full; more are named after the first and counted."""
UNIT_NOUN = "村（社区）"
GRID_NOUN = "网格"


def units_name(names: Sequence[str], *, noun: str = UNIT_NOUN) -> str:
    """Name of a zone made of the units ``names`` (the most important first): listed, or counted when many."""
    names = [str(n) for n in dict.fromkeys(names) if str(n).strip()]
    if not names:
        return ""
    if len(names) <= LISTED_NAMES:
        return "、".join(names)
    return f"{names[0]}等{len(names)}个{noun}"


def circle_name(place: str | None, radius_m: float, *, places: int = 1) -> str:
    """Name of a circle of ``radius_m`` metres around a point in ``place`` (``places`` merged circles)."""
    where = f"{place}等{places}处" if place and places > 1 else (place or "")
    return f"{where}周边{round(radius_m)}米{ZoneKind.CIRCLE.zh}" if where else f"{round(radius_m)}米{ZoneKind.CIRCLE.zh}"


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name（2）``, ``name（3）``… if it is already taken."""
    taken = set(taken)
    if name not in taken:
        return name
    number = 2
    while f"{name}（{number}）" in taken:
        number += 1
    return f"{name}（{number}）"


def suggest_name(geometry, *, kind: str, units: gpd.GeoDataFrame, radius_m: float | None = None,
                 unit_names: Sequence[str] = (), noun: str = UNIT_NOUN) -> str:
    """A readable name for a new zone (storage CRS).

    ``units`` are the control units (name, population, geometry) to name places after; ``unit_names`` the
    names of a unit zone's own units, most important first. A circle is named after the unit holding its
    centre; a drawn zone after the units whose centre it covers (else "X（部分）" after the unit it lies
    mostly in); with no unit to go by, after its kind and where it is.
    """
    if kind == ZoneKind.UNIT and unit_names:
        return units_name(unit_names, noun=noun)
    if kind == ZoneKind.CIRCLE and radius_m:
        parts = shapely.get_parts(geometry)
        first = parts[0] if len(parts) else geometry
        centre = shapely.centroid(first)
        place = _place_of(centre, units) or _place_of(first, units)
        if place is None:
            return f"{circle_name(None, radius_m)}（{centre.x:.4f}°E {centre.y:.4f}°N）"
        return circle_name(place, radius_m, places=len(parts))
    covered = _by_importance(covered_units(geometry, units)) if len(units) else units
    if len(covered):
        return units_name(covered["name"].tolist(), noun=noun)
    place = _place_of(geometry, units)
    if place:
        return f"{place}（部分）"
    point = shapely.centroid(geometry)
    return f"{ZoneKind(kind).zh}（{point.x:.4f}°E {point.y:.4f}°N）"


def _by_importance(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Named units, the most populous first (then in their order)."""
    named = units[units["name"].notna() & (units["name"].astype(str).str.strip() != "")]
    if "population" not in named.columns:
        return named
    return named.assign(_p=named["population"].fillna(0)).sort_values("_p", ascending=False, kind="stable")


def _place_of(geometry, units: gpd.GeoDataFrame) -> str | None:
    """The name of the unit holding ``geometry`` (a point), or overlapping it most; None if none does."""
    if not len(units):
        return None
    named = _by_importance(units)
    hits = named.iloc[named.sindex.query(geometry, predicate="intersects")] if len(named) else named
    if not len(hits):
        return None
    if len(hits) > 1 and geometry.geom_type != "Point":
        shares = shapely.area(shapely.intersection(hits.geometry.values, geometry))
        return str(hits["name"].iloc[int(shares.argmax())])
    return str(hits["name"].iloc[0])
