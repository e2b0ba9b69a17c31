"""Benchmark: GCJ-02 / BD-09 conversion of 1,000,000 points (target: <= 1 s each way).

    python bench/bench_offsets.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import REPEATS, best_of  # noqa: E402

from gis import offsets  # noqa: E402

N = 1_000_000



def main() -> None:
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(73.5, 135.0, N), rng.uniform(18.0, 53.5, N)
    gcj = offsets.wgs84_to_gcj02(lon, lat)
    bd = offsets.wgs84_to_bd09(lon, lat)
    print(f"{N:,} points, best of {REPEATS}")
    for name, func, args in [
        ("wgs84 -> gcj02", offsets.wgs84_to_gcj02, (lon, lat)),
        ("gcj02 -> wgs84 (iterative)", offsets.gcj02_to_wgs84, gcj),
        ("wgs84 -> bd09", offsets.wgs84_to_bd09, (lon, lat)),
        ("bd09 -> wgs84 (iterative)", offsets.bd09_to_wgs84, bd),
    ]:
        print(f"  {name:<28} {best_of(func, *args):6.3f} s")
    back = offsets.gcj02_to_wgs84(*gcj)
    err_m = np.hypot((back[0] - lon) * np.cos(np.radians(lat)), back[1] - lat).max() * 111_320
    print(f"  max round-trip error gcj02: {err_m * 1000:.3f} mm")


if __name__ == "__main__":
    main()
