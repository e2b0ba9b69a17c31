"""Opening one project after another in the same window: the map shows the second as a newly loaded page would,
without loading its page again, and nothing of the first is left on it (its layers, selection, drawing, overlays,
sample mark, hidden layers), even when the first was still being drawn (a real QWebEngineView; 宝丰县, the
bundled-sample-like county with every layer, then 鲁山县, a partial project with only its villages)."""

import os
import signal

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.map_payload import MAP_LAYERS
from data.project import Project
from data.zone_store import zone_record
from gis.crs import STORAGE_CRS
from gis.zoning.shapes import circle_polygon
from tests.gauss_kruger import SurveyPlane
from tests.test_map_tools import js

BAOFENG = SurveyPlane("EPSG:4547", (372_000, 3_742_000))  # CGCS2000 Gauss-Krüger, 宝丰县
LUSHAN = SurveyPlane("EPSG:4547", (330_000, 3_735_000))  # 鲁山县, west of it
DRAW_TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor")]


def villages(plane: SurveyPlane, n: int) -> list:
    """``n`` square villages of 1.5 km side by side, in storage coordinates."""
    x0, y0 = plane.origin
    boxes = [shapely.box(x0 + i * 1500, y0, x0 + (i + 1) * 1500, y0 + 1500) for i in range(n)]
    return list(gpd.GeoSeries(boxes, crs=plane.crs).to_crs(STORAGE_CRS).values)


@pytest.fixture
def counties(tmp_path):
    """(宝丰县 path, 鲁山县 path). 宝丰县 is marked as sample data and has two villages with a grid each, 40 cases,
    a control circle and an isolation site; 鲁山县 has three villages with no codes and nothing else."""
    baofeng, lushan = tmp_path / "宝丰县.gpkg", tmp_path / "鲁山县.gpkg"
    shapes = villages(BAOFENG, 2)
    codes = ["410421100001", "410421100002"]
    rng = np.random.default_rng(3)
    points = BAOFENG.points(rng.uniform(100, 2900, 40), rng.uniform(100, 1400, 40)).values
    centre = BAOFENG.lon_lat(750, 750)
    project = Project.create(baofeng, name="宝丰县", county_code="410421", is_sample=True)
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.GeoDataFrame({"code": codes, "name": ["前营村", "大营村"], "level": "village"},
                                                    geometry=shapes, crs=STORAGE_CRS), log_each=False)
        edit.insert("grids", gpd.GeoDataFrame({"code": [f"{c}G01" for c in codes], "name": ["前营村第一网格", "大营村第一网格"],
                                               "unit_code": codes}, geometry=shapes, crs=STORAGE_CRS), log_each=False)
        edit.insert("cases", gpd.GeoDataFrame({"case_no": [f"BF-{i:03d}" for i in range(40)], "category": "confirmed",
                                               "reported_at": "2026-11-28T09:00:00"}, geometry=points, crs=STORAGE_CRS),
                    log_each=False)
        edit.insert("isolation_sites", gpd.GeoDataFrame({"name": ["宝丰宾馆"], "rooms": [80], "status": ["in_use"]},
                                                        geometry=BAOFENG.points([2200], [700]).values, crs=STORAGE_CRS),
                    log_each=False)
        edit.insert("control_zones", zone_record(circle_polygon(*centre, 400), tier="sealed", kind="circle",
                                                 name="前营村封控圈", radius_m=400))
    project.close()
    project = Project.create(lushan, name="鲁山县", county_code="410423")
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.GeoDataFrame({"name": ["下汤村", "赵村", "四棵树村"], "level": "village"},
                                                    geometry=villages(LUSHAN, 3), crs=STORAGE_CRS), log_each=False)
    project.close()
    return baofeng, lushan


@pytest.fixture
def widget(cordon_app, qtbot):
    from desktop.map_widget import MapWidget

    view = MapWidget()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    yield view
    view.close()


def shown(qtbot, view, project: Project) -> dict:
    """Show ``project`` and wait until the page reports it drawn; the report."""
    with qtbot.waitSignal(view.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        view.set_project(project)
    assert drawn.args[0]["failed"] == []
    return drawn.args[0]


LEFT_BEHIND = """(() => {
  const map = Object.values(window).find((v) => v instanceof L.Map);
  let overlays = 0, drawing = 0;
  map.eachLayer((layer) => {
    if (!(layer instanceof L.Renderer) && layer.options && layer.options.pane === 'selection') overlays += 1; // overlays, the selection, snap lines
    if (layer.pm && layer.pm.enabled && layer.pm.enabled()) drawing += 1;
  });
  return {
    overlays, drawing, drawMode: map.pm.globalDrawModeEnabled(), picking: document.body.classList.contains('cordon-picking'),
    badge: document.querySelectorAll('.cordon-sample-badge').length, attribution: map.attributionControl.getContainer().textContent,
    zoneLabels: document.querySelectorAll('.cordon-zone-label').length, casesPane: map.getPane('cases').style.display,
    popups: document.querySelectorAll('.leaflet-popup').length, title: document.title,
  };
})()"""


def test_a_second_project_replaces_everything_the_first_left_without_loading_the_page_again(qtbot, widget, counties):
    baofeng, lushan = (Project.open(path) for path in counties)
    first = shown(qtbot, widget, baofeng)
    assert first["counts"]["cases"] == 40 and first["counts"]["control_zones"] == 1
    before = js(qtbot, widget, LEFT_BEHIND)
    assert before["badge"] == 1 and "cnmaps" in before["attribution"] and before["zoneLabels"] == 1
    # the user leaves the first project busy: two villages selected, a proposal shown, cases hidden, a popup open,
    # and a polygon being drawn
    units = [int(fid) for fid in baofeng.read_layer("admin_units").index]
    widget.set_selection("admin_units", units)
    proposal = gpd.GeoDataFrame({"tier": ["controlled"]}, geometry=[circle_polygon(*BAOFENG.lon_lat(2200, 700), 300)],
                                crs=STORAGE_CRS)
    widget.show_overlay("proposal", proposal)
    widget.set_layer_visible("cases", False)
    assert js(qtbot, widget, f"cordon.openPopup('admin_units', {units[0]})")
    widget.start_drawing("Polygon")
    busy = js(qtbot, widget, LEFT_BEHIND)
    assert busy["overlays"] >= 2 and busy["drawMode"] and busy["casesPane"] == "none" and busy["popups"] == 1

    loads = []
    widget.loadStarted.connect(lambda: loads.append(1))
    ready = []
    widget.ready.connect(lambda: ready.append(1))
    second = shown(qtbot, widget, lushan)

    assert loads == [] and ready == [1]  # the same page, which said it was ready for the new project
    assert second["counts"] == {name: 3 if name == "admin_units" else 0 for name in MAP_LAYERS}
    qtbot.wait(300)  # popups fade out; the page fits the county again once drawn
    left = js(qtbot, widget, LEFT_BEHIND)
    assert left == {"overlays": 0, "drawing": 0, "drawMode": False, "picking": False, "badge": 0, "attribution": "",
                    "zoneLabels": 0, "casesPane": "", "popups": 0, "title": "鲁山县"}
    assert js(qtbot, widget, "cordon.selection()") == {"layer": None, "fids": []}
    west, south, east, north = js(qtbot, widget, "cordon.view().bounds")
    (x0, y0), (x1, y1) = LUSHAN.lon_lat(0, 0), LUSHAN.lon_lat(4500, 1500)
    assert west <= x0 and east >= x1 and south <= y0 and north >= y1  # 鲁山县 in view
    assert east < BAOFENG.lon_lat(0, 0)[0]  # and 宝丰县, east of it, not
    assert js(qtbot, widget, "cordon.drawnInView().admin_units") == 3
    assert widget.map_page.console_errors == []


def test_a_project_opened_while_the_last_is_still_drawing_is_the_one_reported_and_shown(qtbot, widget, counties):
    baofeng, lushan = (Project.open(path) for path in counties)
    shown(qtbot, widget, lushan)  # the page is up
    reports = []
    widget.layersDrawn.connect(reports.append)
    with qtbot.waitSignal(widget.ready, timeout=DRAW_TIMEOUT_MS):
        widget.set_project(baofeng)
    assert reports == []  # 宝丰县's layers are on their way
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        widget.set_project(lushan)
    qtbot.wait(500)  # a late report of 宝丰县 would come now
    assert [report["counts"]["admin_units"] for report in reports] == [3]
    assert js(qtbot, widget, "cordon.featureCounts()")["cases"] == 0
    assert widget.map_page.console_errors == []


def test_after_the_page_went_away_the_next_project_loads_it_again(qtbot, widget, counties):
    baofeng, lushan = (Project.open(path) for path in counties)
    shown(qtbot, widget, baofeng)
    with qtbot.waitSignal(widget.page().renderProcessTerminated, timeout=10_000):
        os.kill(widget.page().renderProcessPid(), signal.SIGKILL)  # as a crash would end it
    loads = []
    widget.loadStarted.connect(lambda: loads.append(1))
    report = shown(qtbot, widget, lushan)
    assert loads and report["counts"]["admin_units"] == 3 and report["counts"]["cases"] == 0
