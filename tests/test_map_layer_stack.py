"""The layer panel's order, opacity and ticks hold for layers the page paints together: on 鲁山县's west town, split
into four grids that its 3,000 infections shade, the grids' fill and the density cells over it are drawn on one
canvas, yet putting the grids on top, fading them out or unticking either changes what the user sees as the panel
says (a real QWebEngineView; the colours read from the widget's own pixels)."""

import time

import geopandas as gpd
import pytest

from data.map_payload import MAP_LAYERS
from gis.crs import STORAGE_CRS
from tests.test_map_density import DRAW_TIMEOUT_MS, crowded, gk_box, lon_lat, shown_widget  # noqa: F401 (fixture)
from tests.test_map_frames import near, screen_colour

PROBE = lon_lat(2500, 2500)  # in the west town's south-west grid, among the infections, 500 m from any outline


@pytest.fixture
def gridded(crowded):  # noqa: F811 (the fixture it extends)
    grids = gpd.GeoDataFrame({"code": [f"410423100G{i}" for i in range(4)], "name": [f"鲁阳第{i + 1}网格" for i in range(4)]},
                             geometry=[gk_box(x, y, 3000, 3000) for x in (0, 3000) for y in (0, 3000)], crs=STORAGE_CRS)
    with crowded.transaction() as edit:
        edit.insert("grids", grids, log_each=False)
    return crowded


def colour_becomes(qtbot, widget, wanted, timeout=5000):
    """Waits until the user sees ``wanted(colour)`` at the probe; returns that colour."""
    seen = []

    def shows() -> bool:
        seen.append(screen_colour(qtbot, widget, *PROBE))
        return wanted(seen[-1])

    qtbot.waitUntil(shows, timeout=timeout)
    return seen[-1]


def test_order_opacity_and_ticks_apply_to_layers_painted_together(cordon_app, qtbot, gridded):
    widget = shown_widget(qtbot, gridded)
    both = screen_colour(qtbot, widget, *PROBE)  # the cells over the grid's fill, as the panel's default order has it
    widget.set_layer_visible("cases", False)
    grid_only = colour_becomes(qtbot, widget, lambda c: not near(c, both))
    widget.set_layer_visible("grids", False)
    bare = colour_becomes(qtbot, widget, lambda c: not near(c, grid_only))
    widget.set_layer_visible("cases", True)
    cells_only = colour_becomes(qtbot, widget, lambda c: not near(c, bare))
    assert len({both, grid_only, bare, cells_only}) == 4, (both, grid_only, bare, cells_only)
    widget.set_layer_visible("grids", True)
    colour_becomes(qtbot, widget, lambda c: near(c, both, 3))

    bottom_up = ["admin_units", "grids"] + list(MAP_LAYERS[2:])  # the grids dragged over the towns: over the cells
    widget.set_layer_order(bottom_up)
    on_top = colour_becomes(qtbot, widget, lambda c: not near(c, both, 3))
    assert not near(on_top, grid_only, 3)  # (the cells still show through the grid's fill)
    widget.set_layer_order(list(MAP_LAYERS))
    colour_becomes(qtbot, widget, lambda c: near(c, both, 3))

    widget.set_layer_opacity("grids", 0)  # faded out: as if unticked
    colour_becomes(qtbot, widget, lambda c: near(c, cells_only, 3))
    widget.set_layer_opacity("grids", 0.5)
    half = colour_becomes(qtbot, widget, lambda c: not near(c, cells_only, 3))
    assert not near(half, both, 3)
    widget.set_layer_opacity("cases", 0)
    colour_becomes(qtbot, widget, lambda c: not near(c, half, 3) and not near(c, grid_only, 3))  # the grid, half faded
    assert widget.map_page.console_errors == []
    widget.close()


def widget_with_late(qtbot, project, late: str, *, fail: bool = False):
    """A 1000 × 700 map widget showing ``project`` whose ``late`` layer comes last, after the other two of the grids, the
    cases and the units have been handed over (``fail``: never, its fetch fails), every other layer drawn; also returns
    the page's report."""
    import threading

    from desktop.map_widget import MapWidget

    widget = MapWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    served, others, source = threading.Event(), {"grids", "cases", "admin_units"} - {late}, widget.scheme.layer_source

    def payload(name: str, datum: str) -> bytes:
        if name == late:
            served.wait(10)
            time.sleep(0.3)  # the page has the others on the map meanwhile
            if fail:
                raise OSError("disk unreadable")
        data = source(name, datum)
        others.discard(name)
        if not others:
            served.set()
        return data

    widget.scheme.layer_source = payload
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        widget.set_project(project)
        widget.show()
    qtbot.wait(300)
    return widget, drawn.args[0]


@pytest.mark.parametrize("last", ["grids", "admin_units"])  # under the cells' canvas, or on top of it
def test_layers_coming_in_any_order_look_as_drawn_together(cordon_app, qtbot, gridded, last):
    on_time = shown_widget(qtbot, gridded)
    late, report = widget_with_late(qtbot, gridded, last)
    assert report["failed"] == []
    expected, seen = on_time.grab().toImage(), late.grab().toImage()
    differing = sum(not near(pixel(seen, x, y), pixel(expected, x, y), 8)
                    for x in range(0, seen.width(), 4) for y in range(0, seen.height(), 4))
    assert differing <= 10, f"{differing} of {seen.width() * seen.height() // 16} pixels sampled differ"
    assert late.map_page.console_errors == []


def test_a_layer_that_fails_does_not_keep_the_layers_over_it_off_the_map(cordon_app, qtbot, gridded):
    widget, report = widget_with_late(qtbot, gridded, "grids", fail=True)
    assert [failure.split(":")[0] for failure in report["failed"]] == ["grids"]
    shown = screen_colour(qtbot, widget, *PROBE)
    widget.set_layer_visible("cases", False)  # the density cells were on the map: unticking them changes the colour
    colour_becomes(qtbot, widget, lambda c: not near(c, shown, 3))


def pixel(image, x, y) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()
