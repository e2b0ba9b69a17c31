"""A county crowded with cases stays readable: with thousands of cases in view the map shades square cells by how
many people each holds (infections red, contacts blue, counts on hover, a legend with the class breaks) under the
zones, outlines and labels; zoomed in on a few, each case is its own dot again and can be clicked (a real
QWebEngineView on 鲁山县 built here in Gauss-Krüger metres)."""

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data import gpkg, zone_store
from data.project import Project
from gis.crs import STORAGE_CRS, STORAGE_EPSG
from tests.gauss_kruger import SurveyPlane
from tests.test_map_tools import click, js, move_to

PLANE = SurveyPlane("EPSG:4547", (398_000, 3_732_000))  # CGCS2000 Gauss-Krüger 114°E (鲁山县 lies west of it)
gk, gk_box, lon_lat = PLANE.points, PLANE.box, PLANE.lon_lat
DRAW_TIMEOUT_MS = 30_000
WEST, EAST, LONE = (3000, 3000), (9000, 3000), (11_600, 400)  # the infections' and contacts' centres, one case apart


@pytest.fixture
def crowded(tmp_path) -> Project:
    """Two towns of 鲁山县; 3,000 infections around the west town's centre, 3,000 contacts around the east town's
    (a sealed zone over them), and one confirmed case alone in the east town's far corner."""
    towns = gpd.GeoDataFrame({"code": ["410423100000", "410423101000"], "name": ["鲁阳街道", "张官营镇"],
                              "level": ["town", "town"]},
                             geometry=[gk_box(0, 0, 6000, 6000), gk_box(6000, 0, 6000, 6000)], crs=STORAGE_CRS)
    rng = np.random.default_rng(7)
    n = 3000
    categories = np.concatenate([rng.choice(["confirmed", "asymptomatic"], n),
                                 rng.choice(["close_contact", "secondary_contact"], n), ["confirmed"]])
    xs = np.concatenate([rng.normal(WEST[0], 500, n), rng.normal(EAST[0], 500, n), [LONE[0]]])
    ys = np.concatenate([rng.normal(WEST[1], 500, n), rng.normal(EAST[1], 500, n), [LONE[1]]])
    cases = gpd.GeoDataFrame({"case_no": [f"LS-{i:04d}" for i in range(2 * n + 1)], "category": categories,
                              "reported_at": "2026-04-02T09:00:00"}, geometry=gk(xs, ys).values, crs=STORAGE_CRS)
    project = Project.create(tmp_path / "鲁山县.gpkg", name="鲁山县", county_code="410423")
    with project.transaction() as edit:
        edit.insert("admin_units", towns, log_each=False)
        edit.insert("cases", cases, log_each=False)
    zone_store.create_zone(project, gk_box(EAST[0] - 800, EAST[1] - 800, 1600, 1600), tier="sealed", kind="drawn")
    return project


def shown_widget(qtbot, project):
    """A map widget of 1000 × 700 showing ``project``, every layer drawn."""
    from desktop.map_widget import MapWidget

    widget = MapWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        widget.set_project(project)
        widget.show()
    qtbot.wait(300)
    return widget


@pytest.fixture
def shown(cordon_app, qtbot, crowded):
    widget = shown_widget(qtbot, crowded)
    yield widget
    widget.close()


ARRAY_CANVASES = ("[...document.querySelectorAll('canvas.cordon-array-canvas')].filter((c) => c.style.display !== 'none')"
                  ".sort((a, b) => a.parentNode.style.zIndex - b.parentNode.style.zIndex)")
"""The canvases the layers drawn from arrays are painted on (several layers may share one), bottom up."""


def density_pixel(qtbot, widget, x_m, y_m) -> list[int]:
    """The colour the density cells put at a place: the lowest canvas of the layers drawn from arrays, which they share
    with the town outlines over them (the zones not over it)."""
    x, y = js(qtbot, widget, f"cordon.pointOf({', '.join(map(str, lon_lat(x_m, y_m)))})")
    canvas = f"{ARRAY_CANVASES}[0]"
    return js(qtbot, widget, f"Array.from({canvas}.getContext('2d').getImageData({round(x)}, {round(y)}, 1, 1).data)")


def legend(qtbot, widget) -> str:
    return js(qtbot, widget, "document.getElementById('cordon-legend').textContent")


def test_thousands_of_cases_are_cells_shaded_by_count_under_the_zones_with_counts_on_hover(shown, qtbot):
    words = legend(qtbot, shown)
    assert "每格人数" in words and "感染者" in words and "密接及次密接" in words
    assert "1–9" in words and "≥10000" in words and "见方" in words
    assert "疑似" not in words and "确诊病例" not in words  # no group absent from the layer, no dots
    red, green, blue, alpha = density_pixel(qtbot, shown, *WEST)
    assert alpha > 150 and red > blue + 60 and red > green + 60  # infections: a red ramp
    red, green, blue, alpha = density_pixel(qtbot, shown, *EAST)
    assert alpha > 150 and blue > red + 60  # contacts: a blue ramp
    z = {name: int(js(qtbot, shown, f"document.querySelector('.leaflet-{name}-pane').style.zIndex"))
         for name in ("cases_density", "admin_units", "control_zones", "labels", "cases")}
    assert z["cases_density"] < min(z["admin_units"], z["control_zones"], z["labels"], z["cases"])

    x, y = js(qtbot, shown, f"cordon.pointOf({', '.join(map(str, lon_lat(*WEST)))})")
    move_to(qtbot, shown, round(x), round(y))
    tip = "(document.querySelector('.cordon-density-tip') || {}).textContent || ''"
    qtbot.waitUntil(lambda: "感染者" in js(qtbot, shown, tip), timeout=5000)
    text = js(qtbot, shown, tip)
    assert "确诊病例" in text and "无症状感染者" in text and "密接" not in text

    shown.set_layer_visible("cases", False)  # unticking the cases takes their shading away too
    qtbot.waitUntil(lambda: js(qtbot, shown, "document.querySelector('.leaflet-cases_density-pane').style.display")
                    == "none", timeout=5000)
    assert shown.map_page.console_errors == []


def test_zoomed_in_on_a_few_cases_each_is_a_dot_that_can_be_clicked(shown, qtbot, crowded):
    lon, lat = lon_lat(*LONE)
    with qtbot.waitSignal(shown.viewChanged, timeout=10_000):
        shown.fit_bounds((lon - 0.004, lat - 0.003, lon + 0.004, lat + 0.003))
    qtbot.waitUntil(lambda: "确诊病例" in legend(qtbot, shown), timeout=5000)  # the legend gives the dots' colours
    assert "每格人数" not in legend(qtbot, shown)
    fid = int(crowded.read_layer("cases", where="case_no = ?", params=("LS-6000",)).index[0])
    x, y = js(qtbot, shown, f"cordon.pointOf({lon}, {lat})")
    with qtbot.waitSignal(shown.featureClicked, timeout=5000) as clicked:
        click(qtbot, shown, round(x) + 2, round(y) - 1)
    assert clicked.args == ["cases", fid]
    assert shown.map_page.console_errors == []


def test_cases_left_without_coordinates_change_neither_the_cells_nor_their_size(cordon_app, qtbot, crowded):
    """QGIS or a spreadsheet round trip can leave a case with an emptied point or none at all: the layer is drawn
    all the same, those cases nowhere, and the county's cells stay as fine as without them."""
    import sqlite3

    with sqlite3.connect(crowded.path) as conn:
        conn.execute("UPDATE cases SET geom = NULL WHERE case_no = 'LS-0007'")
        conn.execute("UPDATE cases SET geom = ? WHERE case_no = 'LS-3007'",
                     (gpkg.encode_geometries([shapely.Point()], STORAGE_EPSG)[0],))
    widget = shown_widget(qtbot, crowded)
    words = legend(qtbot, widget)
    size = re.search(r"每格约 ([\d.]+) (公里|米)见方", words)
    assert size and (size[2] == "米" or float(size[1]) < 2), words  # cells of a few hundred metres, as before
    red, green, blue, alpha = density_pixel(qtbot, widget, *WEST)
    assert alpha > 150 and red > blue + 60
    assert density_pixel(qtbot, widget, 5700, 5500)[3] == 0  # between the clusters (clear of the towns' border): no cell
    widget.close()
