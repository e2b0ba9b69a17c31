"""Proposed zones for the infections of the last days: a draft for the command to review, never applied here.

For a scheme with tiers T0 (top) ... Tn (lowest):

- each control unit (village/community, or grid) where a confirmed or asymptomatic case of the last N days
  lives becomes a T0 zone of its own;
- the units covered by the small control circles around those cases (snapped to units) become T1 zones,
  one per connected group;
- the further units covered by the large circles become T2 zones (the lowest tier for a three-tier scheme);
- the rest of the county becomes one zone of the lowest tier.

Rings take the lowest tier when the scheme has too few tiers (a two-tier scheme: T0 and the lowest).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.glossary import INFECTED, CaseCategory, SnapRule, ZoneKind
from gis.zoning.circles import (
    LARGE_CIRCLE_RADIUS_M,
    SMALL_CIRCLE_RADIUS_M,
    check_radii,
    circle_tiers,
    control_circles,
)
from gis.zoning.countdown import as_date
from gis.zoning.schemes import TierScheme
from gis.zoning.shapes import unit_outline
from gis.zoning.snapping import covered_units

DEFAULT_CASE_DAYS = 14
"""Days of cases to propose from when the scheme's top tier has no quiet period to go by."""
PROPOSAL_SNAP_RULE = SnapRule.SHARE
PROPOSAL_SHARE_THRESHOLD = 0.1
"""A circle takes in a unit when it covers a tenth of it. Villages are often several times larger than a
500 m circle, so the centroid rule (or a half share) would seldom take in the neighbour a case lives next to."""


REST_OF_COUNTY = ("县内其余地区", "the rest of the county")
"""The reason given for the lowest-tier zone covering everything not otherwise zoned."""


@dataclass(frozen=True)
class ProposedZone:
    """One zone of a proposal; ``unit_codes`` are the codes of the units it is made of."""

    tier: str
    kind: str
    name: str
    geometry: shapely.MultiPolygon
    unit_codes: tuple[str, ...]
    population: int
    households: int
    reason: str
    reason_en: str
    last_case_at: str | None = None

    @property
    def is_rest_of_county(self) -> bool:
        return (self.reason, self.reason_en) == REST_OF_COUNTY


@dataclass(frozen=True)
class Proposal:
    """Zones proposed for the infections reported in the ``days`` days up to ``as_of``, top tier first."""

    scheme_key: str
    as_of: dt.date
    days: int
    small_m: float
    large_m: float
    zones: tuple[ProposedZone, ...]
    cases_used: int
    cases_outside_units: int

    def to_frame(self) -> gpd.GeoDataFrame:
        """The zones as a GeoDataFrame in the storage CRS (a map layer; ``unit_codes`` as lists)."""
        columns = [field.name for field in dataclasses.fields(ProposedZone)]
        rows = [{**{name: getattr(z, name) for name in columns}, "unit_codes": list(z.unit_codes)} for z in self.zones]
        return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=STORAGE_CRS)


def propose_zones(cases: gpd.GeoDataFrame, units: gpd.GeoDataFrame, scheme: TierScheme, *, as_of,
                  days: int | None = None, small_m: float = SMALL_CIRCLE_RADIUS_M,
                  large_m: float = LARGE_CIRCLE_RADIUS_M, snap_rule: str = PROPOSAL_SNAP_RULE,
                  threshold: float = PROPOSAL_SHARE_THRESHOLD, county=None) -> Proposal:
    """Propose zones for the infections reported in the ``days`` days up to and including ``as_of``.

    Parameters
    ----------
    cases : the cases layer (category, reported_at, points) in the storage CRS.
    units : the control units (code, name, population, households, polygons) in the storage CRS.
    scheme : the tier scheme giving the tiers.
    days : how many days of cases; default the top tier's quiet period (the days a case keeps a unit there).
    small_m, large_m : control-circle radii in metres.
    snap_rule, threshold : how circles are snapped to units (see :mod:`gis.zoning.snapping`).
    county : the county outline; the last zone is the county minus the others (default: the other units).

    Returns a :class:`Proposal`; with no infections in the window it has no zones.
    """
    check_radii(small_m, large_m)
    as_of = as_date(as_of)
    days = days or scheme.tiers[0].quiet_days or DEFAULT_CASE_DAYS
    recent = _recent_infections(cases, as_of, days)
    if recent.empty:
        return Proposal(scheme.key, as_of, days, small_m, large_m, (), 0, 0)
    units = units.reset_index(drop=True)
    table = _UnitTable(units)
    circles = control_circles(recent.geometry, small_m=small_m, large_m=large_m)
    case_pos, unit_pos = units.sindex.query(recent.geometry.values, predicate="intersects")
    first_unit = pd.Series(unit_pos, index=case_pos).groupby(level=0).first()
    placed = recent.iloc[first_unit.index].assign(unit=first_unit.to_numpy())

    keys = scheme.keys
    per_unit = placed.assign(confirmed=placed["category"] == CaseCategory.CONFIRMED.value).groupby("unit").agg(
        infected=("category", "size"), confirmed=("confirmed", "sum"), last=("reported_at", "max"))
    zones = [_case_unit_zone(table, row, keys[0]) for row in per_unit.itertuples()]
    taken = np.zeros(len(units), dtype=bool)
    taken[placed["unit"].unique()] = True
    small_tier, large_tier = circle_tiers(scheme)
    for circle, radius, tier, size_zh, size_en in (
        (circles.small, small_m, small_tier, "小", "small"),
        (circles.large, large_m, large_tier, "大", "large"),
    ):
        ring = covered_units(circle, units[~taken], rule=snap_rule, threshold=threshold).index.to_numpy()
        taken[ring] = True
        reason = (f"距感染者{radius:g}米{size_zh}管控圈覆盖的单元", f"units covered by the {radius:g} m {size_en} "
                  "control circle around the infections")
        zones += [_ring_zone(table, group, tier, f"{size_zh}管控圈", reason) for group in _connected_groups(table, ring)]
    if not taken.all():
        rest = None if county is None else unit_outline([shapely.difference(county, unit_outline(
            table.geometry[taken]))])
        zones.append(table.zone(np.flatnonzero(~taken), keys[-1], "其余地区", REST_OF_COUNTY,
                                geometry=rest))
    zones.sort(key=lambda z: scheme.rank(z.tier))
    return Proposal(scheme.key, as_of, days, small_m, large_m, tuple(zones), len(placed), len(recent) - len(placed))


class _UnitTable:
    """The units' columns as arrays, to build many zones from unit positions quickly."""

    def __init__(self, units: gpd.GeoDataFrame):
        self.geometry = units.geometry.to_numpy()
        self.code = units["code"].astype(str).to_numpy()
        self.name = units["name"].fillna(units["code"]).astype(str).to_numpy()
        self.population, self.households = (pd.to_numeric(units[c], errors="coerce").fillna(0).to_numpy("int64")
                                            for c in ("population", "households"))

    def zone(self, positions: np.ndarray, tier: str, name: str, reason: tuple[str, str], *,
             last_case_at: str | None = None, geometry=None) -> ProposedZone:
        """A unit zone of the units at ``positions``, outlined by their boundaries unless ``geometry`` is given."""
        return ProposedZone(
            tier=tier, kind=ZoneKind.UNIT.value, name=name,
            geometry=unit_outline(self.geometry[positions]) if geometry is None else geometry,
            unit_codes=tuple(self.code[positions]), population=int(self.population[positions].sum()),
            households=int(self.households[positions].sum()), reason=reason[0], reason_en=reason[1],
            last_case_at=last_case_at)


def _recent_infections(cases: gpd.GeoDataFrame, as_of: dt.date, days: int) -> gpd.GeoDataFrame:
    reported = pd.to_datetime(cases["reported_at"], errors="coerce").dt.normalize()
    first = pd.Timestamp(as_of - dt.timedelta(days=days - 1))
    window = reported.between(first, pd.Timestamp(as_of))
    return cases[cases["category"].isin([c.value for c in INFECTED]) & window & cases.geometry.notna()]


def _case_unit_zone(table: _UnitTable, unit, tier: str) -> ProposedZone:
    """The top-tier zone of one unit; ``unit`` has Index (position), infected, confirmed and last (report time)."""
    infected, confirmed, last = int(unit.infected), int(unit.confirmed), str(unit.last)
    reason = (f"{infected}名感染者居住于此（确诊{confirmed}例、无症状{infected - confirmed}例），最近报告于{last[:10]}",
              f"home of {infected} infected ({confirmed} confirmed, {infected - confirmed} asymptomatic), "
              f"last reported {last[:10]}")
    return table.zone(np.array([unit.Index]), tier, table.name[unit.Index], reason, last_case_at=last)


def _ring_zone(table: _UnitTable, positions: np.ndarray, tier: str, label: str,
               reason: tuple[str, str]) -> ProposedZone:
    lead = table.name[positions[np.argmax(table.population[positions])]]
    name = f"{lead}（{label}）" if len(positions) == 1 else f"{lead}等{len(positions)}个单元（{label}）"
    return table.zone(positions, tier, name, reason)


def _connected_groups(table: _UnitTable, positions: np.ndarray) -> list[np.ndarray]:
    """``positions`` split into groups of units whose polygons join up (one group per part of their outline)."""
    if not len(positions):
        return []
    geometries = table.geometry[positions]
    parts = unit_outline(geometries).geoms
    unit_pos, part_pos = shapely.STRtree(parts).query(shapely.point_on_surface(geometries), predicate="within")
    part_of = np.zeros(len(positions), dtype=int)
    part_of[unit_pos] = part_pos
    return [positions[part_of == part] for part in np.unique(part_of)]
