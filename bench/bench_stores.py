"""Benchmark: the same city-scale project from a GeoPackage and from PostGIS.

    python bench/bench_stores.py [--scale 1.0]

Builds the synthetic city of bench_map.py (5,000 units, 10,000 grids, 100,000 cases at scale 1) in a
GeoPackage, pushes it into PostgreSQL (``CORDON_TEST_PG_URL``, else a throwaway local cluster as the tests
start), then times, best of 3, on each store: open → every layer drawn on a real map widget (1600x1000,
offscreen), open → every layer read (``read_layer``), the cases as point arrays (``read_points``), and push /
pull of the whole project.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]
os.environ.setdefault("CORDON_LANG", "zh")

from bench_map import build_city, case_frame, insert, site_and_facility_frames, wait_signal  # noqa: E402

from data.project import Project  # noqa: E402
from data.schema import LAYERS  # noqa: E402
from data.stores.transfer import copy_project  # noqa: E402


def best_of(func, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def map_widget():
    """A real map widget, shown at 1600x1000 (the page is loaded once, as in a running window)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
    from desktop.app import create_application, prepare_environment

    prepare_environment()
    create_application([])
    from desktop.map_widget import MapWidget

    widget = MapWidget()
    widget.resize(1600, 1000)
    widget.show()
    return widget


def open_and_draw(widget, target) -> None:
    widget.set_project(Project.open(target))
    _, (report,) = wait_signal(widget.layersDrawn, 300)
    if report.get("failed"):
        raise RuntimeError(f"the map did not draw every layer: {report}")


def open_and_read_all(target) -> None:
    project = Project.open(target)
    for name in LAYERS:
        project.read_layer(name)
    project.close()


def read_case_points(target) -> None:
    project = Project.open(target)
    project.read_points("cases", ["category", "status"])
    project.close()


def run(url: str, scale: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cordon-bench-stores-"))
    city = build_city(int(5000 * scale), int(10000 * scale))
    sites, facilities = site_and_facility_frames(city)
    small = Project.create(folder / "city.gpkg", name="示例市（基准测试）", county_code="419999")
    for layer, frame in (("admin_units", city.units), ("grids", city.grids), ("isolation_sites", sites),
                         ("facilities", facilities), ("cases", case_frame(city, int(100_000 * scale), 11))):
        insert(small, layer, frame)
    counts = {name: small.count(name) for name in ("admin_units", "grids", "cases")}
    target = f"{url}{'&' if '?' in url else '?'}schema=bench_{uuid.uuid4().hex[:8]}"
    start = time.perf_counter()
    copy_project(small, target)
    push_s = time.perf_counter() - start
    start = time.perf_counter()
    copy_project(Project.open(target), folder / "pulled.gpkg")
    pull_s = time.perf_counter() - start
    widget = map_widget()
    open_and_draw(widget, small.path)  # warm-up: the browser's renderer process starts
    rows = []
    for label, func in (("open → all layers drawn", lambda t: open_and_draw(widget, t)),
                        ("open → all layers read", open_and_read_all), ("cases as points", read_case_points)):
        gpkg_s, pg_s = best_of(lambda f=func: f(small.path)), best_of(lambda f=func: f(target))
        rows.append((label, gpkg_s, pg_s))
    print(f"project: {counts}")
    print(f"{'measure':<26}{'GeoPackage':>12}{'PostGIS':>12}{'ratio':>8}")
    for label, gpkg_s, pg_s in rows:
        print(f"{label:<26}{gpkg_s:>11.2f}s{pg_s:>11.2f}s{pg_s / gpkg_s:>8.2f}")
    print(f"push (GeoPackage → PostGIS): {push_s:.1f} s; pull (PostGIS → GeoPackage): {pull_s:.1f} s")
    from desktop.change_feed import ChangeFeed

    ChangeFeed.close_all()  # the database goes next: its listeners stop first
    widget.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,000 units, 10,000 grids, 100,000 cases")
    args = parser.parse_args()
    if os.environ.get("CORDON_TEST_PG_URL"):
        run(os.environ["CORDON_TEST_PG_URL"], args.scale)
        return
    from pg_cluster import throwaway_cluster

    with throwaway_cluster() as url:
        run(url, args.scale)


if __name__ == "__main__":
    main()
