"""A proposal read against the zones in force, so that accepting it twice changes nothing the second time.

Each proposed zone is matched with at most one active zone, best match first:

- unit zones by their units: any unit in common, the larger share of common units (Jaccard) first;
- other zones (and the county-wide rest, an area rather than a list of units), and unit zones with no unit
  in common (villages against grids, or a zone drawn by hand), by their outlines: intersection over union at
  least :data:`MATCH_IOU`.

A matched proposed zone is **unchanged** when tier, units and extent are the same, else **changed** (with
what differs). A proposal never steps a zone down: a proposed zone of a lower tier matches an active zone
only when it covers the same units and extent, and then the active zone is listed as **may step down**
(the step down goes through its countdown). Unmatched proposed zones are **new**; active zones no proposed
zone matches are listed as **may step down** too: they are never lifted here.

>>> import shapely
>>> from gis.zoning.schemes import PRESETS
>>> from gis.zoning.proposals import ProposedZone
>>> square = shapely.MultiPolygon([shapely.box(112.0, 35.0, 112.01, 35.01)])
>>> zone = ProposedZone("sealed", "unit", "东村", square, ("410881001",), 900, 300, "…", "…")
>>> active = ActiveZone(7, "controlled", "东村", ("410881001",), square)
>>> item = compare_zones([zone], [active], PRESETS["2022_9th"])[0]
>>> item.group.value, [c.value for c in item.changes], item.zone_fid
('changed', ['tier'], 7)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS
from gis.glossary import ProposalGroup, ZoneDifference
from gis.zoning.proposals import Proposal, ProposedZone
from gis.zoning.schemes import TierScheme

MATCH_IOU = 0.5
"""Outlines match when their intersection is at least half their union."""
SAME_EXTENT = 1e-6
"""Outlines are the same extent when what lies in only one of them is below this share of their union."""
APPLICABLE = (ProposalGroup.NEW, ProposalGroup.CHANGED)
"""The groups accepting a proposal acts on."""
FRAME_COLUMNS = ["group", "changes", "zone_fid", "proposed_tier"]
"""Columns :meth:`ProposalDiff.to_frame` adds to the proposal's own."""


@dataclass(frozen=True)
class ActiveZone:
    """The parts of a zone in force that a proposal is compared on."""

    fid: int
    tier: str
    name: str | None
    unit_codes: tuple[str, ...]
    geometry: object


@dataclass(frozen=True)
class ZoneComparison:
    """One line of a reviewed proposal: a proposed zone (``position`` in the proposal) and the active zone it
    matches, or an active zone alone (``proposed`` None) that no proposed zone supports any more."""

    group: ProposalGroup
    proposed: ProposedZone | None
    active: ActiveZone | None
    changes: tuple[ZoneDifference, ...] = ()
    position: int | None = None

    @property
    def zone_fid(self) -> int | None:
        return None if self.active is None else self.active.fid

    @property
    def applicable(self) -> bool:
        """Accepting the proposal creates (new) or updates (changed) this zone."""
        return self.group in APPLICABLE

    @property
    def ticked_by_default(self) -> bool:
        """New and changed zones are offered ticked, except the county-wide rest (a choice, not a default)."""
        return self.applicable and not self.proposed.is_rest_of_county

    @property
    def shown(self) -> ProposedZone | ActiveZone:
        """What the line shows: the active zone for one that may step down, else the proposed zone."""
        return self.active if self.group is ProposalGroup.MAY_STEP_DOWN else self.proposed

    @property
    def tier(self) -> str:
        return self.shown.tier

    @property
    def name(self) -> str | None:
        return self.shown.name

    @property
    def geometry(self):
        return self.shown.geometry


@dataclass(frozen=True)
class ProposalDiff:
    """A proposal against the active zones: its zones in the proposal's order, then the active zones no
    proposed zone matches (top tier first)."""

    proposal: Proposal
    items: tuple[ZoneComparison, ...]

    def counts(self) -> dict[ProposalGroup, int]:
        """How many lines each group has (every group, zero included), in the glossary's order."""
        return {group: sum(item.group is group for item in self.items) for group in ProposalGroup}

    def default_positions(self) -> list[int]:
        """Positions in the proposal of the zones offered ticked."""
        return [item.position for item in self.items if item.ticked_by_default]

    def applicable_positions(self) -> list[int]:
        """Positions in the proposal of every new or changed zone, the county-wide rest included."""
        return [item.position for item in self.items if item.applicable]

    def focus_bounds(self) -> tuple[float, float, float, float]:
        """Where to look at the proposal (west, south, east, north in the storage CRS): what accepting would
        change, else every line, leaving out the rest of the county (it is all of it) unless nothing else is
        there; with a margin of 15 % of the larger side."""
        local = [line for line in self.items if line.proposed is None or not line.proposed.is_rest_of_county]
        lines = [line for line in local if line.applicable] or local or list(self.items)
        west, south, east, north = gpd.GeoSeries([line.geometry for line in lines]).total_bounds
        margin = 0.15 * max(east - west, north - south)
        return west - margin, south - margin, east + margin, north + margin

    def to_frame(self) -> gpd.GeoDataFrame:
        """Every line as a map layer in the storage CRS: the proposal's columns, plus ``group``, ``changes`` (list
        of :class:`~gis.glossary.ZoneDifference` values), ``zone_fid`` (the matched active zone) and
        ``proposed_tier``. A zone that may step down shows its current tier, name, units and outline (the other
        proposal columns None unless a lower-tier zone was proposed over it)."""
        proposed = self.proposal.to_frame()
        rows = []
        for item in self.items:
            if item.proposed is not None:
                row = proposed.iloc[item.position].to_dict()
            else:
                row = {name: None for name in proposed.columns}
            if item.group is ProposalGroup.MAY_STEP_DOWN:
                row.update(tier=item.tier, name=item.name, unit_codes=list(item.active.unit_codes),
                           geometry=item.geometry)
            row.update(group=item.group.value, changes=[c.value for c in item.changes], zone_fid=item.zone_fid,
                       proposed_tier=None if item.proposed is None else item.proposed.tier)
            rows.append(row)
        frame = gpd.GeoDataFrame(rows, columns=[*proposed.columns, *FRAME_COLUMNS], geometry="geometry",
                                 crs=STORAGE_CRS)
        frame["zone_fid"] = pd.Series([item.zone_fid for item in self.items], index=frame.index, dtype=object)
        return frame


def compare_proposal(proposal: Proposal, zones: gpd.GeoDataFrame, scheme: TierScheme) -> ProposalDiff:
    """``proposal`` against ``zones``, the active zones (indexed by fid; tier, name, unit_codes as JSON text
    or a list, geometry in the storage CRS)."""
    return ProposalDiff(proposal, compare_zones(proposal.zones, active_zones(zones), scheme))


def active_zones(zones: gpd.GeoDataFrame) -> list[ActiveZone]:
    """The rows of a control-zone layer as :class:`ActiveZone` values."""
    return [ActiveZone(int(fid), zone["tier"], None if pd.isna(zone["name"]) else zone["name"],
                       _codes(zone["unit_codes"]), zone.geometry) for fid, zone in zones.iterrows()]


def compare_zones(proposed: Sequence[ProposedZone], active: Sequence[ActiveZone],
                  scheme: TierScheme) -> list[ZoneComparison]:
    """The comparison lines of ``proposed`` (in order) followed by the unmatched ``active`` zones (top tier
    first, then by fid); see the module's description for the rules."""
    matched: dict[int, tuple[int, tuple[ZoneDifference, ...]]] = {}  # proposed position: (active index, changes)
    taken: set[int] = set()
    for _score, p, a, changes in sorted(_candidates(proposed, active, scheme)):
        if p not in matched and a not in taken:
            matched[p] = (a, changes)
            taken.add(a)
    items = []
    for position, zone in enumerate(proposed):
        if position not in matched:
            items.append(ZoneComparison(ProposalGroup.NEW, zone, None, position=position))
            continue
        index, changes = matched[position]
        current = active[index]
        if not changes:
            group = ProposalGroup.UNCHANGED
        elif _rank(scheme, zone.tier) > _rank(scheme, current.tier):
            group = ProposalGroup.MAY_STEP_DOWN
        else:
            group = ProposalGroup.CHANGED
        items.append(ZoneComparison(group, zone, current, changes, position))
    alone = sorted((zone for index, zone in enumerate(active) if index not in taken),
                   key=lambda zone: (_rank(scheme, zone.tier), zone.fid))
    items += [ZoneComparison(ProposalGroup.MAY_STEP_DOWN, None, zone) for zone in alone]
    return items


def differences(zone: ProposedZone, current: ActiveZone) -> tuple[ZoneDifference, ...]:
    """What differs between a proposed zone and an active zone: tier, units (as sets), extent."""
    found = []
    if zone.tier != current.tier:
        found.append(ZoneDifference.TIER)
    if set(zone.unit_codes) != set(current.unit_codes):
        found.append(ZoneDifference.UNITS)
    if not same_extent(zone.geometry, current.geometry):
        found.append(ZoneDifference.EXTENT)
    return tuple(found)


def same_extent(a, b) -> bool:
    """Whether two outlines cover the same ground, up to :data:`SAME_EXTENT` of their union (a ratio, so the
    storage CRS's degrees do)."""
    union = shapely.union(a, b).area
    return union == 0 or shapely.symmetric_difference(a, b).area <= SAME_EXTENT * union


def _candidates(proposed: Sequence[ProposedZone], active: Sequence[ActiveZone], scheme: TierScheme) -> Iterable:
    """(sort key, proposed position, active index, changes) of every pair that may match; the best sorts first:
    higher similarity, then the same tier, then proposal order and fid."""
    if not proposed or not active:
        return
    tree = shapely.STRtree([zone.geometry for zone in active])
    for p, zone in enumerate(proposed):
        by_units = zone.kind == "unit" and not zone.is_rest_of_county
        for a in tree.query(zone.geometry, predicate="intersects"):
            current = active[int(a)]
            similarity = _shared_units(zone, current) if by_units else 0.0
            if not similarity:  # no units in common (or not compared by units): compare the outlines
                similarity = _iou(zone.geometry, current.geometry)
                if similarity < MATCH_IOU:
                    continue
            changes = differences(zone, current)
            if _rank(scheme, zone.tier) > _rank(scheme, current.tier) and changes != (ZoneDifference.TIER,):
                continue  # a lower tier over other ground is a zone of its own, not a step down of this one
            yield (-similarity, zone.tier != current.tier, p, current.fid), p, int(a), changes


def _rank(scheme: TierScheme, tier: str) -> int:
    """The tier's place in the scheme, top first; below every tier for one the scheme lacks."""
    return scheme.rank(tier) if tier in scheme.keys else len(scheme.keys)


def _shared_units(zone: ProposedZone, current: ActiveZone) -> float:
    """The share of their units two zones have in common (Jaccard); 0 when the active zone lists none."""
    mine, theirs = set(zone.unit_codes), set(current.unit_codes)
    return len(mine & theirs) / len(mine | theirs) if theirs else 0.0


def _iou(a, b) -> float:
    union = shapely.union(a, b).area
    return shapely.intersection(a, b).area / union if union else 0.0


def _codes(value) -> tuple[str, ...]:
    """Unit codes stored as JSON text (or given as a list); empty for none."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) or value == "":
        return ()
    codes = json.loads(value) if isinstance(value, str) else value
    return tuple(str(code) for code in codes)
