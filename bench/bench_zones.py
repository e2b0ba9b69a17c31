"""Benchmark: proposing zones for 1,000 cases over 10,000 grids (target <= 1 s) and the effective-tier
surface of 500 overlapping zones (target <= 0.5 s), on synthetic data inside the sample county.

    python bench/bench_zones.py
"""

import datetime as dt
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import REPEATS, best_of  # noqa: E402

from data.sample import county_outline, partition, random_xy  # noqa: E402
from gis.crs import STORAGE_CRS  # noqa: E402
from gis.zoning.circles import merged_circles  # noqa: E402
from gis.zoning.effective import effective_tiers  # noqa: E402
from gis.zoning.proposals import propose_zones  # noqa: E402
from gis.zoning.schemes import PRESETS  # noqa: E402

GRIDS, CASES, CLUSTERS, ZONES = 10_000, 1_000, 25, 500
AS_OF = dt.date(2026, 11, 20)
TARGETS = {"propose": 1.0, "effective": 0.5}



def synthetic_grids(county, rng) -> gpd.GeoDataFrame:
    cells = partition(county, random_xy(county, GRIDS, rng))
    population = rng.integers(50, 2000, len(cells))
    return gpd.GeoDataFrame({"code": [f"G{i:05d}" for i in range(len(cells))], "name": [f"第{i}网格" for i in
                             range(len(cells))], "population": population, "households": population // 3},
                            geometry=cells, crs=STORAGE_CRS)


def synthetic_cases(county, rng) -> gpd.GeoDataFrame:
    """Infections in clusters a few hundred metres wide, reported over the last 7 days."""
    centres = random_xy(county, CLUSTERS, rng)
    xy = centres[rng.integers(0, CLUSTERS, CASES)] + rng.normal(0, 0.006, (CASES, 2))
    days = rng.integers(0, 7, CASES)
    return gpd.GeoDataFrame({"category": rng.choice(["confirmed", "asymptomatic"], CASES),
                             "reported_at": [f"{AS_OF - dt.timedelta(days=int(d))}T10:00:00" for d in days]},
                            geometry=shapely.points(xy), crs=STORAGE_CRS)


def synthetic_zones(county, grids, rng) -> gpd.GeoDataFrame:
    """Half circles of 300-1,500 m, half single grids, in random tiers, crowded into 30 hot spots."""
    tiers = PRESETS["2022_9th"].keys
    spots = random_xy(county, 30, rng)
    centres = spots[rng.integers(0, 30, ZONES // 2)] + rng.normal(0, 0.01, (ZONES // 2, 2))
    circles = [merged_circles([tuple(c)], float(r)) for c, r in zip(centres, rng.uniform(300, 1500, len(centres)),
                                                                    strict=True)]
    units = list(grids.geometry.values[rng.choice(len(grids), ZONES - len(circles), replace=False)])
    return gpd.GeoDataFrame({"tier": rng.choice(tiers, ZONES)}, geometry=circles + units, crs=STORAGE_CRS)


def main() -> None:
    rng = np.random.default_rng(4)
    county = county_outline()
    grids = synthetic_grids(county, rng)
    cases = synthetic_cases(county, rng)
    zones = synthetic_zones(county, grids, rng)
    scheme = PRESETS["2022_9th"]
    proposal = propose_zones(cases, grids, scheme, as_of=AS_OF, county=county)
    counts = {tier: sum(z.tier == tier for z in proposal.zones) for tier in scheme.keys}
    print(f"{len(grids):,} grids, {len(cases):,} cases -> proposal zones per tier {counts}; best of {REPEATS}")
    timings = {
        "propose": best_of(propose_zones, cases, grids, scheme, as_of=AS_OF, county=county),
        "effective": best_of(effective_tiers, zones, scheme),
    }
    labels = {"propose": f"propose zones ({CASES:,} cases, {GRIDS:,} grids)",
              "effective": f"effective-tier surface ({ZONES} zones)"}
    for key, seconds in timings.items():
        verdict = "ok" if seconds <= TARGETS[key] else "OVER TARGET"
        print(f"  {labels[key]:<44} {seconds:6.3f} s  (target <= {TARGETS[key]} s) {verdict}")


if __name__ == "__main__":
    main()
