"""The map always shows what is there: a county's villages without codes, levels or county outline are fitted
and drawn; an empty project shows China with its first steps; a dropped file opens the import wizard on the
guessed layer; an import fits the view to what it brought."""

import doctest
import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWizard

from data.importers import layer_guess
from data.project import Project
from gis.offsets import wgs84_to_gcj02

DRAW_TIMEOUT_MS = 30_000
COLUMNS, ROWS = 50, 45  # 2250 villages: more than the page thins outlines for (LOD_ABOVE in cordon_map.js)
WEST, SOUTH, SIZE = 113.30, 33.52, 0.004  # ~400 m villages of a county around 113.4°E 33.6°N
BACKGROUND = (0xF4, 0xF1, 0xEA)  # gis.symbology.BACKGROUND
SITES = [("城关宾馆隔离点", 113.612, 33.781, 80), ("县委党校", 113.628, 33.792, 60), ("龙泉酒店", 113.621, 33.772, 40)]


def js(qtbot, view, expression):
    """Evaluate a JavaScript expression in the page and return its value (it crosses as JSON)."""
    box = []
    view.page().runJavaScript(f"JSON.stringify(({expression}) ?? null)", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def view_bounds(qtbot, window):
    return js(qtbot, window.map, "cordon.view().bounds")


def contains(outer, inner) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def villages_project(path) -> tuple[Project, tuple]:
    """Villages as a real county file gives them: no codes, no county unit, level missing for a third."""
    project = Project.create(path, name="叶县")
    geoms, names, levels = [], [], []
    for i in range(COLUMNS):
        for j in range(ROWS):
            x, y = WEST + i * SIZE, SOUTH + j * SIZE
            geoms.append(shapely.Polygon([(x, y), (x + SIZE, y + SIZE * 0.1), (x + SIZE * 0.95, y + SIZE),
                                          (x - SIZE * 0.05, y + SIZE * 0.9)]))
            names.append(f"{i}-{j}村")
            levels.append(None if (i + j) % 3 == 0 else "village")
    frame = gpd.GeoDataFrame({"name": names, "level": levels}, geometry=geoms, crs=4490)
    with project.transaction() as edit:
        edit.insert("admin_units", frame, log_each=False)
    return project, tuple(shapely.total_bounds(np.asarray(geoms)))


def open_window(qtbot, project):
    from desktop.main_window import MainWindow

    window = MainWindow(project)
    window.resize(1024, 700)  # a small office screen: the fitted zoom (below 12) depends on the map size
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        window.show()
    assert drawn.args[0]["failed"] == []
    window.first_draw = drawn.args[0]
    return window


@pytest.fixture
def villages(cordon_app, qtbot, tmp_path):
    project, extent = villages_project(tmp_path / "villages.gpkg")
    window = open_window(qtbot, project)
    window.extent = extent
    yield window
    window.close()


@pytest.fixture
def empty(cordon_app, qtbot, tmp_path):
    window = open_window(qtbot, Project.create(tmp_path / "empty.gpkg", name="新县"))
    yield window
    if window.import_wizard is not None:
        window.import_wizard.reject()
    window.close()


def pixel_box(window, bounds, extent):
    """The map widget's pixel rectangle of a lon/lat extent, for a view of ``bounds`` (Web Mercator)."""
    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width, height = window.map.width(), window.map.height()
    west, south, east, north = bounds
    x = [round((lon - west) / (east - west) * width) for lon in (extent[0], extent[2])]
    y = [round((merc(north) - merc(lat)) / (merc(north) - merc(south)) * height) for lat in (extent[3], extent[1])]
    return x[0], y[0], x[1], y[1]


def test_a_county_of_villages_without_codes_levels_or_outline_is_fitted_and_drawn(villages, qtbot):
    extent = villages.extent
    bounds = view_bounds(qtbot, villages)
    assert contains(bounds, extent)
    assert min((bounds[2] - bounds[0]) / (extent[2] - extent[0]), (bounds[3] - bounds[1]) / (extent[3] - extent[1])) < 3
    assert js(qtbot, villages.map, "cordon.view().zoom") < 12  # county zoom, where big unit layers thin out
    assert villages.first_draw["counts"]["admin_units"] == COLUMNS * ROWS
    drawn = js(qtbot, villages.map, "cordon.drawnInView()")
    assert drawn["admin_units"] > 1000 and drawn["labels"] > 10
    assert villages.map.map_page.console_errors == []
    assert not villages.checklist.isVisible()

    image = villages.map.grab().toImage()
    x0, y0, x1, y1 = pixel_box(villages, bounds, extent)
    inside = [image.pixelColor(x, y) for x in range(x0 + 5, x1 - 5, 3) for y in range(y0 + 5, y1 - 5, 3)]
    stroked = [c for c in inside if (c.red(), c.green(), c.blue()) != BACKGROUND and c.red() < 200]
    assert len(stroked) > 0.1 * len(inside)  # outline strokes across the villages' area, not a blank map
    cx, cy, width, height = (x0 + x1) // 2, (y0 + y1) // 2, image.width(), image.height()
    around = ([image.pixelColor(x, cy) for x in [*range(60, x0 - 5), *range(x1 + 5, width - 60)]]
              + [image.pixelColor(cx, y) for y in [*range(5, y0 - 5), *range(y1 + 5, height - 40)]])
    assert len(around) > 20 and all((c.red(), c.green(), c.blue()) == BACKGROUND for c in around)  # just them

    villages.map.fit_bounds((73.5, 18.0, 135.1, 53.6))
    qtbot.waitUntil(lambda: view_bounds(qtbot, villages)[0] < 80, timeout=10_000)
    villages.zoom_county_action.trigger()  # 视图 → 缩放到全县: no county unit, so back to everything there is
    qtbot.waitUntil(lambda: contains(view_bounds(qtbot, villages), extent)
                    and view_bounds(qtbot, villages)[0] > extent[0] - 3 * (extent[2] - extent[0]), timeout=10_000)


def test_an_empty_project_shows_china_and_its_first_steps(empty, qtbot):
    from desktop.import_wizard import ImportWizard

    bounds = view_bounds(qtbot, empty)
    assert bounds[0] <= 80 and bounds[2] >= 130 and bounds[1] <= 25 and bounds[3] >= 45
    assert empty.checklist.isVisible()
    buttons = {b.text(): b for b in empty.checklist.findChildren(QPushButton)}
    assert {"导入村界", "导入网格", "导入隔离点", "导入病例"} <= set(buttons)

    qtbot.mouseClick(buttons["导入病例"], Qt.MouseButton.LeftButton)
    wizard = empty.import_wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    assert wizard.settings().layer == "cases"
    assert wizard.file_page.layer_combo.currentText() == "病例与密接"
    wizard.reject()
    assert empty.import_wizard is None and empty.project.count("cases") == 0


def _sites_csv(path):
    lines = ["名称,经度,纬度,房间数"]
    for name, lon, lat, rooms in SITES:
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        lines.append(f"{name},{float(g_lon):.7f},{float(g_lat):.7f},{rooms}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _drop(widget, path) -> bool:
    """Drag a file from a file manager onto ``widget`` and drop it; whether the drag was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = widget.rect().center()
    enter = QDragEnterEvent(QPoint(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted() and drop.isAccepted()


def test_a_file_dropped_on_the_map_opens_the_wizard_on_the_guessed_layer(empty, qtbot, tmp_path):
    path = _sites_csv(tmp_path / "隔离点.csv")
    target = empty.map.focusProxy()  # the page's own widget, where a real drop lands
    assert target is not None and target is not empty.map
    assert _drop(target, path)
    wizard = empty.import_wizard
    assert wizard is not None and wizard.isVisible()
    assert wizard.file_page.path_edit.text() == str(path)
    assert wizard.settings().layer == "isolation_sites"
    assert wizard.file_page.layer_combo.currentText() == "集中隔离场所"
    assert empty.map.map_page.console_errors == []


def test_an_import_fits_the_view_to_what_it_brought(empty, qtbot, tmp_path):
    path = _sites_csv(tmp_path / "集中隔离场所.csv")
    assert _drop(empty.map.focusProxy(), path)
    wizard = empty.import_wizard
    page = wizard.file_page
    page.crs_combo.setCurrentIndex(page.crs_combo.findData("gcj02"))
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded, timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.report is not None, timeout=20_000)
    assert wizard.report.imported == len(SITES)
    wizard.button(QWizard.WizardButton.FinishButton).click()

    sites = (min(s[1] for s in SITES), min(s[2] for s in SITES), max(s[1] for s in SITES), max(s[2] for s in SITES))
    qtbot.waitUntil(lambda: view_bounds(qtbot, empty)[2] - view_bounds(qtbot, empty)[0] < 1, timeout=10_000)
    bounds = view_bounds(qtbot, empty)
    assert contains(bounds, (sites[0] - 0.001, sites[1] - 0.001, sites[2] + 0.001, sites[3] + 0.001))  # GCJ-02 undone
    assert bounds[2] - bounds[0] < 10 * (sites[2] - sites[0])
    qtbot.waitUntil(lambda: js(qtbot, empty.map, "cordon.featureCounts().isolation_sites") == len(SITES), timeout=10_000)
    assert empty.checklist.isVisible()  # the other first steps are still to do
    assert empty.checklist.buttons["isolation_sites"].text() == "✓ 导入隔离点"
    assert empty.checklist.buttons["cases"].text() == "导入病例"


def test_the_layer_guess_examples_hold():
    assert doctest.testmod(layer_guess).failed == 0
