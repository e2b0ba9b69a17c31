"""Control zones in the project file: building records to insert (more to come with the zoning work)."""

from __future__ import annotations

import json

import geopandas as gpd

from data.project import now_iso
from gis.crs import STORAGE_CRS
from gis.glossary import ZoneStatus


def zone_record(geometry, *, tier: str, kind: str, name: str | None = None, radius_m: float | None = None,
                unit_codes: list[str] | None = None, at: str | None = None) -> gpd.GeoDataFrame:
    """One control-zone row ready for ``Edit.insert("control_zones", ...)``; its clock starts ``at`` (now)."""
    at = at or now_iso()
    return gpd.GeoDataFrame({
        "name": [name], "tier": [tier], "kind": [kind], "radius_m": [radius_m], "created_at": [at],
        "updated_at": [at], "started_at": [at], "status": [ZoneStatus.ACTIVE.value],
        "unit_codes": [json.dumps(unit_codes, ensure_ascii=False) if unit_codes else None],
    }, geometry=[geometry], crs=STORAGE_CRS)
