"""The layer panel's order, opacity and ticks hold for layers the page paints together: on 鲁山县's west town, split
into four grids that its 3,000 infections shade, the grids' fill and the density cells over it are drawn on one
canvas, yet putting the grids on top, fading them out or unticking either changes what the user sees as the panel
says (a real QWebEngineView; the colours read from the widget's own pixels)."""

import geopandas as gpd
import pytest

from data.map_payload import MAP_LAYERS
from gis.crs import STORAGE_CRS
from tests.test_map_density import crowded, gk_box, lon_lat, shown_widget  # noqa: F401 (fixture)
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
