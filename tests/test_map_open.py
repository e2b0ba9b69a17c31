"""Opening a project: the window reads every layer while the page loads and the page asks for each once, as soon as
it starts; grids and cases come already projected (Web Mercator in whole steps, kept so in the project) and are drawn
where they are, on the first open and on the next, which draws from what the first kept (a real QWebEngineView on
宝丰县, built here in Gauss-Krüger metres)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.map_payload import MAP_LAYERS
from data.payload_cache import cached_payload, wait_written
from data.project import Project
from gis.crs import STORAGE_CRS
from tests.gauss_kruger import SurveyPlane
from tests.test_map_tools import click, js

PLANE = SurveyPlane("EPSG:4547", (372_000, 3_742_000))  # CGCS2000 3-degree Gauss-Krüger zone of 宝丰县
lon_lat = PLANE.lon_lat
SIDE_M = 1500  # two villages side by side, one grid each
LONE_M = (2400, 300)  # one confirmed case alone in the east village's grid, far from the others
DRAW_TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor")]


def squares() -> list:
    """The two villages (and their grids) in storage coordinates: squares on the survey plane (so slightly skewed
    in longitude/latitude), sharing their edge exactly."""
    x0, y0 = PLANE.origin
    boxes = [shapely.box(x0 + i * SIDE_M, y0, x0 + (i + 1) * SIDE_M, y0 + SIDE_M) for i in range(2)]
    return list(gpd.GeoSeries(boxes, crs=PLANE.crs).to_crs(STORAGE_CRS).values)


@pytest.fixture
def baofeng(tmp_path):
    """宝丰县: 前营村 and 大营村, a grid each, 60 cases in 前营村 and one alone in 大营村; the path of the file."""
    path = tmp_path / "宝丰县.gpkg"
    shapes = squares()
    codes = ["410421100001", "410421100002"]
    units = gpd.GeoDataFrame({"code": codes, "name": ["前营村", "大营村"], "level": "village",
                              "population": [1800, 2300]}, geometry=shapes, crs=STORAGE_CRS)
    grids = gpd.GeoDataFrame({"code": [f"{c}G01" for c in codes], "name": ["前营村第一网格", "大营村第一网格"],
                              "unit_code": codes, "worker": ["王芳", "李强"]}, geometry=shapes, crs=STORAGE_CRS)
    rng = np.random.default_rng(11)
    xs, ys = rng.uniform(200, SIDE_M - 200, 60), rng.uniform(200, SIDE_M - 200, 60)
    points = PLANE.points([*xs, LONE_M[0]], [*ys, LONE_M[1]]).values
    cases = gpd.GeoDataFrame({"case_no": [f"BF-{i:03d}" for i in range(61)],
                              "category": ["close_contact"] * 60 + ["confirmed"],
                              "reported_at": "2026-05-06T10:00:00"}, geometry=points, crs=STORAGE_CRS)
    project = Project.create(path, name="宝丰县", county_code="410421")
    with project.transaction() as edit:
        edit.insert("admin_units", units, log_each=False)
        edit.insert("grids", grids, log_each=False)
        edit.insert("cases", cases, log_each=False)
    project.close()
    return path


@pytest.fixture
def widget(cordon_app, qtbot, monkeypatch):
    """A map widget whose ``built`` dict tells, per layer, whether its last open built the payload."""
    from desktop import map_widget
    from desktop.map_widget import MapWidget

    view = MapWidget()
    view.built = {}

    def cached(project, name, datum, build=None):
        payload, built_now = cached_payload(project, name, datum, build)
        view.built[name] = built_now
        return payload, built_now

    monkeypatch.setattr(map_widget, "cached_payload", cached)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    yield view
    view.close()


def opened(qtbot, view, path) -> Project:
    """``path`` opened in ``view`` until every layer is drawn, with what it built kept."""
    project = Project.open(path)
    view.recorder.requests.clear()
    with qtbot.waitSignal(view.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        view.set_project(project)
    assert drawn.args[0]["failed"] == [] and wait_written(60)
    qtbot.wait(300)  # the page fits the county again once drawn
    return project


def look_at(qtbot, view, west_south: tuple[float, float], east_north: tuple[float, float]) -> None:
    """Fit the view to a box given in metres, and wait until the map shows it."""
    (x0, y0), (x1, y1) = lon_lat(*west_south), lon_lat(*east_north)

    def there(view_now: dict) -> bool:
        west, south, east, north = view_now["bounds"]
        return west <= x0 and east >= x1 and south <= y0 and north >= y1 and view_now["zoom"] >= 15

    with qtbot.waitSignal(view.viewChanged, timeout=10_000, check_params_cb=there):
        view.fit_bounds((x0, y0, x1, y1))


def hit(qtbot, view, x_m: float, y_m: float) -> tuple[str, int] | None:
    """What a click at a place hits: (layer, fid), or None."""
    x, y = js(qtbot, view, f"cordon.pointOf({', '.join(map(str, lon_lat(x_m, y_m)))})")
    clicks = []
    view.featureClicked.connect(lambda layer, fid: clicks.append((layer, fid)))
    click(qtbot, view, round(x), round(y))
    qtbot.wait(100)
    return clicks[-1] if clicks else None


def test_grids_and_cases_are_drawn_where_they_are_on_the_first_open_and_from_what_it_kept(qtbot, widget, baofeng):
    for first in (True, False):
        project = opened(qtbot, widget, baofeng)
        assert set(widget.built) == set(MAP_LAYERS) and set(widget.built.values()) == {first}
        widget.set_layer_visible("admin_units", False)  # clicks go to the grids under the villages
        look_at(qtbot, widget, (LONE_M[0] - 100, LONE_M[1] - 100), (LONE_M[0] + 100, LONE_M[1] + 100))
        grids = project.read_layer("grids")
        west, east = (int(grids.index[grids["name"] == name][0]) for name in ("前营村第一网格", "大营村第一网格"))
        lone = int(project.read_layer("cases", where="case_no = ?", params=("BF-060",)).index[0])
        assert hit(qtbot, widget, *LONE_M) == ("cases", lone)
        assert hit(qtbot, widget, LONE_M[0] - 40, LONE_M[1]) == ("grids", east)  # the dot is no wider than it is

        look_at(qtbot, widget, (SIDE_M - 30, 700), (SIDE_M + 30, 760))  # the edge between the grids, a street close
        assert js(qtbot, widget, "cordon.view().metresPerPixel") < 2.5
        assert hit(qtbot, widget, SIDE_M - 8, 730) == ("grids", west)  # 8 m either side of it: a few pixels
        assert hit(qtbot, widget, SIDE_M + 8, 730) == ("grids", east)
        assert widget.map_page.console_errors == []
        project.close()


def test_a_selected_grid_is_outlined_where_it_lies(qtbot, widget, baofeng):
    project = opened(qtbot, widget, baofeng)
    opened(qtbot, widget, baofeng)  # from what the first open kept
    fid = int(project.read_layer("grids", where="name = ?", params=("大营村第一网格",)).index[0])
    widget.set_select_mode("grids")
    widget.set_selection("grids", [fid])
    drawn = js(qtbot, widget, "(() => { const out = []; const m = Object.values(window).find((v) => v instanceof L.Map);"
                              " m.eachLayer((l) => { if (l instanceof L.Polygon && l.options.pane === 'selection')"
                              " out.push(l.getLatLngs().flat(2).map((p) => [p.lng, p.lat])); }); return out; })()")
    stored = shapely.get_coordinates(project.read_layer("grids").loc[fid, "geometry"].geoms[0].exterior)[:-1]
    assert len(drawn) == 1 and np.abs(np.array(drawn[0]) - stored).max() < 2e-7  # within 2 cm
    project.close()


def test_every_layer_travels_to_the_page_once_in_the_basemaps_datum(qtbot, widget, baofeng):
    widget.set_basemap("amap")  # chosen before the project: the page opens in GCJ-02
    project = opened(qtbot, widget, baofeng)
    asked = [url for url in widget.recorder.requests if "/layer/" in url]
    assert sorted(url.split("/layer/")[1].split("?")[0] for url in asked) == sorted(MAP_LAYERS)
    assert all("datum=gcj02" in url for url in asked)
    counts = js(qtbot, widget, "cordon.featureCounts()")
    assert counts["cases"] == 61 and counts["grids"] == 2 and counts["admin_units"] == 2
    project.close()


def test_a_case_edited_while_the_map_opens_is_drawn_as_edited(qtbot, widget, baofeng):
    opened(qtbot, widget, baofeng).close()  # what the next open reads while its page loads is kept
    project = Project.open(baofeng)
    lone = int(project.read_layer("cases", where="case_no = ?", params=("BF-060",)).index[0])
    east = int(project.read_layer("grids", where="name = ?", params=("大营村第一网格",)).index[0])
    widget.set_project(project)
    with project.transaction() as edit:  # before the page has drawn anything: the only infection of 大营村 is gone
        edit.update("cases", lone, {"category": "close_contact"})

    def shown() -> bool:
        case = js(qtbot, widget, f"cordon.featureProps('cases', {lone})")
        grid = js(qtbot, widget, f"cordon.featureProps('grids', {east})")
        return bool(case and grid) and case["category"] == "close_contact" and grid["infections"] == 0

    qtbot.waitUntil(lambda: widget.is_ready and shown(), timeout=DRAW_TIMEOUT_MS)
    qtbot.wait(500)  # nothing drawn later puts the old state back
    assert shown() and widget.map_page.console_errors == []
    project.close()


def test_each_project_opens_on_a_page_of_its_own_title_and_layers(qtbot, widget, baofeng, tmp_path):
    other = Project.create(tmp_path / "鲁山县.gpkg", name="鲁山县<测试>&演练", county_code="410423")
    other.close()
    for path, title, cases in ((baofeng, "宝丰县", 61), (other.path, "鲁山县<测试>&演练", 0), (baofeng, "宝丰县", 61)):
        project = opened(qtbot, widget, path)
        assert widget.title() == title and js(qtbot, widget, "document.title") == title
        assert js(qtbot, widget, "cordon.featureCounts()").get("cases", 0) == cases
        project.close()


def test_the_map_opens_on_the_county_outline_else_on_everything_on_both_stores(store):
    from data.web_map import CHINA_BOUNDS, project_extent, view_bounds

    project = Project.create(store, name="宝丰县", county_code="410421")
    assert view_bounds(project) == CHINA_BOUNDS
    county = PLANE.box(-500, -500, 2 * SIDE_M + 1000, SIDE_M + 1000)
    far_case = PLANE.points([9000], [9000])  # a case reported far outside the county
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.GeoDataFrame({"code": ["410421", "410421100001", "410421100002"],
                                                     "name": ["宝丰县", "前营村", "大营村"],
                                                     "level": ["county", "village", "village"]},
                                                    geometry=[county, *squares()], crs=STORAGE_CRS))
        edit.insert("cases", gpd.GeoDataFrame({"case_no": ["BF-900"], "category": ["confirmed"]},
                                              geometry=far_case.values, crs=STORAGE_CRS))
    assert view_bounds(project) == pytest.approx(county.bounds, abs=1e-12)
    with project.transaction() as edit:
        edit.update("admin_units", int(project.read_layer("admin_units", where="level = ?",
                                                          params=("county",)).index[0]), {"level": "town"})
    assert view_bounds(project) == project_extent(project)
    assert view_bounds(project)[2] >= far_case.iloc[0].x


POPUP_TEXT = "(document.querySelector('.leaflet-popup-content') || {}).textContent || ''"


def test_a_unit_or_grid_popup_shows_every_field_read_when_it_opens_as_text(qtbot, widget, baofeng):
    project = opened(qtbot, widget, baofeng)
    grids, units = project.read_layer("grids"), project.read_layer("admin_units")
    east = int(grids.index[grids["name"] == "大营村第一网格"][0])
    hostile = '<img src=x onerror="window.__pwned=1">'
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS), project.transaction() as edit:
        edit.update("grids", east, {"worker": hostile})
    assert js(qtbot, widget, f"cordon.openPopup('grids', {east})")
    qtbot.waitUntil(lambda: hostile in js(qtbot, widget, POPUP_TEXT), timeout=10_000)  # the worker, asked for
    shown = js(qtbot, widget, POPUP_TEXT)
    assert "大营村第一网格" in shown and "410421100002G01" in shown  # name, code
    assert js(qtbot, widget, "String(window.__pwned)") == "undefined"
    assert js(qtbot, widget, "document.querySelectorAll('.leaflet-popup-content img').length") == 0

    village = int(units.index[units["name"] == "前营村"][0])
    assert js(qtbot, widget, f"cordon.openPopup('admin_units', {village})")
    qtbot.waitUntil(lambda: "1800" in js(qtbot, widget, POPUP_TEXT), timeout=10_000)  # its population
    assert "前营村" in js(qtbot, widget, POPUP_TEXT) and "410421100001" in js(qtbot, widget, POPUP_TEXT)
    assert widget.map_page.console_errors == []
