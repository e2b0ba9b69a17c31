"""Benchmark: the map workspace on a city-scale project, against the naive folium page.

    QT_QPA_PLATFORM=offscreen python bench/bench_map.py [--quick] [--keep]

One run builds (in a temporary folder) a synthetic city: 5,000 administrative units (a county, 20 towns,
villages and communities), 10,000 grids, 100,000 clustered cases; then a second project with the same
units and grids and 1,000,000 cases. It then measures with a real MapWidget (1600x1000, offscreen):

* open -> all layers drawn: wall clock from ``set_project()`` to the page's ``layersDrawn`` report
  (3 runs on one widget; the first one also starts the browser's renderer process);
* one zone edit -> on screen: a StoreCommand (a circle zone) pushed on a QUndoStack, until the
  page reports the reloaded ``control_zones`` drawn (10 edits);
* pan/zoom frames, timed in the page: ``setZoom(z±1)`` / ``panBy`` without animation until two
  animation frames have run (every canvas redrawn); 10 of each at city view and at street view;

and the naive approach on the 100k data: folium.GeoJson layers (cases as CircleMarkers) rendered into
one HTML file and loaded in a plain QWebEngineView. ``--quick`` uses 10x smaller data (a smoke run).
Figures are printed as a table against the targets of the Performance section of issue 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402

from data.project import Project  # noqa: E402
from gis.crs import STORAGE_CRS  # noqa: E402
from gis.glossary import CaseCategory, FacilityKind, SiteStatus, UnitLevel  # noqa: E402

CENTRE = (112.60, 35.10)  # lon, lat
RADIUS_DEG = (0.55, 0.45)  # the county is a ~100 km x 100 km blob (~8,000 km²)
VERTEX_SPACING_M = 120  # boundary vertices every ~120 m (then warped: boundaries are not straight)
TOWNS = 20
WIDGET_SIZE = (1600, 1000)
OPENS, EDITS, FRAMES = 3, 10, 10
TARGETS = {"open100k": 1.0, "edit": 0.100, "open1m": 5.0, "frame": 0.200}  # seconds
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


def build_projects(folder: Path, scale: float, spacing_m: float = VERTEX_SPACING_M) -> tuple[Project, Project, dict]:
    """The 100k project and the 1M project (same units and grids); returns them and build timings."""
    timings = {}
    n_units, n_grids = int(5000 * scale), int(10000 * scale)
    n_small, n_big = int(100_000 * scale), int(1_000_000 * scale)
    t = time.perf_counter()
    city = build_city(n_units, n_grids, spacing_m=spacing_m)
    sites, facilities = site_and_facility_frames(city)
    timings["generate units and grids"] = time.perf_counter() - t
    t = time.perf_counter()
    base = Project.create(folder / "base.gpkg", name="示例市（基准测试）", county_code="419999")
    insert(base, "admin_units", city.units)
    insert(base, "grids", city.grids)
    insert(base, "isolation_sites", sites)
    insert(base, "facilities", facilities)
    timings["insert units and grids"] = time.perf_counter() - t
    small = base.save_as(folder / f"city_{n_small}.gpkg")
    big = base.save_as(folder / f"city_{n_big}.gpkg")
    base.close()
    for project, n, seed in ((small, n_small, 11), (big, n_big, 12)):
        t = time.perf_counter()
        cases = case_frame(city, n, seed)
        timings[f"generate {n:,} cases"] = time.perf_counter() - t
        t = time.perf_counter()
        insert(project, "cases", cases)
        timings[f"insert {n:,} cases"] = time.perf_counter() - t
        del cases
    timings["_vertices"] = {  # what the page has to draw
        "units": int(shapely.get_num_coordinates(city.units.geometry.values).sum()),
        "grids": int(shapely.get_num_coordinates(city.grids.geometry.values).sum()),
    }
    timings["_counts"] = {"units": len(city.units), "grids": len(city.grids), "small": n_small, "big": n_big}
    return small, big, timings


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


def sleep(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


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


def measure_ours(widget, project: Project, n_cases: int, label: str) -> dict:
    """Open -> drawn (OPENS times), zone edits (EDITS), and pan/zoom frames for one project."""
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
    for _ in range(OPENS):
        payload_times.clear()
        ready_at: list[float] = []

        def on_ready(ready_at=ready_at):
            ready_at.append(time.perf_counter())

        widget.ready.connect(on_ready)
        start = time.perf_counter()
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
            "set_project() (page HTML, config)": returned - start,
            "page load -> pageReady": (ready_at[0] - returned) if ready_at else float("nan"),
            "reloadLayers -> layersDrawn (page clock)": report["ms"] / 1000,
            "payloads (Python, worker threads)": {k: v for k, v in sorted(payload_times.items())},
            "fetches (page clock, from first request)": _fetch_spans(fetches),
        }
        result["counts"] = report["counts"]
        sleep(300)

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

    # pan/zoom frames: city view (the whole county) and street view (z15 over the densest cluster of cases)
    result["frames"] = {}
    for name, view in (("city", None), ("street", _densest_point(project))):
        spec = "null" if view is None else json.dumps([view[0], view[1], 15])
        if name == "city":
            js(widget, f"cordon.fitBounds({json.dumps(list(outline.bounds))}); true")
            sleep(300)
        frames = js_async(widget, FRAME_JS % {"view": spec, "n": FRAMES})
        result["frames"][name] = frames
    return result


def _fetch_spans(fetches: list[dict]) -> dict:
    """Per layer: (request sent, payload in hand) in ms after the first request (the page's clock)."""
    if not fetches:
        return {}
    t0 = min(f["start"] for f in fetches)
    return {f["layer"]: (f["start"] - t0, f["end"] - t0) for f in fetches}


def _densest_point(project: Project) -> tuple[float, float]:
    _, x, y, _ = project.read_points("cases", [])
    h, xe, ye = np.histogram2d(x, y, bins=200)
    i, j = np.unravel_index(h.argmax(), h.shape)
    return float((xe[i] + xe[i + 1]) / 2), float((ye[j] + ye[j + 1]) / 2)


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


def print_report(build: dict, ours: list[dict], naive: dict | None, quick: bool) -> None:
    counts = build["_counts"]
    print()
    print(f"Cordon map benchmark{' (--quick: 10x smaller data, targets are for full size)' if quick else ''}")
    print(f"  data: {counts['units']:,} admin units ({build['_vertices']['units']:,} vertices), "
          f"{counts['grids']:,} grids ({build['_vertices']['grids']:,} vertices), "
          f"{counts['small']:,} / {counts['big']:,} clustered cases; widget {WIDGET_SIZE[0]}x{WIDGET_SIZE[1]} offscreen")
    print("  build (not part of the targets): " + ", ".join(
        f"{k} {v:.1f} s" for k, v in build.items() if not k.startswith("_")))
    rows = []
    for result, key in zip(ours, ("open100k", "open1m"), strict=True):
        label = result["label"]
        opens = result["opens"]
        med = statistics.median(opens)
        rows.append((f"{label}: open -> all layers drawn (min / median of {len(opens)})",
                     f"{_fmt_s(min(opens))} / {_fmt_s(med)}", f"<= {_fmt_s(TARGETS[key])}", med <= TARGETS[key]))
        edits = result["edits"]
        med = statistics.median(edits)
        rows.append((f"{label}: zone edit -> on screen (median / max of {len(edits)})",
                     f"{_fmt_s(med)} / {_fmt_s(max(edits))}", f"<= {_fmt_s(TARGETS['edit'])}", med <= TARGETS["edit"]))
        for view, frames in result["frames"].items():
            for kind in ("zoom", "pan"):
                ms = frames[kind]
                rows.append((f"{label}: {kind} frame, {view} view z{frames['z0']} (median / max of {len(ms)})",
                             f"{statistics.median(ms):.0f} / {max(ms):.0f} ms", f"<= {_fmt_s(TARGETS['frame'])}",
                             max(ms) / 1000 <= TARGETS["frame"]))
    if naive:
        rows.append((f"naive folium page, {counts['small']:,} cases: load -> drawn",
                     _fmt_s(naive["drawn_s"]), "(reference)", None))
    width = max(len(r[0]) for r in rows) + 2
    print()
    print(f"{'measurement':<{width}}{'measured':>22}  {'target':>10}  result")
    print("-" * (width + 44))
    for name, measured, target, ok in rows:
        print(f"{name:<{width}}{measured:>22}  {target:>10}  {'' if ok is None else ('PASS' if ok else 'FAIL')}")
    print()
    small = ours[0]
    ours_med = statistics.median(small["opens"])
    if naive:
        print(f"naive / ours, {counts['small']:,} cases open -> drawn: {naive['drawn_s']:.2f} s / {ours_med:.2f} s "
              f"= {naive['drawn_s'] / ours_med:.1f}x  (naive HTML built in {naive['build_s']:.1f} s beforehand, "
              f"{naive['bytes'] / 1e6:.1f} MB; with that: {(naive['drawn_s'] + naive['build_s']) / ours_med:.1f}x)")
        print(f"  naive page: loadFinished after {naive['load_s']:.2f} s, drawn after {naive['drawn_s']:.2f} s; "
              f"features drawn per GeoJson layer {naive['counts']} (Leaflet: {naive['leaflet']})")
        print("  folium's own page links Leaflet/jQuery/Bootstrap/Font Awesome from CDNs: offline it stays blank. "
              "Here Leaflet was pointed at resources/web/node_modules (file://) and the rest dropped; "
              f"remote links left: {naive['remote_links'] or 'none'}. Naive at 1M cases: not measured (not required).")
    print()
    print("where the open time goes (last open of each):")
    for result in ours:
        b = result["breakdown"]
        print(f"  {result['label']}: set_project() {_fmt_s(b['set_project() (page HTML, config)'])}, "
              f"page load -> pageReady {_fmt_s(b['page load -> pageReady'])}, "
              f"reloadLayers -> drawn (page clock) {_fmt_s(b['reloadLayers -> layersDrawn (page clock)'])}; "
              f"JS reloadLayers ms per open {[round(m) for m in result['js_ms']]}")
        for name, (secs, size) in b["payloads (Python, worker threads)"].items():
            span = b["fetches (page clock, from first request)"].get(name)
            fetched = f", requested at {span[0]:4.0f} ms, in the page at {span[1]:5.0f} ms" if span else ""
            print(f"    {name:<16} payload {secs * 1000:7.1f} ms {size / 1e6:7.2f} MB{fetched}")
        print(f"  {result['label']}: edit JS ms {[round(m) for m in result['edit_js_ms']]}; "
              f"frames: " + "; ".join(f"{v} zoom {[round(x) for x in f['zoom']]} pan {[round(x) for x in f['pan']]}"
                                      for v, f in result["frames"].items()))


# ------------------------------------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller data (a smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects and naive HTML")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive folium page")
    parser.add_argument("--vertex-spacing", type=float, default=VERTEX_SPACING_M, metavar="M",
                        help=f"metres between boundary vertices (default {VERTEX_SPACING_M}; 0: plain Voronoi cells)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    folder = Path(tempfile.mkdtemp(prefix="cordon-bench-"))
    try:
        t = time.perf_counter()
        load_before = os.getloadavg()
        small, big, build = build_projects(folder, scale, args.vertex_spacing)
        print(f"built projects in {time.perf_counter() - t:.1f} s under {folder}", flush=True)

        from desktop.app import create_application  # prepare_environment() runs before the QApplication

        _app = create_application([sys.argv[0]])  # kept alive for the run
        from desktop.map_widget import MapWidget

        widget = MapWidget()
        install_fetch_probe(widget)
        widget.resize(*WIDGET_SIZE)
        widget.show()
        ours = []
        for project, n, label in ((small, build["_counts"]["small"], f"{build['_counts']['small'] // 1000}k"),
                                  (big, build["_counts"]["big"], f"{build['_counts']['big'] // 1000}k"
                                   if build["_counts"]["big"] < 1_000_000 else "1M")):
            ours.append(measure_ours(widget, project, n, label))
            print(f"measured {label}: opens {[round(s, 2) for s in ours[-1]['opens']]} s", flush=True)
        widget.close()
        widget.deleteLater()
        sleep(500)
        naive = None
        if not args.no_naive:
            info = build_naive_html(small, folder / "naive.html")
            naive = {**info, **measure_naive(folder / "naive.html")}
        print_report(build, ours, naive, args.quick)
        print(f"machine: {os.cpu_count()} CPUs, load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}"
              " (other processes on the machine inflate every figure)")
        return 0
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
