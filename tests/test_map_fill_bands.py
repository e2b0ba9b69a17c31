"""A county of more grids than the page fills one by one: their shading is kept as one image of the whole layer,
made a band of rows at a time so the page answers meanwhile. Zoomed out (drawn from that image) every grid is
shaded and no row or pixel between the bands is left bare (a real QWebEngineView on 叶县, in Gauss-Krüger metres)."""

import geopandas as gpd
import numpy as np
import pytest

from data.project import Project
from gis.crs import STORAGE_CRS
from tests.gauss_kruger import SurveyPlane
from tests.test_map_density import shown_widget
from tests.test_map_patch import js

PLANE = SurveyPlane("EPSG:4547", (414_000, 3_725_000))  # CGCS2000 Gauss-Krüger 114°E, where 叶县 lies
COLUMNS, ROWS, GRID_M = 42, 50, 500  # 2,100 grids over 21 × 25 km: an image of their fills several bands tall

BARE_PIXELS = """(() => {  // the grids' canvas: transparent pixels in a lon/lat box, and the box's size in pixels
  const [west, south, east, north] = cordon.view().bounds, merc = (lat) => Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360));
  const canvas = [...document.querySelectorAll('.leaflet-grids-pane canvas')].find((c) => c.style.display !== 'none');
  const px = (lon, lat) => [((lon - west) / (east - west)) * canvas.width, ((merc(north) - merc(lat)) / (merc(north) - merc(south))) * canvas.height];
  const [x0, y0] = px(%(west)r, %(north)r), [x1, y1] = px(%(east)r, %(south)r);
  const left = Math.max(0, Math.ceil(x0) + 2), top = Math.max(0, Math.ceil(y0) + 2); // (the part of the box in view)
  const w = Math.min(canvas.width, Math.floor(x1) - 2) - left, h = Math.min(canvas.height, Math.floor(y1) - 2) - top;
  const data = canvas.getContext('2d').getImageData(left, top, w, h).data;
  let bare = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] === 0) bare++;
  return [bare, w, h];
})()"""


def inner_box() -> tuple[float, float, float, float]:
    """A lon/lat box inside the grids, 500 m in from their edges (north-south in Gauss-Krüger is not quite north)."""
    width, height = COLUMNS * GRID_M, ROWS * GRID_M
    (sw, se, nw, ne) = (PLANE.lon_lat(x, y) for x, y in ((500, 500), (width - 500, 500), (500, height - 500),
                                                          (width - 500, height - 500)))
    return max(sw[0], nw[0]), max(sw[1], se[1]), min(se[0], ne[0]), min(nw[1], ne[1])


@pytest.fixture
def county(tmp_path) -> Project:
    """2,100 grids of 500 m, one confirmed case in each (every grid shaded)."""
    cells = [(c, r) for r in range(ROWS) for c in range(COLUMNS)]
    grids = gpd.GeoDataFrame({"code": [f"410422100G{i:04d}" for i in range(len(cells))],
                              "name": [f"第{i + 1}网格" for i in range(len(cells))]},
                             geometry=[PLANE.box(c * GRID_M, r * GRID_M, GRID_M, GRID_M) for c, r in cells],
                             crs=STORAGE_CRS)
    centres = np.array(cells) * GRID_M + GRID_M / 2
    cases = gpd.GeoDataFrame({"case_no": [f"YX-{i:04d}" for i in range(len(cells))], "category": "confirmed",
                              "reported_at": "2026-11-20T09:00:00"},
                             geometry=PLANE.points(centres[:, 0], centres[:, 1]).values, crs=STORAGE_CRS)
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    with project.transaction() as edit:
        edit.insert("grids", grids, log_each=False)
        edit.insert("cases", cases, log_each=False)
    return project


def test_zoomed_out_every_grid_is_shaded_from_the_banded_image_without_a_seam(cordon_app, qtbot, county):
    widget = shown_widget(qtbot, county)
    west, south, east, north = inner_box()
    qtbot.wait(700)  # the page has made the image of the grids' fills, band by band, and draws from it
    zoom = js(qtbot, widget, "cordon.view().zoom")
    assert zoom < 12  # zoomed out: where the image, not each grid, is drawn
    bare, width, height = js(qtbot, widget, BARE_PIXELS % {"west": west, "south": south, "east": east, "north": north})
    assert width > 300 and height > 300
    assert bare == 0
    widget.fit_bounds((2 * west - east, 2 * south - north, 2 * east - west, 2 * north - south))  # a coarser level
    qtbot.waitUntil(lambda: js(qtbot, widget, "cordon.view().zoom") <= zoom - 1, timeout=5000)
    qtbot.wait(300)
    bare, width, height = js(qtbot, widget, BARE_PIXELS % {"west": west, "south": south, "east": east, "north": north})
    assert width > 100 and height > 100
    assert bare == 0
    # at the image's own zoom it is drawn pixel for pixel: a row missed where two bands meet would show
    middle = PLANE.lon_lat(COLUMNS * GRID_M / 2, ROWS * GRID_M / 2)
    js(qtbot, widget, "Object.values(window).find((v) => v instanceof L.Map).setView(%r, 13, {animate: false}) && true"
       % [middle[1], middle[0]])
    qtbot.waitUntil(lambda: js(qtbot, widget, "cordon.view().zoom") == 13, timeout=5000)
    qtbot.wait(300)
    bare, width, height = js(qtbot, widget, BARE_PIXELS % {"west": west, "south": south, "east": east, "north": north})
    assert width > 500 and height > 500
    assert bare == 0
    assert widget.map_page.console_errors == []
    widget.close()
