"""The map gets the room: zone panel and dashboard share one side as tabs, the attribute table opens on demand,
the map keeps at least 60 % of the window at office screen sizes; the window comes back as it was left (size,
docks, map view) and refits the same extent when resized; coded fields are edited by their Chinese labels."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox

from data.project import Project

DRAW_TIMEOUT_MS = 30_000
WEST, SOUTH, STEP = 113.28, 33.55, 0.02  # a 6 × 5 block of ~2 km villages in 叶县 (CGCS2000)


def county_project(path) -> Project:
    """Villages, a town outline and a few cases and contacts as staff enter them (status in their words)."""
    project = Project.create(path, name="叶县")
    villages = [shapely.box(WEST + i * STEP, SOUTH + j * STEP, WEST + (i + 1) * STEP, SOUTH + (j + 1) * STEP)
                for i in range(6) for j in range(5)]
    units = gpd.GeoDataFrame({"name": [f"任店{k}村" for k in range(len(villages))], "level": "village",
                              "code": [f"41042210{k:04d}" for k in range(len(villages))], "population": 1800},
                             geometry=villages, crs=4490)
    cases = gpd.GeoDataFrame({"case_no": ["YX-001", "YX-002", "YX-003"],
                              "category": ["confirmed", "close_contact", "secondary_contact"],
                              "status": ["hospitalized", "home_monitoring", None],
                              "reported_at": "2026-11-18T09:00:00"},
                             geometry=shapely.points([(113.31, 33.57), (113.33, 33.58), (113.35, 33.60)]), crs=4490)
    with project.transaction() as edit:
        edit.insert("admin_units", units, log_each=False)
        edit.insert("cases", cases, log_each=False)
    return project


@pytest.fixture
def settings():
    """The window's keys cleared, as on a machine where Cordon never ran."""
    store = QSettings()
    store.remove("window")
    yield store
    store.remove("window")


def open_window(qtbot, project, *, size=None, restore=False):
    from desktop.main_window import MainWindow

    window = MainWindow(project)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        if restore:
            window.show_window()
        else:
            window.resize(*size)
            window.show()
    assert drawn.args[0]["failed"] == []
    qtbot.waitUntil(lambda: not window._settling and window._extent is not None, timeout=5000)
    return window


def settled(window) -> bool:
    """No resize or refit under way: the view the page reports is the one chosen."""
    return not window._settling and not window._refit_timer.isActive()


def on_top(dock) -> bool:
    """A dock shown and, if tabbed, its tab the current one."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def view(qtbot, window) -> dict:
    box = []
    window.map.page().runJavaScript("JSON.stringify(cordon.view())", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def wait_for_view(qtbot, window, check, timeout=8000):
    """Wait until the page's view passes ``check`` (the view changes asynchronously)."""
    found = {}

    def ok():
        found["view"] = view(qtbot, window)
        return check(found["view"])

    qtbot.waitUntil(ok, timeout=timeout)
    return found["view"]


@pytest.mark.parametrize("size", [(1600, 1000), (1366, 768)])
def test_the_map_keeps_most_of_the_window_with_every_dock_shown(cordon_app, qtbot, tmp_path, settings, size):
    window = open_window(qtbot, county_project(tmp_path / "叶县.gpkg"), size=size)
    assert window.attribute_dock.isHidden()  # the table opens when asked for, from the layer dock or 视图
    dashboard = window.capacity_dock
    with qtbot.waitSignal(dashboard.refreshed, timeout=DRAW_TIMEOUT_MS):  # its totals sentence is long
        dashboard.raise_()
        dashboard.tab_widget.setCurrentWidget(dashboard.grid_tab)
        dashboard.refresh()
    window.layer_dock.table_button.click()
    qtbot.waitUntil(lambda: window.attribute_dock.isVisible())
    qtbot.wait(100)
    assert all(dock.toggleViewAction().isChecked() for dock in window.docks)
    assert window.tabifiedDockWidgets(window.zone_panel) == [window.capacity_dock]  # one side, as tabs
    assert window.map.width() >= 0.6 * window.width()
    side = window.zone_panel.width()
    assert window.zone_panel.minimumSizeHint().width() <= side <= 420
    if size[0] == 1600:
        assert side >= 360
    assert window.map.height() >= 0.5 * window.height()  # the attribute table is short
    assert window.attribute_dock.table.model().rowCount() > 0


def test_panels_fold_away_and_come_back(cordon_app, qtbot, tmp_path, settings):
    window = open_window(qtbot, county_project(tmp_path / "叶县.gpkg"), size=(1366, 768))
    window.capacity_dock.raise_()
    window.map_only_action.trigger()
    qtbot.waitUntil(lambda: not any(dock.isVisible() for dock in window.docks))
    qtbot.waitUntil(lambda: window.map.width() >= 0.95 * window.width())
    window.map_only_action.trigger()
    qtbot.waitUntil(lambda: window.layer_dock.isVisible() and on_top(window.capacity_dock))
    assert window.zone_panel.toggleViewAction().isChecked() and not on_top(window.zone_panel)  # the same tab on top
    window.zone_panel.toggleViewAction().trigger()  # 视图 → 管控区域: closes it
    assert window.zone_panel.isHidden()
    window.zone_panel.toggleViewAction().trigger()
    assert window.zone_panel.toggleViewAction().isChecked()


def test_restart_finds_the_same_size_docks_and_view(cordon_app, qtbot, tmp_path, settings):
    path = tmp_path / "叶县.gpkg"
    first = open_window(qtbot, county_project(path), restore=True)
    assert first.isMaximized()  # first run
    first.showNormal()
    screen = first.screen().availableGeometry()
    first.setGeometry(screen.adjusted(20, 30, -40, -50))  # a size of the user's own, within the screen
    qtbot.waitUntil(lambda: not first.isMaximized())
    first.layer_dock.close()
    first.capacity_dock.raise_()
    first.layer_dock.attributesRequested.emit("cases")
    qtbot.waitUntil(lambda: first._settling, timeout=5000)  # the map got shorter: it refits
    qtbot.waitUntil(lambda: settled(first), timeout=5000)
    first.map.fit_bounds((113.30, 33.56, 113.34, 33.59))
    chosen = wait_for_view(qtbot, first, lambda v: v["zoom"] >= 12)
    qtbot.waitUntil(lambda: first._extent == chosen["bounds"], timeout=5000)
    left = first.geometry()
    first.close()

    second = open_window(qtbot, Project.open(path), restore=True)
    assert not second.isMaximized()
    assert second.geometry() == left
    assert second.layer_dock.isHidden()
    assert second.attribute_dock.isVisible() and second.attribute_dock.current_layer() == "cases"
    assert on_top(second.capacity_dock) and not on_top(second.zone_panel)  # the dashboard tab on top
    assert second.zone_panel.toggleViewAction().isChecked()
    again = wait_for_view(qtbot, second, lambda v: abs(v["zoom"] - chosen["zoom"]) < 0.01)
    assert again["center"] == pytest.approx(chosen["center"], abs=2e-4)


def test_a_view_left_on_the_autonavi_basemap_comes_back_in_place(cordon_app, qtbot, tmp_path, settings):
    from gis.offsets import gcj02_to_wgs84

    path = tmp_path / "叶县.gpkg"
    first = open_window(qtbot, county_project(path), size=(1600, 1000))
    with qtbot.waitSignal(first.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        first.map.set_basemap("amap")  # the page now shows everything shifted to GCJ-02
    chosen = view(qtbot, first)
    qtbot.waitUntil(lambda: first._extent == chosen["bounds"], timeout=5000)
    first.close()

    second = open_window(qtbot, Project.open(path), restore=True)  # the offline basemap: storage coordinates
    left = gcj02_to_wgs84(*chosen["center"])  # the same streets, some 600 m from the shifted coordinates
    wait_for_view(qtbot, second, lambda v: v["center"] == pytest.approx([float(c) for c in left], abs=2e-4))


def test_resizing_the_window_refits_the_same_extent(cordon_app, qtbot, tmp_path, settings):
    window = open_window(qtbot, county_project(tmp_path / "叶县.gpkg"), size=(1600, 1000))
    extent = (113.29, 33.56, 113.37, 33.61)
    window.map.fit_bounds(extent)
    chosen = wait_for_view(qtbot, window, lambda v: v["zoom"] >= 11)
    qtbot.waitUntil(lambda: window._extent == chosen["bounds"], timeout=5000)

    window.resize(1100, 700)
    smaller = wait_for_view(qtbot, window, lambda v: v["zoom"] < chosen["zoom"])
    west, south, east, north = smaller["bounds"]
    assert west <= extent[0] and south <= extent[1] and east >= extent[2] and north >= extent[3]  # all still in view
    window.resize(1600, 1000)
    back = wait_for_view(qtbot, window, lambda v: v["zoom"] == chosen["zoom"])
    assert back["center"] == pytest.approx(chosen["center"], abs=2e-4)  # no drift after two resizes


def _cell(window, fid, field):
    model = window.attribute_dock.model
    return model.index(model.row_of(fid), model.column_of(field))


def _status(project, fid):
    return project.read_layer("cases", where="fid = ?", params=(fid,)).loc[fid, "status"]


def _editor(qtbot, window, fid) -> QComboBox:
    table = window.attribute_dock.table
    index = _cell(window, fid, "status")
    table.setCurrentIndex(index)
    table.edit(index)
    editors = []  # the editor just opened (a closed one may linger until deleted)
    qtbot.waitUntil(lambda: bool(editors.extend(c for c in table.viewport().findChildren(QComboBox)
                                                if c.isVisible()) or editors))
    return editors[0]


def test_case_status_is_edited_by_its_chinese_labels(cordon_app, qtbot, tmp_path, settings):
    project = county_project(tmp_path / "叶县.gpkg")
    window = open_window(qtbot, project, size=(1600, 1000))
    window.layer_dock.attributesRequested.emit("cases")
    fids = project.read_layer("cases").index.tolist()
    assert _cell(window, fids[0], "status").data() == "住院治疗"  # never the stored code

    combo = _editor(qtbot, window, fids[1])
    assert combo.findText("集中隔离") >= 0 and combo.findText("isolated") < 0
    choice = combo.findText("集中隔离")
    combo.setCurrentIndex(choice)
    combo.activated.emit(choice)  # picked from the drop-down
    assert _status(project, fids[1]) == "isolated"
    qtbot.waitUntil(lambda: _cell(window, fids[1], "status").data() == "集中隔离")

    combo = _editor(qtbot, window, fids[2])
    combo.lineEdit().setText("住院")  # the word a sheet would use, typed
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _status(project, fids[2]) == "hospitalized")
    qtbot.waitUntil(lambda: _cell(window, fids[2], "status").data() == "住院治疗")

    combo = _editor(qtbot, window, fids[2])
    combo.lineEdit().setText("随便")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    message = window.attribute_dock.status_label
    qtbot.waitUntil(message.isVisible)
    assert "随便" in message.text() and "集中隔离" in message.text() and "住院治疗" in message.text()
    assert _status(project, fids[2]) == "hospitalized"
    window.undo_stack.undo()
    assert pd.isna(_status(project, fids[2]))
