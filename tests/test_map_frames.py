"""What the map shows after the user drags it and zooms in and out: every layer is drawn where its features are (no
pixels left where a grid was, sites spread over the district all back after zooming in on one), a layer switched off
leaves no trace and comes back, and a click after a drag hits what is under the pointer (a real QWebEngineView on
宝丰县, built here in Gauss-Krüger metres)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtGui import QImage

from data.project import Project
from gis.crs import STORAGE_CRS
from gis.symbology import BACKGROUND
from tests.gauss_kruger import SurveyPlane
from tests.test_map_density import WEST, crowded, density_pixel, shown_widget  # noqa: F401 (fixture)
from tests.test_map_density import lon_lat as crowded_lon_lat
from tests.test_map_tools import QEvent, click, js, mouse

PLANE = SurveyPlane("EPSG:4547", (381_000, 3_737_000))  # CGCS2000 Gauss-Krüger 114°E (宝丰县 lies west of it)
gk, gk_box, lon_lat = PLANE.points, PLANE.box, PLANE.lon_lat
GRID_M = 250  # 28 × 12 grids of 250 m over two towns, 7 × 3 km
SHADED = (1000, 1000)  # south-west corner of the one grid holding infections
PLAIN = (2000, 1000)  # a grid with none
SITES = [(1000, 2600), (3200, 2600), (6000, 2600)]  # three isolation sites across the top of the district
DRAW_TIMEOUT_MS = 30_000
PURPLE = (141, 117, 176)  # the darkest grid class (#6a4c9c at 75 %) over the background
GREEN = (43, 147, 72)  # an active site


@pytest.fixture
def district(tmp_path) -> Project:
    """宝丰县's two towns in 336 grids; twelve confirmed cases in one grid's corner (shaded darkest), three active
    isolation sites far apart."""
    towns = gpd.GeoDataFrame({"code": ["410421100000", "410421101000"], "name": ["城关镇", "周庄镇"],
                              "level": ["town", "town"]},
                             geometry=[gk_box(0, 0, 3500, 3000), gk_box(3500, 0, 3500, 3000)], crs=STORAGE_CRS)
    cells = [(c, r) for r in range(3000 // GRID_M) for c in range(7000 // GRID_M)]
    grids = gpd.GeoDataFrame({"code": [f"410421100G{i:04d}" for i in range(len(cells))],
                              "name": [f"第{i + 1}网格" for i in range(len(cells))]},
                             geometry=[gk_box(c * GRID_M, r * GRID_M, GRID_M, GRID_M) for c, r in cells], crs=STORAGE_CRS)
    rng = np.random.default_rng(11)
    cases = gpd.GeoDataFrame({"case_no": [f"BF-{i:03d}" for i in range(12)], "category": "confirmed",
                              "reported_at": "2026-05-06T10:00:00"},
                             geometry=gk(SHADED[0] + rng.uniform(5, 15, 12), SHADED[1] + rng.uniform(5, 15, 12)).values,
                             crs=STORAGE_CRS)
    sites = gpd.GeoDataFrame({"name": ["县宾馆隔离点", "周庄卫生院", "石桥驿站"], "rooms": [40, 25, 30],
                              "occupied": [10, 0, 4], "status": "active"},
                             geometry=gk(*zip(*SITES, strict=True)).values, crs=STORAGE_CRS)
    project = Project.create(tmp_path / "宝丰县.gpkg", name="宝丰县", county_code="410421")
    with project.transaction() as edit:
        edit.insert("admin_units", towns, log_each=False)
        edit.insert("grids", grids, log_each=False)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", sites)
    return project


@pytest.fixture
def shown(cordon_app, qtbot, district):
    widget = shown_widget(qtbot, district)
    yield widget
    widget.close()


def screen_colour(qtbot, widget, lng, lat) -> tuple[int, int, int] | None:
    """The colour the user sees at a place (the window's pixels, every layer composited); None out of view."""
    x, y = js(qtbot, widget, f"cordon.pointOf({lng}, {lat})")
    image = widget.grab().toImage()
    if not (10 <= x < image.width() - 10 and 10 <= y < image.height() - 10):
        return None
    colour = image.pixelColor(round(x), round(y))
    return colour.red(), colour.green(), colour.blue()


def near(colour, expected, tolerance=14) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def settle(qtbot, widget, change):
    """Runs ``change`` (a move of the map) and waits until the page has drawn the view it leads to."""
    with qtbot.waitSignal(widget.viewChanged, timeout=10_000):
        change()
    qtbot.wait(400)  # a drag's inertia, then a frame composited


def drag(qtbot, widget, dx, dy):
    """The user drags the map by (dx, dy) pixels, slowly (no inertia)."""
    x, y = 500, 350
    mouse(widget, QEvent.Type.MouseMove, x, y)
    mouse(widget, QEvent.Type.MouseButtonPress, x, y)
    for step in range(1, 11):
        qtbot.wait(20)
        mouse(widget, QEvent.Type.MouseMove, x + dx * step / 10, y + dy * step / 10)
    qtbot.wait(150)
    mouse(widget, QEvent.Type.MouseButtonRelease, x + dx, y + dy)


def test_dragged_and_zoomed_every_layer_is_where_its_features_are_and_a_click_hits_what_is_there(
        shown, qtbot, district):
    shaded, plain = lon_lat(SHADED[0] + 0.6 * GRID_M, SHADED[1] + 0.6 * GRID_M), lon_lat(PLAIN[0] + 125, PLAIN[1] + 125)
    sites = [lon_lat(*site) for site in SITES]

    def assert_drawn_in_place(sites_in_view):
        assert near(screen_colour(qtbot, shown, *shaded), PURPLE)
        assert near(screen_colour(qtbot, shown, *plain), tuple(int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5)), 8)
        colours = [screen_colour(qtbot, shown, *site) for site in sites]
        assert sum(colour is not None for colour in colours) == sites_in_view
        assert all(near(colour, GREEN, 24) for colour in colours if colour is not None)

    assert_drawn_in_place(3)
    before = js(qtbot, shown, f"cordon.pointOf({shaded[0]}, {shaded[1]})")
    settle(qtbot, shown, lambda: drag(qtbot, shown, 240, -130))
    after = js(qtbot, shown, f"cordon.pointOf({shaded[0]}, {shaded[1]})")
    assert abs(after[0] - before[0] - 240) < 30 and abs(after[1] - before[1] + 130) < 30  # the map moved with the hand
    assert_drawn_in_place(2)  # the east site went out of view
    image = shown.grab().toImage()
    left_behind = image.pixelColor(round(before[0]), round(before[1]))
    assert not near((left_behind.red(), left_behind.green(), left_behind.blue()), PURPLE, 40)  # nothing stays behind

    west, south = lon_lat(SITES[0][0] - 300, SITES[0][1] - 200)  # zoomed in on one site: the others are far out of view
    east, north = lon_lat(SITES[0][0] + 300, SITES[0][1] + 200)
    settle(qtbot, shown, lambda: shown.fit_bounds((west, south, east, north)))
    assert js(qtbot, shown, "cordon.view().zoom") >= 15
    assert near(screen_colour(qtbot, shown, *sites[0]), GREEN, 24)
    west, south = lon_lat(3500 - 300, 1500 - 200)  # on the west town's east edge, its ends far out of view
    east, north = lon_lat(3500 + 300, 1500 + 200)
    settle(qtbot, shown, lambda: shown.fit_bounds((west, south, east, north)))
    units = district.read_layer("admin_units")
    edge = units.loc[units["name"] == "城关镇"].geometry.iloc[0].bounds[2]
    x, y = js(qtbot, shown, f"cordon.pointOf({edge}, {(south + north) / 2})")
    image = shown.grab().toImage()
    across = [image.pixelColor(round(x) + dx, round(y)) for dx in range(-3, 4)]
    assert min(max(c.red(), c.green(), c.blue()) for c in across) < 130  # the edge is drawn through the view
    beside = image.pixelColor(round(x) - 60, round(y))
    assert min(beside.red(), beside.green(), beside.blue()) > 200  # and nothing dark beside it (an unshaded grid)

    west, south = lon_lat(-200, -200)
    east, north = lon_lat(7200, 3200)
    settle(qtbot, shown, lambda: shown.fit_bounds((west, south, east, north)))  # and out again: all three back
    assert_drawn_in_place(3)

    settle(qtbot, shown, lambda: drag(qtbot, shown, -180, 90))
    grids = district.read_layer("grids")
    inside = grids[grids.geometry.contains(shapely.Point(*shaded))]
    x, y = js(qtbot, shown, f"cordon.pointOf({shaded[0]}, {shaded[1]})")
    with qtbot.waitSignal(shown.featureClicked, timeout=5000) as clicked:
        click(qtbot, shown, round(x), round(y))
    assert clicked.args == ["grids", int(inside.index[0])]
    assert shown.map_page.console_errors == []


def test_a_layer_switched_off_leaves_no_pixel_and_comes_back_where_the_map_now_is(shown, qtbot):
    shaded = lon_lat(SHADED[0] + 0.6 * GRID_M, SHADED[1] + 0.6 * GRID_M)
    background = tuple(int(BACKGROUND[i:i + 2], 16) for i in (1, 3, 5))
    shown.set_layer_visible("grids", False)
    qtbot.waitUntil(lambda: near(screen_colour(qtbot, shown, *shaded), background, 8), timeout=5000)
    settle(qtbot, shown, lambda: drag(qtbot, shown, -150, 100))  # moved while the grids are off
    assert near(screen_colour(qtbot, shown, *shaded), background, 8)
    shown.set_layer_visible("grids", True)
    qtbot.waitUntil(lambda: near(screen_colour(qtbot, shown, *shaded), PURPLE), timeout=5000)
    assert shown.map_page.console_errors == []


def test_dragged_the_density_cells_move_with_the_cases_and_go_with_them(cordon_app, qtbot, crowded):  # noqa: F811
    widget = shown_widget(qtbot, crowded)
    try:
        spot = (WEST[0] + 250, WEST[1] - 350)  # in the infections' cluster, clear of the town's name at its centre
        place = crowded_lon_lat(*spot)
        red = screen_colour(qtbot, widget, *place)
        assert red[0] > red[2] + 60 and red[0] > red[1] + 60  # infections: a red cell on screen
        before = js(qtbot, widget, f"cordon.pointOf({place[0]}, {place[1]})")
        settle(qtbot, widget, lambda: drag(qtbot, widget, 0, 260))
        assert screen_colour(qtbot, widget, *place)[0] > screen_colour(qtbot, widget, *place)[2] + 60
        assert density_pixel(qtbot, widget, *spot)[3] > 150  # the cells' own canvas holds them where they now are
        image = widget.grab().toImage()
        left = image.pixelColor(round(before[0]), round(before[1]))  # far above the cluster now: no cell left there
        assert not (left.red() > left.blue() + 60 and left.red() > left.green() + 60)
        widget.set_layer_visible("cases", False)
        qtbot.waitUntil(lambda: screen_colour(qtbot, widget, *place)[0] < screen_colour(qtbot, widget, *place)[2] + 30,
                        timeout=5000)
        assert widget.map_page.console_errors == []
    finally:
        widget.close()


def test_zoomed_in_and_back_the_towns_outlines_are_drawn_as_before_and_as_edited(shown, qtbot, district):
    """Back at a zoom seen before, the towns' outlines come from an image the page made of them while idle: the same
    pixels as drawn the first time, and after the towns are edited the new boundary, not the old one."""
    mid = 1500  # half-way up the district, where the two towns meet (x = 3500 m)

    def outline_dark_at(x_m) -> bool:
        x, y = js(qtbot, shown, f"cordon.pointOf({lon_lat(x_m, mid)[0]}, {lon_lat(x_m, mid)[1]})")
        image = shown.grab().toImage()
        return min(max(c.red(), c.green(), c.blue()) for c in
                   (image.pixelColor(round(x) + dx, round(y)) for dx in range(-2, 3))) < 130

    def zoom_in_and_back():
        qtbot.wait(600)  # idle: the outlines' images of this zoom and the next are made
        for button in ("in", "out"):
            settle(qtbot, shown, lambda b=button: js(qtbot, shown, f"document.querySelector('.leaflet-control-zoom-{b}').click()"))
        qtbot.wait(300)

    def pixels():
        image = shown.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)[..., :3].astype(int)

    zoom, first = js(qtbot, shown, "cordon.view().zoom"), pixels()
    assert outline_dark_at(3500) and not outline_dark_at(3625)
    zoom_in_and_back()
    assert js(qtbot, shown, "cordon.view().zoom") == zoom
    difference = np.abs(pixels() - first).max(axis=2)
    assert np.count_nonzero(difference > 48) == 0 and np.count_nonzero(difference) < 0.001 * difference.size

    units = district.read_layer("admin_units")
    with district.transaction() as edit:  # the boundary moved half a grid east
        edit.update("admin_units", int(units.index[units["name"] == "城关镇"][0]), geometry=gk_box(0, 0, 3625, 3000))
        edit.update("admin_units", int(units.index[units["name"] == "周庄镇"][0]), geometry=gk_box(3625, 0, 3375, 3000))
    with qtbot.waitSignal(shown.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        shown.refresh_layers(["admin_units"])
    zoom_in_and_back()
    assert outline_dark_at(3625) and not outline_dark_at(3500)
    assert shown.map_page.console_errors == []
