"""Benchmark: the targets of issue 13 in one run, with QGIS drawing the same files beside Cordon.

    QT_QPA_PLATFORM=offscreen python bench/bench_map.py [--quick] [--projects DIR] [--window-dir DIR]
                                                          [--skip window,import,naive,qgis] [--keep]

The map: a synthetic city of 5,000 administrative units (a county, 20 towns, villages and communities),
10,000 grids (586k boundary vertices) and 100,000 clustered cases, and the same with 1,000,000 cases (built
into a temporary folder, or once into ``--projects DIR`` and copied from there), measured with a real
MapWidget (1600x1000, offscreen):

* open -> all layers drawn: from opening the file and ``set_project()`` to the page's ``layersDrawn``
  report, ``OPENS`` times, the file as Cordon's import leaves it (the map's payloads kept in it; the first open
  reported on its own); and once, first, a copy with no payloads kept (as after another program changed every
  layer: reported, not judged);
* zone edit -> on screen: a StoreCommand (a circle zone) pushed on a QUndoStack, until the page reports
  ``control_zones`` redrawn (10 edits);
* attribute edit -> table and map updated (100k): one case's category changed in the attribute table's
  model (``setData``, as its editor commits), pushed by the AttributeDock as a StoreCommand, until the table
  shows the value and the page reports the layers redrawn (10 edits);
* pan/zoom frames, timed in the page: ``setZoom(z±1)`` / ``panBy`` without animation until two animation
  frames have run; 10 of each at city view (the county fitted) and at street view (z15 over the densest
  cluster);

and QGIS (``qgis_anchor.py``, run by the system Python that has ``python3-qgis``) opening and drawing the same
files at the same size and extent. Then the whole window (``bench_window.py``: the cost of 1M cases in
``snapshot``, peak RSS, closing while the docks load; QGIS opening and drawing the same two files), importing a
1M-row CSV against ``ogr2ogr`` (``bench_import.py``), and the naive folium page on the 100k data.
``--quick`` uses 10x smaller data (a smoke run; the targets are for full size).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CORDON_LANG", "zh")

import bench_import  # noqa: E402
import bench_window  # noqa: E402
import geopandas as gpd  # noqa: E402
import qgis_anchor  # noqa: E402
import shapely  # noqa: E402

from data.map_payload import MAP_LAYERS  # noqa: E402
from data.payload_cache import keep_payloads_of  # noqa: E402
from data.project import Project  # noqa: E402
from gis.crs import STORAGE_CRS  # noqa: E402
from gis.glossary import CaseCategory, FacilityKind, SiteStatus, UnitLevel  # noqa: E402

CENTRE = (112.60, 35.10)  # lon, lat
RADIUS_DEG = (0.55, 0.45)  # the county is a ~100 km x 100 km blob (~8,000 km²)
VERTEX_SPACING_M = 120  # boundary vertices every ~120 m (then warped: boundaries are not straight)
TOWNS = 20
WIDGET_SIZE = (1600, 1000)
OPENS, EDITS, FRAMES = 5, 10, 10
QGIS_OPENS, QGIS_FRAMES, QGIS_WINDOW_OPENS = 5, 2, 3  # QGIS frames: zoom in and out, pan there and back
TARGETS = {"open_ratio": 0.5, "frame": 0.100, "attribute_edit": 0.050, "zone_edit": 0.030, "window_ratio": 0.5,
           "close": 0.2, "import_mb": 300, "rss_mb": 1536}  # issue 13 (seconds, ratios to QGIS, MB)
SKIPPABLE = ("window", "import", "naive", "qgis")
CASE_WEIGHTS = {CaseCategory.CONFIRMED: 0.08, CaseCategory.ASYMPTOMATIC: 0.12, CaseCategory.SUSPECTED: 0.05,
                CaseCategory.CLOSE_CONTACT: 0.45, CaseCategory.SECONDARY_CONTACT: 0.30}
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
PLACE_MID = ["家", "庄", "沟", "河", "岭", "坡", "店", "营", "寨", "湾", "东", "西", "南", "北", "后", "前", "上", "下"]
PLACE_END = ["村", "庄村", "沟村", "屯村", "坪村", "峪村"]


# ------------------------------------------------------------------------------------------------ data


class City:
    """The synthetic city's units and grids (storage CRS), shared by both projects."""

    def __init__(self, units: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, county, rng: np.random.Generator,
                 town_centres: np.ndarray):
        self.units, self.grids, self.county, self.rng, self.town_centres = units, grids, county, rng, town_centres
        self.grid_tree = shapely.STRtree(grids.geometry.values)


def _blob(n: int = 1440):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 1 + 0.10 * np.sin(3 * t + 1) + 0.06 * np.sin(5 * t + 2) + 0.03 * np.sin(13 * t + 0.5)
    return shapely.Polygon(np.c_[CENTRE[0] + RADIUS_DEG[0] * r * np.cos(t), CENTRE[1] + RADIUS_DEG[1] * r * np.sin(t)])


def _inside(county, rng: np.random.Generator, n: int, around: np.ndarray | None = None, sigma: float = 0.0) -> np.ndarray:
    """``n`` random points inside ``county`` (uniform, or Gaussian around the given centres)."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = county.bounds
    shapely.prepare(county)
    while len(out) < n:
        m = int((n - len(out)) * 1.4) + 16
        if around is None:
            xy = np.c_[rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)]
        else:
            xy = around[rng.integers(0, len(around), m)] + rng.normal(0, sigma, (m, 2))
        out = np.vstack([out, xy[shapely.contains_xy(county, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _warp(geoms: np.ndarray, spacing_deg: float) -> np.ndarray:
    """Densify and bend every boundary by the same smooth displacement field (shared edges stay shared)."""
    if spacing_deg <= 0:
        return geoms
    geoms = shapely.segmentize(geoms, spacing_deg)
    coords = shapely.get_coordinates(geoms)
    x, y = coords[:, 0], coords[:, 1]
    k1, k2, a = 2 * np.pi / 0.0045, 2 * np.pi / 0.0061, 0.00022
    coords = np.c_[x + a * (np.sin(y * k1 + 0.3) + 0.6 * np.sin((x + y) * k2)),
                   y + a * (np.sin(x * k2 + 1.1) + 0.6 * np.sin((x - y) * k1))]
    return shapely.make_valid(shapely.set_coordinates(geoms, coords))


def _only_polygons(geoms: np.ndarray) -> np.ndarray:
    """(Multi)polygons only: drop the stray lines/points make_valid or an intersection can leave."""
    out = []
    for g in geoms:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
            out.append(shapely.MultiPolygon(parts))
    return np.array(out, dtype=object)


def _place_names(rng: np.random.Generator, n: int, suffix: list[str]) -> list[str]:
    names, seen = [], set()
    while len(names) < n:
        name = rng.choice(SURNAMES) + rng.choice(PLACE_MID) + rng.choice(suffix)
        if name in seen:
            name = f"{name[:-1]}{len(names) % 9 + 1}{name[-1]}"
        seen.add(name)
        names.append(name)
    return names


def build_city(n_units: int, n_grids: int, seed: int = 7, spacing_m: float = VERTEX_SPACING_M) -> City:
    """A county, ``TOWNS`` towns and villages/communities (``n_units`` in all), and ``n_grids`` grids that
    split the villages, as Voronoi cells of clustered seeds with boundaries densified to a vertex every
    ``spacing_m`` metres (scaled up for fewer, larger units) and bent."""
    spacing_deg = spacing_m / 100_000 * (5000 / n_units) ** 0.5
    rng = np.random.default_rng(seed)
    county = _blob()
    n_villages = n_units - 1 - TOWNS
    town_centres = _inside(county, rng, TOWNS)
    dense = int(n_villages * 0.35)  # villages are smaller near town centres (communities)
    seeds = np.vstack([_inside(county, rng, n_villages - dense),
                       _inside(county, rng, dense, around=town_centres, sigma=0.03)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=county.envelope,
                                                       ordered=True))
    cells = _only_polygons(shapely.intersection(cells, county))
    keep = ~shapely.is_empty(cells) & (shapely.area(cells) > 0)
    cells, seeds = cells[keep], seeds[keep]
    n_villages = len(cells)
    dist = np.hypot(seeds[:, None, 0] - town_centres[None, :, 0], seeds[:, None, 1] - town_centres[None, :, 1])
    town_of = dist.argmin(axis=1)
    community = dist.min(axis=1) < 0.025
    towns = np.array([shapely.union_all(cells[town_of == t]) for t in range(TOWNS)], dtype=object)

    # grids: every village cut in two by a vertical line through its centroid (grids nest in villages)
    cx = shapely.get_x(shapely.centroid(cells))
    b = shapely.bounds(cells)
    halves = [shapely.intersection(cells, shapely.box(b[:, 0] - 1, b[:, 1] - 1, cx, b[:, 3] + 1)),
              shapely.intersection(cells, shapely.box(cx, b[:, 1] - 1, b[:, 2] + 1, b[:, 3] + 1))]
    grid_cells = _only_polygons(np.concatenate(halves))
    grid_village = np.concatenate([np.arange(n_villages)] * 2)
    extra = n_grids - len(grid_cells)  # (n_grids = 2 x villages here; cut more if asked for more)
    if extra > 0:
        big = np.argsort(-shapely.area(grid_cells))[:extra]
        gb = shapely.bounds(grid_cells[big])
        cy = (gb[:, 1] + gb[:, 3]) / 2
        top = shapely.intersection(grid_cells[big], shapely.box(gb[:, 0] - 1, cy, gb[:, 2] + 1, gb[:, 3] + 1))
        bottom = shapely.intersection(grid_cells[big], shapely.box(gb[:, 0] - 1, gb[:, 1] - 1, gb[:, 2] + 1, cy))
        grid_cells[big] = _only_polygons(bottom)
        grid_cells = np.concatenate([grid_cells, _only_polygons(top)])
        grid_village = np.concatenate([grid_village, grid_village[big]])
    grid_cells, grid_village = grid_cells[:n_grids], grid_village[:n_grids]

    county_w, towns_w, cells_w, grids_w = (_warp(np.array([county], dtype=object), spacing_deg)[0],
                                           _warp(towns, spacing_deg), _warp(cells, spacing_deg),
                                           _warp(grid_cells, spacing_deg))

    county_code = "419999000000"
    town_codes = [f"419999{t + 1:03d}000" for t in range(TOWNS)]
    village_codes = [f"419999{t + 1:02d}{i + 1:04d}" for i, t in enumerate(town_of)]
    town_names = [rng.choice(SURNAMES) + rng.choice(["店镇", "庄镇", "河乡", "寨镇", "岭乡", "山街道"]) for _ in range(TOWNS)]
    village_names = _place_names(rng, n_villages, PLACE_END)
    village_names = [f"{n[:-1]}社区" if c else n for n, c in zip(village_names, community, strict=True)]
    pop = rng.integers(300, 6000, n_villages)
    units = gpd.GeoDataFrame({
        "code": [county_code, *town_codes, *village_codes],
        "name": ["示例市（基准测试）", *town_names, *village_names],
        "level": [UnitLevel.COUNTY.value] + [UnitLevel.TOWN.value] * TOWNS
        + [UnitLevel.COMMUNITY.value if c else UnitLevel.VILLAGE.value for c in community],
        "parent_code": [None] + [county_code] * TOWNS + [town_codes[t] for t in town_of],
        "population": [int(pop.sum())] + [int(pop[town_of == t].sum()) for t in range(TOWNS)] + pop.tolist(),
        "households": [int(pop.sum() / 2.8)] + [int(pop[town_of == t].sum() / 2.8) for t in range(TOWNS)]
        + (pop / 2.8).astype(int).tolist(),
    }, geometry=[county_w, *towns_w, *cells_w], crs=STORAGE_CRS)
    per_village = np.zeros(n_villages, dtype=int)
    grid_codes, grid_names = [], []
    for v in grid_village:
        per_village[v] += 1
        grid_codes.append(f"{village_codes[v]}G{per_village[v]:02d}")
        grid_names.append(f"{village_names[v]}第{per_village[v]}网格")
    gpop = (pop[grid_village] / 2).astype(int)
    grids = gpd.GeoDataFrame({
        "code": grid_codes, "name": grid_names, "unit_code": [village_codes[v] for v in grid_village],
        "population": gpop, "households": (gpop / 2.8).astype(int),
        "worker": [rng.choice(SURNAMES) + rng.choice(list("建国华明丽红军平伟芳")) for _ in grid_village],
        "phone": [f"13{rng.integers(0, 10**9):09d}" for _ in grid_village],
    }, geometry=grids_w, crs=STORAGE_CRS)
    return City(units, grids, county_w, rng, town_centres)


def site_and_facility_frames(city: City) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A few isolation sites and facilities, so every layer of the page has something to draw."""
    rng = city.rng
    xy = _inside(city.county, rng, 60)
    rooms = rng.integers(20, 400, 60)
    sites = gpd.GeoDataFrame({
        "name": [f"隔离点{i + 1}号（酒店）" for i in range(60)], "rooms": rooms,
        "occupied": (rooms * rng.uniform(0, 1, 60)).astype(int),
        "status": rng.choice([s.value for s in SiteStatus], 60, p=[0.6, 0.3, 0.1]),
        "address": [f"示例路{i + 1}号" for i in range(60)],
    }, geometry=shapely.points(xy), crs=STORAGE_CRS)
    xy = _inside(city.county, rng, 150)
    facilities = gpd.GeoDataFrame({
        "name": [f"设施{i + 1}" for i in range(150)], "kind": rng.choice([k.value for k in FacilityKind], 150),
        "capacity": rng.integers(10, 500, 150),
    }, geometry=shapely.points(xy), crs=STORAGE_CRS)
    return sites, facilities


def case_frame(city: City, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` cases and contacts: 90% in outbreak clusters of heavy-tailed size around towns, 10% scattered."""
    rng = np.random.default_rng(seed)
    n_clusters = max(20, n // 300)
    centres = np.vstack([_inside(city.county, rng, n_clusters // 2),
                         _inside(city.county, rng, n_clusters - n_clusters // 2, around=city.town_centres, sigma=0.04)])
    weights = rng.pareto(1.3, n_clusters) + 0.2
    sigma = rng.uniform(0.0015, 0.008, n_clusters)  # ~150 m .. 800 m
    clustered = int(n * 0.9)
    out = np.empty((0, 2))
    shapely.prepare(city.county)
    while len(out) < clustered:
        m = int((clustered - len(out)) * 1.2) + 16
        which = rng.choice(n_clusters, m, p=weights / weights.sum())
        xy = centres[which] + rng.normal(0, 1, (m, 2)) * sigma[which, None]
        out = np.vstack([out, xy[shapely.contains_xy(city.county, xy[:, 0], xy[:, 1])]])
    xy = np.vstack([out[:clustered], _inside(city.county, rng, n - clustered)])
    rng.shuffle(xy)
    points = shapely.points(xy)
    hit_point, hit_grid = city.grid_tree.query(points, predicate="within")
    grid_of = np.full(n, -1)
    grid_of[hit_point[::-1]] = hit_grid[::-1]  # the first grid found wins
    codes = city.grids["code"].to_numpy(dtype=object)
    grid_code = np.where(grid_of >= 0, codes[np.maximum(grid_of, 0)], None)
    categories = list(CASE_WEIGHTS)
    category = np.array([c.value for c in categories], dtype=object)[
        rng.choice(len(categories), n, p=np.array(list(CASE_WEIGHTS.values())))]
    day = rng.integers(0, 28, n)
    reported = (np.datetime64("2026-10-20T08:00") + day.astype("timedelta64[D]")
                + rng.integers(0, 600, n).astype("timedelta64[m]")).astype(str)
    return gpd.GeoDataFrame({
        "case_no": np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object),
        "category": category, "reported_at": reported.astype(object), "grid_code": grid_code,
        "status": rng.choice(["在管", "已转运", "已解除"], n, p=[0.6, 0.25, 0.15]).astype(object),
    }, geometry=points, crs=STORAGE_CRS)


def insert(project: Project, layer: str, frame: gpd.GeoDataFrame, chunk: int = 200_000) -> None:
    for start in range(0, len(frame), chunk):
        with project.transaction() as edit:
            edit.insert(layer, frame.iloc[start:start + chunk], log_each=False)


def city_paths(folder: Path, scale: float) -> tuple[Path, Path]:
    """Where the 100k and the 1M project of ``scale`` live in ``folder``."""
    return folder / f"city_{int(100_000 * scale)}.gpkg", folder / f"city_{int(1_000_000 * scale)}.gpkg"


def build_projects(folder: Path, scale: float, spacing_m: float = VERTEX_SPACING_M) -> dict:
    """Write the 100k project and the 1M project (same units and grids) into ``folder``; returns build timings."""
    timings = {}
    n_units, n_grids = int(5000 * scale), int(10000 * scale)
    small_path, big_path = city_paths(folder, scale)
    t = time.perf_counter()
    city = build_city(n_units, n_grids, spacing_m=spacing_m)
    sites, facilities = site_and_facility_frames(city)
    timings["generate units and grids"] = time.perf_counter() - t
    t = time.perf_counter()
    base = Project.create(folder / "base.gpkg", name="示例市（基准测试）", county_code="419999", overwrite=True)
    insert(base, "admin_units", city.units)
    insert(base, "grids", city.grids)
    insert(base, "isolation_sites", sites)
    insert(base, "facilities", facilities)
    timings["insert units and grids"] = time.perf_counter() - t
    for path, seed in ((small_path, 11), (big_path, 12)):
        n = int(path.stem.split("_")[1])
        project = base.save_as(path)
        t = time.perf_counter()
        cases = case_frame(city, n, seed)
        timings[f"generate {n:,} cases"] = time.perf_counter() - t
        t = time.perf_counter()
        insert(project, "cases", cases)
        timings[f"insert {n:,} cases"] = time.perf_counter() - t
        project.close()
        del cases
    base.close()
    (folder / "base.gpkg").unlink()
    return timings


def project_facts(small: Path, big: Path) -> dict:
    """What the page has to draw: feature counts and polygon vertices of the two projects."""
    project = Project.open(small)
    facts = {"units": project.count("admin_units"), "grids": project.count("grids"), "small": project.count("cases"),
             "units_vertices": int(shapely.get_num_coordinates(project.read_layer("admin_units").geometry.values).sum()),
             "grids_vertices": int(shapely.get_num_coordinates(project.read_layer("grids").geometry.values).sum())}
    project.close()
    project = Project.open(big)
    facts["big"] = project.count("cases")
    project.close()
    return facts


def label_of(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


# ------------------------------------------------------------------------------------------------ Qt helpers


def wait_signal(signal, timeout_s: float, accept: Callable[..., bool] = lambda *a: True):
    """Run the event loop until ``signal`` fires with arguments ``accept`` likes; returns (time, args)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, box = QEventLoop(), []

    def on(*args):
        if not box and accept(*args):
            box.append((time.perf_counter(), args))
            loop.quit()

    signal.connect(on)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(timeout_s * 1000))
    if not box:
        loop.exec()
    timer.stop()
    signal.disconnect(on)
    if not box:
        raise TimeoutError(f"no signal within {timeout_s} s")
    return box[0]


def wait_until(done: Callable[[], bool], timeout_s: float) -> None:
    """Run the event loop until ``done()`` holds (checked every 2 ms; times are taken by the slots)."""
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not done within {timeout_s} s")
        sleep(2)


def sleep(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(widget, timeout_s: float = 30) -> None:
    """Let an open's work after the first drawing end (the grid shading read, the kept payloads written, the page's
    fill caches) before the next measurement, as a user does not reopen a project within a second."""
    from data import payload_cache

    sleep(700)  # the page's fill caches, and the writer's half second of quiet
    deadline = time.perf_counter() + timeout_s
    while widget.background_reads() and time.perf_counter() < deadline:
        sleep(100)
    payload_cache.wait_written(max(0.0, deadline - time.perf_counter()))
    sleep(200)


def js(view, script: str, timeout_s: float = 60):
    """Run ``script`` in the page's main world and return its (JSON-able) value."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, box = QEventLoop(), []

    def done(value):
        box.append(value)
        loop.quit()

    view.page().runJavaScript(script, 0, done)
    if not box:
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
    if not box:
        raise TimeoutError(script[:60])
    return box[0]


def js_async(view, body: str, timeout_s: float = 120):
    """Run an async JavaScript function body; poll (every 50 ms, without busy-waiting) for its JSON result."""
    js(view, "window.__cordonBench = undefined; (async () => {" + body + "})()"
             ".then((r) => { window.__cordonBench = JSON.stringify(r === undefined ? null : r); })"
             ".catch((e) => { window.__cordonBench = JSON.stringify({error: String(e && e.stack || e)}); }); true")
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        value = js(view, "window.__cordonBench === undefined ? '' : window.__cordonBench")
        if value:
            result = json.loads(value)
            if isinstance(result, dict) and "error" in result:
                raise RuntimeError(result["error"])
            return result
        sleep(50)
    raise TimeoutError("page script did not finish")


# ------------------------------------------------------------------------------------------------ measurements

FRAME_JS = """
const map = Object.keys(window).filter((k) => k.startsWith('map_')).map((k) => window[k]).find((v) => v instanceof L.Map);
const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const view = %(view)s;
if (view) { map.setView([view[1], view[0]], view[2], {animate: false}); await frames(); await frames(); }
const z0 = map.getZoom(), out = {zoom: [], pan: [], z0};
for (let i = 0; i < %(n)d; i++) {          // in, out, in, out ...
  const t = performance.now();
  map.setZoom(i %% 2 ? z0 : z0 + 1, {animate: false});
  await frames();
  out.zoom.push(performance.now() - t);
}
for (let i = 0; i < %(n)d; i++) {          // there and back
  const t = performance.now();
  map.panBy(i %% 2 ? [-300, -200] : [300, 200], {animate: false});
  await frames();
  out.pan.push(performance.now() - t);
}
return out;
"""

FETCH_PROBE_JS = """(() => {  // injected at document creation: when each layer payload reaches the page
  const probe = window.__cordonFetches = [];
  const fetch0 = window.fetch;
  window.fetch = async function (url, ...rest) {
    const name = String(url).includes('/layer/') ? String(url).split('/layer/')[1].split('?')[0] : null;
    const start = performance.now();
    const response = await fetch0.call(this, url, ...rest);
    if (!name) return response;
    const body = response.arrayBuffer.bind(response);
    response.arrayBuffer = async () => {
      const buffer = await body();
      probe.push({layer: name, start, end: performance.now()});
      return buffer;
    };
    return response;
  };
})();"""


def install_fetch_probe(widget) -> None:
    from PySide6.QtWebEngineCore import QWebEngineScript

    script = QWebEngineScript()
    script.setName("cordon-bench-fetch-probe")
    script.setSourceCode(FETCH_PROBE_JS)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(0)
    widget.page().scripts().insert(script)


def measure_ours(widget, path: Path, n_cases: int, label: str, street: tuple[float, float], *,
                 attribute_edits: bool) -> dict:
    """Open -> drawn (OPENS times, each from a newly opened file), zone edits (EDITS), attribute edits (EDITS,
    when asked), and pan/zoom frames for one project."""
    from PySide6.QtGui import QUndoStack

    from data.zone_store import zone_record
    from desktop.store_command import StoreCommand
    from gis.zoning.shapes import circle_polygon

    result: dict = {"label": label, "opens": [], "js_ms": [], "edits": [], "edit_js_ms": []}
    payload_times: dict[str, tuple[float, int]] = {}

    def timed_payload(name: str, datum: str) -> bytes:
        start = time.perf_counter()
        data = widget._payload(name, datum)
        payload_times[name] = (time.perf_counter() - start, len(data))
        return data

    widget.scheme.layer_source = timed_payload

    def timed_open(target: Path) -> Project:
        """Open ``target`` in the widget until every layer is drawn; its time goes into ``result["opens"]``."""
        payload_times.clear()
        ready_at: list[float] = []

        def on_ready(ready_at=ready_at):
            ready_at.append(time.perf_counter())

        widget.ready.connect(on_ready)
        start = time.perf_counter()
        project = Project.open(target)
        widget.set_project(project)
        returned = time.perf_counter()
        at, (report,) = wait_signal(widget.layersDrawn, 300)
        widget.ready.disconnect(on_ready)
        if report.get("failed") or report["counts"].get("cases") != n_cases:
            raise RuntimeError(f"{label}: page did not draw every layer: {report}")
        result["opens"].append(at - start)
        result["js_ms"].append(report["ms"])
        fetches = js(widget, "JSON.stringify(window.__cordonFetches || [])")
        fetches = json.loads(fetches) if fetches else []
        result["breakdown"] = {
            "Project.open() + set_project() (page HTML, config)": returned - start,
            "set_project() -> pageReady": (ready_at[0] - returned) if ready_at else float("nan"),
            "reloadLayers -> layersDrawn (page clock)": report["ms"] / 1000,
            "payloads (Python, worker threads)": {k: v for k, v in sorted(payload_times.items())},
            "fetches (page clock, from first request)": _fetch_spans(fetches),
        }
        result["counts"] = report["counts"]
        settle(widget)
        return project

    timed_open(without_kept_payloads(path))
    result["unkept_open"] = result["opens"].pop()
    project = None
    for _ in range(OPENS):
        project = timed_open(path)

    # one zone edit -> on screen
    stack = QUndoStack()
    rng = np.random.default_rng(5)
    outline = project.county_outline()
    minx, miny, maxx, maxy = outline.bounds
    tiers = ["sealed", "controlled", "precaution"]
    before = project.count("control_zones")
    for i in range(EDITS):
        while True:
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if outline.contains(shapely.Point(lon, lat)):
                break
        radius = float(rng.uniform(300, 2000))
        record = zone_record(circle_polygon(lon, lat, radius), tier=tiers[i % 3],
                             kind="circle", name=f"基准测试管控圈{i + 1}", radius_m=radius)
        expected = before + i + 1
        command = StoreCommand.edit(project, "bench zone", lambda edit, record=record: edit.insert("control_zones", record))
        start = time.perf_counter()
        stack.push(command)
        at, (report,) = wait_signal(widget.layersDrawn, 60,
                                    lambda r, expected=expected: r["counts"].get("control_zones") == expected)
        result["edits"].append(at - start)
        result["edit_js_ms"].append(report["ms"])
        sleep(150)

    if attribute_edits:
        result["attribute"] = measure_attribute_edits(widget, project)

    # pan/zoom frames: city view (the whole county) and street view (z15 over the densest cluster of cases)
    result["frames"] = {}
    for name, view in (("city", None), ("street", street)):
        spec = "null" if view is None else json.dumps([view[0], view[1], 15])
        if name == "city":
            js(widget, f"cordon.fitBounds({json.dumps(list(outline.bounds))}); true")
            sleep(300)
        frames = js_async(widget, FRAME_JS % {"view": spec, "n": FRAMES})
        result["frames"][name] = frames
    return result


def measure_attribute_edits(widget, project: Project) -> dict:
    """Change one case's category at a time in the attribute table, as its editor commits a value
    (``LayerTableModel.setData``; the AttributeDock pushes the StoreCommand): seconds until the table shows
    the new value and until the page reports the layers redrawn (the first ``layersDrawn`` after the edit),
    EDITS times, on rows spread over the layer."""
    from PySide6.QtGui import QUndoStack

    from desktop.attribute_dock import AttributeDock

    dock = AttributeDock(project, QUndoStack())
    dock.show_layer("cases")
    dock.resize(900, 400)
    dock.show()
    sleep(300)
    model = dock.model
    column = model.column_of("category")
    values = [category.value for category in CASE_WEIGHTS]
    want: dict = {}
    seen: dict = {}

    def table_shows() -> bool:
        row = model.row_of(want["fid"])
        return row is not None and model.stored_value(model.index(row, column)) == want["value"]

    def on_table(*_args) -> None:
        if want and "table" not in seen and table_shows():
            seen["table"] = time.perf_counter()

    def on_drawn(report: dict) -> None:
        if want and "map" not in seen:
            seen["map"], seen["patched"] = time.perf_counter(), report.get("patched") or []

    def done() -> bool:
        on_table()  # polled as well (every 2 ms): the table may show the value after any model signal
        return "table" in seen and "map" in seen

    model.dataChanged.connect(on_table)
    model.modelReset.connect(on_table)
    widget.layersDrawn.connect(on_drawn)
    out = {"edits": [], "table": [], "map": [], "patched": []}
    for i in range(EDITS):
        row = (i * 7919 + 13) % model.rowCount()
        index = model.index(row, column)
        value = next(v for v in values if v != model.stored_value(index))
        seen.clear()
        want.update(fid=model.fid(row), value=value)
        start = time.perf_counter()
        if not model.setData(index, value):
            raise RuntimeError(f"the table refused {value!r} for feature {want['fid']}")
        wait_until(done, 60)
        out["table"].append(seen["table"] - start)
        out["map"].append(seen["map"] - start)
        out["edits"].append(max(seen["table"], seen["map"]) - start)
        out["patched"].append(seen["patched"])
        want.clear()
        sleep(150)
    widget.layersDrawn.disconnect(on_drawn)
    dock.close()
    dock.deleteLater()
    return out


def _fetch_spans(fetches: list[dict]) -> dict:
    """Per layer: (request sent, payload in hand) in ms after the first request (the page's clock)."""
    if not fetches:
        return {}
    t0 = min(f["start"] for f in fetches)
    return {f["layer"]: (f["start"] - t0, f["end"] - t0) for f in fetches}


def densest_point(path: Path) -> tuple[float, float]:
    """The centre of the densest cluster of cases (street view is drawn there)."""
    project = Project.open(path)
    _, x, y, _ = project.read_points("cases", ["category"])
    project.close()
    h, xe, ye = np.histogram2d(x, y, bins=200)
    i, j = np.unravel_index(h.argmax(), h.shape)
    return float((xe[i] + xe[i + 1]) / 2), float((ye[j] + ye[j + 1]) / 2)


def county_bounds(path: Path) -> list[float]:
    """The county's bounds (lon/lat): the extent the map fits, and QGIS draws."""
    project = Project.open(path)
    bounds = list(project.county_outline().bounds)
    project.close()
    return bounds


# ------------------------------------------------------------------------------------------------ naive


def build_naive_html(project: Project, out: Path) -> dict:
    """The naive page: folium.GeoJson layers for units, grids and cases (CircleMarkers), one HTML file.

    folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; offline that page stays blank (no
    Leaflet, so nothing is drawn). Leaflet's links are pointed at resources/web/node_modules instead and
    the other CDN files (unused by GeoJson layers) are dropped."""
    import folium

    from gis import symbology

    sym = symbology.as_dict()
    start = time.perf_counter()
    units = project.read_layer("admin_units")[["code", "name", "level", "geometry"]]
    grids = project.read_layer("grids")[["code", "name", "geometry"]]
    cases = project.read_layer("cases")[["case_no", "category", "geometry"]]
    read = time.perf_counter() - start
    minx, miny, maxx, maxy = units.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None)
    leaflet = (ROOT / "resources" / "web" / "node_modules" / "leaflet" / "dist").as_uri()
    fmap.default_js = [("leaflet", f"{leaflet}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{leaflet}/leaflet.css")]
    folium.GeoJson(grids, name="网格",
                   style_function=lambda f: {"color": "#b0b0b0", "weight": 0.4, "fillOpacity": 0}).add_to(fmap)
    folium.GeoJson(units, name="行政区划",
                   style_function=lambda f: {"color": sym["units"][f["properties"]["level"]]["colour"],
                                             "weight": sym["units"][f["properties"]["level"]]["width"],
                                             "fillOpacity": 0}).add_to(fmap)
    folium.GeoJson(cases, name="病例", marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.9),
                   style_function=lambda f: {"color": "#ffffff",
                                             "fillColor": sym["cases"][f["properties"]["category"]]}).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    html = fmap.get_root().render()
    out.write_text(html, encoding="utf-8")
    remote = sorted({part.split('"')[0] for part in html.split('src="https://')[1:]}
                    | {part.split('"')[0] for part in html.split('href="https://')[1:]})
    return {"read_s": read, "build_s": time.perf_counter() - start, "bytes": out.stat().st_size,
            "remote_links": remote}


def measure_naive(html: Path) -> dict:
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

    view = QWebEngineView()
    profile = QWebEngineProfile()  # off the record, like the map's
    page = QWebEnginePage(profile)
    view.setPage(page)
    view.resize(*WIDGET_SIZE)
    view.show()
    start = time.perf_counter()
    view.load(QUrl.fromLocalFile(str(html)))
    loaded_at, (ok,) = wait_signal(view.loadFinished, 600)
    js(view, "requestAnimationFrame(() => requestAnimationFrame(() => { document.title = 'cordon-drawn'; })); true")
    drawn_at, _ = wait_signal(view.titleChanged, 600, lambda title: title == "cordon-drawn")
    counts = js(view, "JSON.stringify(Object.keys(window).filter((k) => k.startsWith('geo_json_')"
                      " && window[k] instanceof L.GeoJSON).map((k) => window[k].getLayers().length))")
    leaflet = js(view, "typeof L")
    view.close()
    page.deleteLater()  # the page before its profile
    sleep(200)
    view.deleteLater()
    profile.deleteLater()
    sleep(300)
    return {"ok": ok, "load_s": loaded_at - start, "drawn_s": drawn_at - start,
            "counts": json.loads(counts or "[]"), "leaflet": leaflet}


# ------------------------------------------------------------------------------------------------ report


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratio(ours: float, anchor: float | None) -> float | None:
    return ours / anchor if anchor else None


class Table:
    """The report: measurement | Cordon | anchor | ratio | target | result."""

    def __init__(self, anchor_note: str):
        self.rows: list[tuple] = []
        self.anchor_note = anchor_note  # what the QGIS column says when QGIS did not run

    def add(self, name: str, ours: str, anchor: str = "", ratio: float | None = None, target: str = "",
            ok: bool | None = None) -> None:
        self.rows.append((name, ours, anchor, "" if ratio is None else f"{ratio:.2f}x", target,
                          "" if ok is None else ("PASS" if ok else "FAIL")))

    def ratio_row(self, name: str, ours: float, anchor: float | None, anchor_text: str, limit: float) -> None:
        """A row judged as a ratio to the anchor (no verdict without one)."""
        ratio = _ratio(ours, anchor)
        self.add(name, _fmt_s(ours), anchor_text if anchor else self.anchor_note, ratio, f"<= {limit} x QGIS",
                 None if ratio is None else ratio <= limit)

    def print(self) -> None:
        head = ("measurement", "Cordon", "anchor", "ratio", "target", "result")
        widths = [max(len(str(row[i])) for row in [head, *self.rows]) for i in range(6)]
        for row in [head, None, *self.rows]:
            if row is None:
                print("-" * (sum(widths) + 3 * 5))
                continue
            print(" | ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                             for i, (cell, width) in enumerate(zip(row, widths, strict=True))))


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} / {max(values):.0f} ms"


def report_rows(table: Table, ours: list[dict], qgis: dict | None, judged_zone: str) -> None:
    """The map rows: opens (first and median; with no payloads kept) against QGIS, edits and frames."""
    for result in ours:
        label, opens = result["label"], result["opens"]
        q = (qgis or {}).get(label, {})
        q_opens = q.get("opens")
        table.ratio_row(f"{label}: open -> all layers drawn, first open of the file as Cordon wrote it", opens[0],
                        q_opens[0] if q_opens else None, _fmt_s(q_opens[0]) if q_opens else "",
                        TARGETS["open_ratio"])
        unkept = result["unkept_open"]
        table.add(f"{label}: open -> all layers drawn, first open with no payloads kept (another program wrote "
                  f"every layer)", _fmt_s(unkept), _fmt_s(q_opens[0]) if q_opens else table.anchor_note,
                  _ratio(unkept, q_opens[0] if q_opens else None), "(not judged: reported)", None)
        med = statistics.median(opens)
        q_med = statistics.median(q_opens) if q_opens else None
        ratio = _ratio(med, q_med)
        table.add(f"{label}: open -> all layers drawn (min / median of {len(opens)})",
                  f"{_fmt_s(min(opens))} / {_fmt_s(med)}",
                  f"{_fmt_s(min(q_opens))} / {_fmt_s(q_med)}" if q_opens else table.anchor_note, ratio,
                  f"<= {TARGETS['open_ratio']} x QGIS", None if ratio is None else ratio <= TARGETS["open_ratio"])
        edits = result["edits"]
        judged = label == judged_zone
        table.add(f"{label}: zone edit -> on screen (median / max of {len(edits)})", _ms([e * 1000 for e in edits]),
                  "", None, f"<= {_fmt_s(TARGETS['zone_edit'])}" if judged else "(judged on the smaller file)",
                  statistics.median(edits) <= TARGETS["zone_edit"] if judged else None)
        if "attribute" in result:
            a = result["attribute"]
            table.add(f"{label}: attribute edit -> table and map updated (median / max of {len(a['edits'])})",
                      _ms([e * 1000 for e in a["edits"]]), "", None, f"<= {_fmt_s(TARGETS['attribute_edit'])}",
                      statistics.median(a["edits"]) <= TARGETS["attribute_edit"])
        for view, frames in result["frames"].items():
            q_frames = q.get("frames", {}).get(view)
            for kind in ("zoom", "pan"):
                ms = frames[kind]
                q_ms = q_frames[kind] if q_frames else None
                table.add(f"{label}: {kind} frame, {view} view z{frames['z0']:g} (median / max of {len(ms)})",
                          _ms(ms), _ms(q_ms) if q_ms else table.anchor_note, _ratio(max(ms), max(q_ms) if q_ms else None),
                          f"<= {_fmt_s(TARGETS['frame'])} every frame", max(ms) / 1000 <= TARGETS["frame"])


def window_rows(table: Table, window: dict, qgis: dict | None, n: int) -> None:
    """The window rows: the cost of ``n`` cases in ``snapshot`` against QGIS, peak RSS, close."""
    label = label_of(n)
    if "big" in window:
        cost = window["big"]["wall"] - window["plain"]["wall"]
        qgis = qgis if qgis and "window_big" in qgis and "window_plain" in qgis else None
        q_big = statistics.median(qgis["window_big"]["opens"]) if qgis else None
        q_plain = statistics.median(qgis["window_plain"]["opens"]) if qgis else None
        cold = window["big_cold"]["wall"] - window["plain_cold"]["wall"]
        table.ratio_row(f"window, first open of each file: cost of {label} cases vs QGIS open + draw of the file",
                        cold, q_big, _fmt_s(q_big) if q_big else "", TARGETS["window_ratio"])
        table.add(f"window snapshot (second open): sample county / + {label} cases (wall clock)",
                  f"{window['plain']['wall']:.1f} s / {window['big']['wall']:.1f} s",
                  f"{_fmt_s(q_plain)} / {_fmt_s(q_big)}" if qgis else table.anchor_note)
        table.ratio_row(f"window: cost of {label} cases (snapshot with - without) vs QGIS open + draw of the file",
                        cost, q_big, _fmt_s(q_big) if q_big else "", TARGETS["window_ratio"])
        table.ratio_row(f"window: cost of {label} cases vs QGIS (open + draw with - without)", cost,
                        q_big - q_plain if qgis else None, _fmt_s(q_big - q_plain) if qgis else "",
                        TARGETS["window_ratio"])
        if "big_dashboard" in window:
            cost = window["big_dashboard"]["wall"] - window["plain_dashboard"]["wall"]
            table.ratio_row(f"window, dashboard raised (its capacity tab read): cost of {label} cases vs QGIS open + "
                            "draw of the file", cost, q_big, _fmt_s(q_big) if q_big else "", TARGETS["window_ratio"])
        rss = max(window[key]["rss_mb"] for key in ("big_cold", "big", "big_dashboard") if key in window)
        table.add(f"window: peak RSS at {label} cases (snapshot process)", f"{rss:.0f} MB", "", None,
                  f"<= {TARGETS['rss_mb'] / 1024:.1f} GB", rss <= TARGETS["rss_mb"])
    if "close" in window:
        closed = window["close"]
        busy = "docks still loading" if closed["busy"] else "docks had finished"
        table.add(f"window: close while the docks load ({busy})", _fmt_s(closed["close_s"]), "", None,
                  f"<= {_fmt_s(TARGETS['close'])}", closed["close_s"] <= TARGETS["close"])


def import_row(table: Table, imported: dict, rows: int) -> None:
    seconds, peak, _ = imported["cordon"]
    ogr = imported["ogr2ogr"]
    table.add(f"import a {label_of(rows)}-row CSV of cases (wall, peak RSS)", f"{seconds:.1f} s, {peak:.0f} MB",
              f"ogr2ogr {ogr[0]:.1f} s, {ogr[1]:.0f} MB" if ogr else "ogr2ogr not installed",
              _ratio(seconds, ogr[0] if ogr else None), f"<= ogr2ogr, <= {TARGETS['import_mb']} MB",
              (seconds <= ogr[0] if ogr else True) and peak <= TARGETS["import_mb"])


def print_details(build: dict, facts: dict, ours: list[dict], qgis: dict | None, naive: dict | None,
                  window: dict, imported: dict | None) -> None:
    """Below the table: where the open time went, every figure measured, the naive page, QGIS's setup."""
    if build:
        print("build (not part of the targets): " + ", ".join(f"{k} {v:.1f} s" for k, v in build.items()))
    print()
    print("where the open time goes (last open of each):")
    for result in ours:
        b = result["breakdown"]
        print(f"  {result['label']}: opens {[round(s, 2) for s in result['opens']]} s; "
              f"Project.open() + set_project() {_fmt_s(b['Project.open() + set_project() (page HTML, config)'])}, "
              f"set_project() -> pageReady {_fmt_s(b['set_project() -> pageReady'])}, "
              f"reloadLayers -> drawn (page clock) {_fmt_s(b['reloadLayers -> layersDrawn (page clock)'])}; "
              f"JS reloadLayers ms per open {[round(m) for m in result['js_ms']]}")
        for name, (secs, size) in b["payloads (Python, worker threads)"].items():
            span = b["fetches (page clock, from first request)"].get(name)
            fetched = f", requested at {span[0]:4.0f} ms, in the page at {span[1]:5.0f} ms" if span else ""
            print(f"    {name:<16} payload {secs * 1000:7.1f} ms {size / 1e6:7.2f} MB{fetched}")
        print(f"  {result['label']}: zone edit ms {[round(e * 1000) for e in result['edits']]}, "
              f"JS ms {[round(m) for m in result['edit_js_ms']]}")
        if "attribute" in result:
            a = result["attribute"]
            print(f"  {result['label']}: attribute edit ms {[round(e * 1000) for e in a['edits']]}: table "
                  f"{[round(e * 1000) for e in a['table']]}, map {[round(e * 1000) for e in a['map']]}; "
                  f"patched layers {a['patched'][-1]}")
        print(f"  {result['label']}: frames ms: " + "; ".join(
            f"{v} zoom {[round(x) for x in f['zoom']]} pan {[round(x) for x in f['pan']]}"
            for v, f in result["frames"].items()))
    if qgis and "version" in qgis:
        print()
        print(f"QGIS {qgis['version']} ({qgis['renderer']}, EPSG:3857, {WIDGET_SIZE[0]}x{WIDGET_SIZE[1]}; new layers "
              "for every open, no render cache: every frame redraws every layer):")
        for key, entry in qgis.items():
            if isinstance(entry, dict):
                frames = "; ".join(f"{v} z{f['z0']:g} zoom {[round(x) for x in f['zoom']]} pan "
                                   f"{[round(x) for x in f['pan']]}" for v, f in entry["frames"].items())
                print(f"  {key}: opens {[round(s, 2) for s in entry['opens']]} s; features {entry['features']}"
                      + (f"; frames ms: {frames}" if frames else ""))
    if naive:
        small = statistics.median(ours[0]["opens"])
        print()
        print(f"naive folium page, {facts['small']:,} cases: loadFinished after {naive['load_s']:.2f} s, drawn after "
              f"{naive['drawn_s']:.2f} s (naive / ours {naive['drawn_s'] / small:.1f}x; its HTML built in "
              f"{naive['build_s']:.1f} s beforehand, {naive['bytes'] / 1e6:.1f} MB; with that: "
              f"{(naive['drawn_s'] + naive['build_s']) / small:.1f}x); features per GeoJson layer {naive['counts']} "
              f"(Leaflet: {naive['leaflet']})")
        print("  folium's own page links Leaflet/jQuery/Bootstrap/Font Awesome from CDNs: offline it stays blank. "
              "Here Leaflet was pointed at resources/web/node_modules (file://) and the rest dropped; "
              f"remote links left: {naive['remote_links'] or 'none'}. Naive at 1M cases: not measured.")
    if "big" in window:
        print()
        print(f"window: snapshot peak RSS {window['plain']['rss_mb']:.0f} MB plain, {window['big']['rss_mb']:.0f} MB with "
              "the extra cases" + (f"; after close() the window was hidden: {window['close']['hidden']}"
                                   if "close" in window else ""))
    if imported:
        print()
        print(f"import: CSV of {imported['csv_mb']:.0f} MB; Cordon says: {imported['cordon'][2]}")


# ------------------------------------------------------------------------------------------------ main


def _skips(values: list[str]) -> set[str]:
    skip = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = skip - set(SKIPPABLE)
    if unknown:
        raise SystemExit(f"--skip takes {', '.join(SKIPPABLE)} (not {', '.join(sorted(unknown))})")
    return skip


def _attempt(part: str, failed: dict, measure: Callable, *args, **kwargs):
    """``measure(*args, **kwargs)``, or None with the first line of why it failed kept in ``failed[part]``: one broken
    part does not lose the rest of a long run."""
    try:
        result = measure(*args, **kwargs)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 (reported in the table)
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        failed[part] = " ".join([lines[0], *[line for line in lines if "错误" in line or "Error:" in line][:1]])
        print(f"{part} failed:\n{exc}", flush=True)
        return None
    return result


def without_kept_payloads(path: Path) -> Path:
    """A copy of the project ``path`` beside it with none of the map's payloads kept (as after another program,
    QGIS say, changed every layer): its first open builds them all."""
    from data.payload_table import CACHE_TABLE

    copy = Path(shutil.copy2(path, path.with_name(f"{path.stem}_unkept{path.suffix}")))
    with contextlib.closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute(f"DELETE FROM {CACHE_TABLE}")
    os.sync()  # on disk before it is opened, not written back under the measurements
    return copy


def as_imported(path: Path) -> Path:
    """The project ``path`` as `main.py import` (or a window showing it) leaves a project Cordon wrote: the map's
    payloads of every layer kept in it (built now where they are not)."""
    project = Project.open(path)
    keep_payloads_of(project, MAP_LAYERS, timeout=600)
    project.close()
    return path


def _copy(source: Path, folder: Path) -> Path:
    """A working copy of ``source`` in ``folder``: the measurements write to the projects they open."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(source, folder / source.name))


class Anchor:
    """QGIS beside Cordon: each file is measured by QGIS just before Cordon measures it, so that the load of
    the machine drifts as little as possible between the two."""

    def __init__(self, skip: set[str], failed: dict, warm_up: Path):
        self.figures: dict | None = None
        self.warm_up = str(warm_up)  # an empty project QGIS opens first, as the map widget does
        self.note = "skipped (--skip qgis)"  # what the anchor column says when QGIS does not run
        if "qgis" not in skip:
            self.note = "QGIS not installed"
            if qgis_anchor.available():
                self.figures = {}
        self.failed = failed

    def run(self, jobs: list[dict]) -> None:
        if self.figures is None:
            return
        t = time.perf_counter()
        result = _attempt("QGIS", self.failed, qgis_anchor.measure, jobs, layers=list(MAP_LAYERS), size=WIDGET_SIZE,
                          repeats=QGIS_OPENS, frames=QGIS_FRAMES, warm_up=self.warm_up)
        self.figures.update(result or {})
        print(f"  (QGIS: {', '.join(job['key'] for job in jobs)} in {time.perf_counter() - t:.0f} s)", flush=True)

    @property
    def title(self) -> str:
        return f"QGIS {self.figures['version']}" if self.figures and "version" in self.figures else self.note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller data (a smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (projects, naive HTML, PNGs)")
    parser.add_argument("--projects", type=Path, metavar="DIR",
                        help="build the city projects into DIR once and reuse them (working copies are measured)")
    parser.add_argument("--window-dir", type=Path, metavar="DIR",
                        help="bench_window's projects (plain.gpkg, big_N.gpkg), built there when missing")
    parser.add_argument("--skip", action="append", default=[], metavar="LIST",
                        help=f"comma-separated parts to leave out: {', '.join(SKIPPABLE)}")
    parser.add_argument("--vertex-spacing", type=float, default=VERTEX_SPACING_M, metavar="M",
                        help=f"metres between boundary vertices (default {VERTEX_SPACING_M}; 0: plain Voronoi cells)")
    args = parser.parse_args()
    skip = _skips(args.skip)
    scale = 0.1 if args.quick else 1.0
    folder = Path(tempfile.mkdtemp(prefix="cordon-bench-"))
    load_before = os.getloadavg()
    try:
        source = args.projects or folder / "built"
        source.mkdir(parents=True, exist_ok=True)
        build = {}
        if not all(path.exists() for path in city_paths(source, scale)):
            t = time.perf_counter()
            build = build_projects(source, scale, args.vertex_spacing)
            print(f"built the city projects in {time.perf_counter() - t:.1f} s under {source}", flush=True)
        small, big = (as_imported(_copy(path, folder / "work")) for path in city_paths(source, scale))
        facts = project_facts(small, big)
        labels = label_of(facts["small"]), label_of(facts["big"])
        bounds = county_bounds(small)
        window_n = int(1_000_000 * scale)
        if "window" not in skip:
            window_source = args.window_dir or folder / "window-built"
            window_source.mkdir(parents=True, exist_ok=True)
            plain, heavy = (_copy(path, folder / "window") for path in bench_window.build(window_source, window_n))
        os.sync()  # the copies' half a gigabyte on disk now, not written back under the first measurements
        failed: dict[str, str] = {}
        from desktop.app import create_application, keep_startup_objects  # prepare_environment() runs first

        _app = create_application([sys.argv[0]])  # kept alive for the run
        from desktop.map_widget import MapWidget

        keep_startup_objects()  # as the app does once its window's modules are imported, before any project opens
        warm_up = Project.create(folder / "warm-up.gpkg", name="warm-up", county_code="419999")
        anchor = Anchor(skip, failed, warm_up.path)

        widget = MapWidget()
        install_fetch_probe(widget)
        widget.resize(*WIDGET_SIZE)
        widget.show()
        widget.set_project(warm_up)  # the browser's renderer process starts here, not in the first measured open
        wait_signal(widget.layersDrawn, 120)
        ours = []
        for path, n, label in ((small, facts["small"], labels[0]), (big, facts["big"], labels[1])):
            street = densest_point(path)
            anchor.run([{"key": label, "path": str(path), "bounds": bounds, "street": street}])
            ours.append(measure_ours(widget, path, n, label, street, attribute_edits=path == small))
            print(f"measured {label}: opens {[round(s, 2) for s in ours[-1]['opens']]} s", flush=True)
        widget.close()
        widget.deleteLater()
        sleep(500)
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        naive = None
        if "naive" not in skip:
            project = Project.open(small)
            info = build_naive_html(project, folder / "naive.html")
            project.close()
            naive = {**info, **measure_naive(folder / "naive.html")}
            print(f"measured the naive page: {naive['drawn_s']:.2f} s", flush=True)
        window = {}
        if "window" not in skip:
            window_bounds = county_bounds(plain)
            anchor.run([{"key": key, "path": str(path), "bounds": window_bounds, "street": None,
                         "repeats": QGIS_WINDOW_OPENS, "frames": 0}
                        for key, path in (("window_plain", plain), ("window_big", heavy))])
            window = _attempt("window", failed, bench_window.measure, plain, heavy) or {}
        imported, import_rows = None, int(1_000_000 * scale)
        if "import" not in skip:
            (folder / "import").mkdir()
            imported = _attempt("import", failed, bench_import.measure, folder / "import", import_rows)

        qgis = anchor.figures or None
        print()
        print(f"Cordon against issue 13's targets{' (--quick: 10x smaller data; targets are for full size)' if args.quick else ''}")
        print(f"  map data: {facts['units']:,} admin units ({facts['units_vertices']:,} vertices), {facts['grids']:,} "
              f"grids ({facts['grids_vertices']:,} vertices), {facts['small']:,} / {facts['big']:,} clustered cases; "
              f"widget {WIDGET_SIZE[0]}x{WIDGET_SIZE[1]} offscreen, canvas renderer (--disable-gpu)")
        print(f"  anchor: {anchor.title}" + (f"; window: the sample county with and without {window_n:,} extra cases"
                                             if window else ""))
        print()
        table = Table(anchor.note)
        report_rows(table, ours, qgis, judged_zone=labels[0])
        table.add(f"bench process peak RSS (map widget at {labels[1]})", f"{rss_self:.0f} MB")
        if naive:
            table.add(f"{labels[0]}: open -> drawn vs the naive folium page", _fmt_s(statistics.median(ours[0]["opens"])),
                      f"naive {_fmt_s(naive['drawn_s'])}", _ratio(statistics.median(ours[0]["opens"]), naive["drawn_s"]),
                      "(reference)")
        if window:
            window_rows(table, window, qgis, window_n)
        if imported:
            import_row(table, imported, import_rows)
        for part, error in failed.items():
            table.add(f"{part}: FAILED, {error}", "")
        table.print()
        print()
        print_details(build, facts, ours, qgis, naive, window, imported)
        load_after = os.getloadavg()
        print()
        print(f"machine: {os.cpu_count()} CPUs, load average (1/5/15 min) before {_load(load_before)}, "
              f"after {_load(load_after)} (other processes on the machine inflate every figure)")
        return 0
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


if __name__ == "__main__":
    sys.exit(main())
