"""What changed in the control zones since a date, from the audit log: for the day-over-day briefing map.

Each zone touched since the date is reported once, by its net change: ``lifted`` if it was lifted,
else ``added`` if it was created, else ``upgraded`` or ``downgraded`` by comparing its tier before the
first change with its tier now. Zones back at the tier they started from, and deleted zones, are left out.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd

from gis.glossary import ZoneChange, ZoneStatus
from gis.zoning.countdown import as_date
from gis.zoning.schemes import TierScheme

ZONES_LAYER = "control_zones"




COLUMNS = ["fid", "name", "change", "change_label", "tier_before", "tier_after", "tier_label", "changed_at"]


def zone_changes(audit: pd.DataFrame, zones: gpd.GeoDataFrame, scheme: TierScheme, since) -> gpd.GeoDataFrame:
    """Zones added, upgraded, downgraded or lifted since the start of day ``since``.

    Parameters
    ----------
    audit : audit_log rows (columns at, layer, fid, before, after as JSON text), oldest first.
    zones : the control zones now, indexed by fid.
    scheme : the tier scheme, to tell up from down.

    Returns a GeoDataFrame (zones' CRS) with columns fid, name, change, change_label (Chinese), tier_before,
    tier_after, tier_label, changed_at and the zone's geometry; ordered added, upgraded, downgraded, lifted,
    then top tier first.
    """
    start = as_date(since).isoformat()
    recent = audit[(audit["layer"] == ZONES_LAYER) & audit["fid"].notna() & (audit["at"].str[:10] >= start)]
    rows = []
    for fid, steps in recent.groupby("fid", sort=False):
        fid = int(fid)
        if fid not in zones.index:
            continue
        change, tier_before = _net_change(steps, zones.loc[fid], scheme)
        if change is not None:
            zone = zones.loc[fid]
            rows.append({"fid": fid, "name": zone["name"], "change": change.value, "change_label": change.zh,
                         "tier_before": tier_before, "tier_after": zone["tier"],
                         "tier_label": scheme.label(zone["tier"]), "changed_at": steps["at"].iloc[-1],
                         "geometry": zone.geometry})
    order = {change.value: position for position, change in enumerate(ZoneChange)}
    rows.sort(key=lambda row: (order[row["change"]], scheme.rank(row["tier_after"]), row["fid"]))
    return gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry", crs=zones.crs)


def _net_change(steps: pd.DataFrame, zone: pd.Series, scheme: TierScheme) -> tuple[ZoneChange | None, str | None]:
    befores = [_snapshot(text) for text in steps["before"]]
    if zone["status"] == ZoneStatus.LIFTED.value and any(
            (b or {}).get("status") != ZoneStatus.LIFTED.value for b in befores):
        return ZoneChange.LIFTED, (befores[0] or {}).get("tier")
    if befores[0] is None:
        return ZoneChange.ADDED, None
    tier_before = befores[0].get("tier")
    step = scheme.rank(zone["tier"]) - scheme.rank(tier_before)
    if step == 0:
        return None, tier_before
    return (ZoneChange.UPGRADED if step < 0 else ZoneChange.DOWNGRADED), tier_before


def _snapshot(text) -> dict | None:
    return None if text is None or pd.isna(text) else json.loads(text)
