"""Benchmark: grid statistics and isolation allocation on synthetic data.

    python bench/bench_capacity.py

Targets (issue 5): cases per grid for 100,000 cases over 10,000 grids <= 0.2 s; allocation of 10,000
waiting persons to 200 sites <= 1 s.
"""

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import REPEATS, best_of  # noqa: E402

from gis.allocation import allocate_to_sites  # noqa: E402
from gis.glossary import CaseCategory  # noqa: E402
from gis.grid_stats import count_by_category, locate_points  # noqa: E402

AREA = (112.0, 34.9, 112.9, 35.4)  # about 80 x 55 km around Jiyuan



def cells(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` Voronoi cells tiling AREA."""
    box = shapely.box(*AREA)
    seeds = shapely.multipoints(rng.uniform(AREA[:2], AREA[2:], (n, 2)))
    return shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box, ordered=True)), box)


def synthetic_county(rng: np.random.Generator, n_grids=10_000, n_villages=1_000, n_towns=20):
    """Towns, villages and grids (each grid naming the village holding its centre)."""
    towns, villages, grid_geoms = cells(n_towns, rng), cells(n_villages, rng), cells(n_grids, rng)
    village_codes = np.array([f"V{i:04d}" for i in range(n_villages)], dtype=object)
    town_of_village = shapely.STRtree(towns).query_nearest(shapely.point_on_surface(villages))[1]
    village_of_grid = shapely.STRtree(villages).query_nearest(shapely.point_on_surface(grid_geoms))[1]
    units = gpd.GeoDataFrame({
        "code": [f"T{i:02d}" for i in range(n_towns)] + list(village_codes),
        "level": ["town"] * n_towns + ["village"] * n_villages,
        "parent_code": [None] * n_towns + [f"T{t:02d}" for t in town_of_village],
    }, geometry=np.concatenate([towns, villages]), crs=4490)
    grids = gpd.GeoDataFrame({"code": [f"G{i:05d}" for i in range(n_grids)], "unit_code": village_codes[village_of_grid]},
                             geometry=grid_geoms, crs=4490)
    return units, grids


def grid_statistics(points, grids, units, categories, recorded=None) -> pd.DataFrame:
    located = locate_points(points, grids, units, recorded)
    return count_by_category(located["grid_code"], categories, grids["code"])


def main() -> None:
    rng = np.random.default_rng(5)
    units, grids = synthetic_county(rng)
    points = shapely.points(rng.uniform(AREA[:2], AREA[2:], (100_000, 2)))
    categories = pd.Series(rng.choice(CaseCategory.values(), len(points)))
    truth = grid_statistics(points, grids, units, categories)
    recorded = locate_points(points, grids, units)["grid_code"].to_numpy().copy()
    recorded[rng.random(len(recorded)) < 0.05] = "G99999"  # 5% mistyped codes
    assert grid_statistics(points, grids, units, categories, recorded).equals(truth)

    print(f"best of {REPEATS}")
    print("grid statistics, 100,000 cases over 10,000 grids (target <= 0.2 s):")
    print(f"  no grid codes (spatial join)       {best_of(grid_statistics, points, grids, units, categories):6.3f} s")
    print(f"  grid codes, 5% wrong (verified)    "
          f"{best_of(grid_statistics, points, grids, units, categories, recorded):6.3f} s")

    persons = gpd.GeoSeries(shapely.points(rng.uniform(AREA[:2], AREA[2:], (10_000, 2))), crs=4490)
    sites = gpd.GeoSeries(shapely.points(rng.uniform(AREA[:2], AREA[2:], (200, 2))), crs=4490)
    free = rng.integers(0, 80, len(sites))  # about 8,000 rooms for 10,000 people: some stay unassigned
    sealed = rng.random(len(persons)) < 0.2
    plan = allocate_to_sites(persons, sites, free, sealed)
    assert (plan["site"].value_counts().reindex(sites.index, fill_value=0) <= free).all()
    print("allocation, 10,000 persons to 200 sites (target <= 1 s):")
    print(f"  nearest free site, sealed first    {best_of(allocate_to_sites, persons, sites, free, sealed):6.3f} s"
          f"  ({plan['site'].notna().sum():,} placed in {int(free.sum()):,} rooms)")


if __name__ == "__main__":
    main()
