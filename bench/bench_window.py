"""Benchmark: the whole window with every dock filled, on the sample county with and without a million cases.

    QT_QPA_PLATFORM=offscreen python bench/bench_window.py [--cases 1000000] [--keep DIR]

Builds (in a temporary folder, or ``--keep DIR`` to build once and reuse) the sample county
(``new --sample``) and a copy of it with ``--cases`` extra cases and contacts inserted in chunks
(``edit.insert(..., log_each=False)``): points inside the county, ~90% in clusters, each with the code of
the grid it lies in (a few with none or a wrong one), reported over the 28 days up to the sample's day.
Then measures:

* ``snapshot`` of each project under ``/usr/bin/time -v`` (a fresh process: open, every layer drawn, every
  dock loaded, PNG saved): wall clock and peak RSS; the cost of the extra cases is the difference;
* closing the window while the dashboard is still reading the big project: wall clock from ``close()``
  until the window is gone (the dashboard's readers cancelled, not waited for).

Issue 13's targets: the cost of 1M cases ≤ 0.5 × QGIS (2.2 s for open + draw there), peak RSS ≤ 1.5 GB,
closing ≤ 0.2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CORDON_LANG", "zh")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402

from data.project import Project  # noqa: E402
from data.sample_project import create_sample_project  # noqa: E402
from gis.crs import STORAGE_CRS  # noqa: E402
from gis.glossary import CaseCategory  # noqa: E402

CHUNK = 200_000
CASE_WEIGHTS = {CaseCategory.CONFIRMED: 0.08, CaseCategory.ASYMPTOMATIC: 0.12, CaseCategory.SUSPECTED: 0.05,
                CaseCategory.CLOSE_CONTACT: 0.45, CaseCategory.SECONDARY_CONTACT: 0.30}
TARGET_CLOSE_S = 0.2


def extra_cases(project: Project, n: int, start: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` cases inside the project's county: 90% around a few hundred cluster centres, 10% scattered."""
    rng = np.random.default_rng(seed)
    county = project.county_outline()
    grids = project.read_layer("grids")
    as_of = dt.date.fromisoformat(project.metadata["sample_as_of"])
    minx, miny, maxx, maxy = county.bounds
    shapely.prepare(county)

    def inside(m: int) -> np.ndarray:
        out = np.empty((0, 2))
        while len(out) < m:
            xy = rng.uniform((minx, miny), (maxx, maxy), (2 * m + 16, 2))
            out = np.vstack([out, xy[shapely.contains_xy(county, xy[:, 0], xy[:, 1])]])
        return out[:m]

    centres = inside(300)
    weights = rng.pareto(1.3, len(centres)) + 0.2
    which = rng.choice(len(centres), int(n * 0.9), p=weights / weights.sum())
    xy = np.vstack([centres[which] + rng.normal(0, 0.006, (len(which), 2)), inside(n - len(which))])
    points = shapely.points(xy)
    hit, grid = shapely.STRtree(grids.geometry.values).query(points, predicate="within")
    grid_of = np.full(n, -1)
    grid_of[hit[::-1]] = grid[::-1]
    codes = grids["code"].to_numpy(dtype=object)
    grid_code = np.where(grid_of >= 0, codes[np.maximum(grid_of, 0)], None)
    grid_code[rng.random(n) < 0.02] = None  # some records carry no grid code
    categories = np.array([c.value for c in CASE_WEIGHTS], dtype=object)
    day = rng.integers(0, 28, n)
    reported = (np.datetime64(as_of.isoformat()) - day.astype("timedelta64[D]") + np.timedelta64(8, "h")
                + rng.integers(0, 600, n).astype("timedelta64[m]")).astype("datetime64[s]").astype(str)
    return gpd.GeoDataFrame({
        "case_no": np.char.add("B", np.char.zfill(np.arange(start, start + n).astype(str), 7)).astype(object),
        "category": categories[rng.choice(len(categories), n, p=list(CASE_WEIGHTS.values()))],
        "reported_at": reported.astype(object), "grid_code": grid_code,
    }, geometry=points, crs=STORAGE_CRS)


def build(folder: Path, n: int) -> tuple[Path, Path]:
    """The plain sample project and its copy with ``n`` extra cases (reused when already there)."""
    plain, big = folder / "plain.gpkg", folder / f"big_{n}.gpkg"
    if not plain.exists():
        create_sample_project(plain).close()
    if not big.exists():
        t = time.perf_counter()
        project = Project.open(plain).save_as(folder / "building.gpkg")
        for start in range(0, n, CHUNK):
            frame = extra_cases(project, min(CHUNK, n - start), start, seed=start)
            with project.transaction() as edit:
                edit.insert("cases", frame, log_each=False)
        project.close()
        (folder / "building.gpkg").rename(big)
        print(f"built {big.name} in {time.perf_counter() - t:.0f} s")
    return plain, big


def timed_snapshot(project: Path, out: Path, *options: str) -> dict:
    """``main.py snapshot`` (with ``options``) in a fresh process under /usr/bin/time -v: wall seconds and peak RSS
    (MB)."""
    run = subprocess.run(["/usr/bin/time", "-v", sys.executable, str(ROOT / "main.py"), "snapshot", str(project), "--out",
                          str(out), *options], capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"snapshot of {project.name} failed:\n{run.stdout}\n{run.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    hours, minutes, seconds = (float(v or 0) for v in wall.groups())
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    return {"wall": hours * 3600 + minutes * 60 + seconds, "rss_mb": int(rss.group(1)) / 1024}


def close_while_loading(project_path: Path) -> dict:
    """Open the window on the project, wait until the map is drawn, then close it while the dashboard is
    still reading: seconds from ``close()`` until the window is gone."""
    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from desktop.app import create_application
app = create_application([])
from PySide6.QtCore import QEventLoop, QTimer
from data.project import Project
from desktop.main_window import MainWindow
window = MainWindow(Project.open({str(project_path)!r}))
window.resize(1600, 1000)
loop = QEventLoop()
window.map.layersDrawn.connect(lambda info: loop.quit())
QTimer.singleShot(120_000, loop.quit)
window.show()
window.capacity_dock.raise_()  # in front: it reads the million cases
loop.exec()
busy = window.capacity_dock.is_busy()
t = time.perf_counter()
window.close()
app.processEvents()
gone = time.perf_counter() - t
print(f"RESULT {{busy}} {{gone:.4f}} {{not window.isVisible()}}", flush=True)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    found = re.search(r"RESULT (\w+) ([\d.]+) (\w+)", run.stdout)
    if not found:
        raise SystemExit(f"close measurement failed:\n{run.stdout}\n{run.stderr}")
    return {"busy": found.group(1) == "True", "close_s": float(found.group(2)), "hidden": found.group(3) == "True"}


def measure(plain: Path, big: Path, skip: tuple[str, ...] = ()) -> dict:
    """The snapshots of both projects as the window opens: the first open of each (``"plain_cold"``, ``"big_cold"``:
    it also writes what later opens reuse — new indexes, the map's kept payloads), then a second open
    (``"plain"``, ``"big"``), each with wall seconds and peak RSS; then with the dashboard raised in front of the zone
    panel (``"plain_dashboard"``, ``"big_dashboard"``: its tab in front read too); and closing the window on the big
    one while the dashboard reads (``"close"``). ``skip`` leaves out "snapshot" or "close"."""
    result = {}
    # Python's compiled modules are written by the first process after a change of code: not part of any open.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "main.py", "data", "desktop", "gis"], cwd=ROOT,
                   check=True)
    if "snapshot" not in skip:
        result["plain_cold"] = timed_snapshot(plain, plain.with_suffix(".png"))
        result["big_cold"] = timed_snapshot(big, big.with_suffix(".png"))
        result["plain"] = timed_snapshot(plain, plain.with_suffix(".png"))
        result["big"] = timed_snapshot(big, big.with_suffix(".png"))
        result["plain_dashboard"] = timed_snapshot(plain, plain.with_suffix(".dashboard.png"), "--dashboard")
        result["big_dashboard"] = timed_snapshot(big, big.with_suffix(".dashboard.png"), "--dashboard")
    if "close" not in skip:
        result["close"] = close_while_loading(big)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build into (and reuse) this folder")
    parser.add_argument("--skip", choices=["snapshot", "close"], action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = measure(*build(folder, args.cases), tuple(args.skip))
        if "plain" in result:
            base, heavy = result["plain"], result["big"]
            print(f"snapshot, plain sample:        {base['wall']:6.1f} s   peak RSS {base['rss_mb']:6.0f} MB")
            print(f"snapshot, +{args.cases:,} cases: {heavy['wall']:6.1f} s   peak RSS {heavy['rss_mb']:6.0f} MB")
            print(f"cost of the extra cases:       {heavy['wall'] - base['wall']:6.1f} s   (first opens: "
                  f"{result['big_cold']['wall'] - result['plain_cold']['wall']:.1f} s)")
            base, heavy = result["plain_dashboard"], result["big_dashboard"]
            print(f"the same, dashboard in front:  {heavy['wall'] - base['wall']:6.1f} s   peak RSS {heavy['rss_mb']:6.0f} MB")
        if "close" in result:
            closed = result["close"]
            verdict = "ok" if closed["close_s"] <= TARGET_CLOSE_S else "over target"
            print(f"close while docks load:        {closed['close_s']:6.3f} s  (dashboard still reading: "
                  f"{closed['busy']}, window hidden: {closed['hidden']}; target ≤ {TARGET_CLOSE_S} s, {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
