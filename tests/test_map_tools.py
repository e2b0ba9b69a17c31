"""The map's tools in the real window, driven with real mouse events on the page: the active tool decides
what a click hits (zone tools hit zones under villages and cases; browsing hits the topmost feature), delete
names the zone and asks, vertex editing takes one zone, and a snapped circle stores the radius shown.

The county is built here (郏县, Henan): four villages in a row under a town, a grid, isolation sites and
cases, all layers shown."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time

import geopandas as gpd
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from shapely.geometry import Point, box

from data import zone_store
from data.project import Project

TODAY = dt.date.today()
VILLAGES = {  # code: (name, population, box)
    "410425100001": ("薛店村", 2100, (113.20, 33.95, 113.22, 33.97)),
    "410425100002": ("黄道村", 1500, (113.22, 33.95, 113.24, 33.97)),
    "410425100003": ("茨芭社区", 3200, (113.24, 33.95, 113.26, 33.97)),
    "410425100004": ("堂街村", 1100, (113.26, 33.95, 113.28, 33.97)),
}
XUE, HUANG, CI, TANG = VILLAGES
CASE = (113.205, 33.958)  # a case in 薛店村
BOTTOM_ZONES = ["control_zones", "grids", "admin_units", "isolation_sites", "facilities", "key_persons", "cases"]

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor")]


def _insert(project: Project, layer: str, rows: list[dict], shapes: list) -> None:
    with project.transaction() as edit:
        edit.insert(layer, gpd.GeoDataFrame(rows, geometry=shapes, crs=4490))


@pytest.fixture
def county(tmp_path) -> Project:
    project = Project.create(tmp_path / "郏县.gpkg", name="郏县防控", county_code="410425")
    _insert(project, "admin_units",
            [{"code": "410425100000", "name": "薛店镇", "level": "town", "parent_code": "410425", "population": 7900}]
            + [{"code": code, "name": name, "level": "community" if "社区" in name else "village",
                "parent_code": "410425100000", "population": people} for code, (name, people, _) in VILLAGES.items()],
            [box(113.20, 33.95, 113.28, 33.97)] + [box(*b) for _, _, b in VILLAGES.values()])
    _insert(project, "grids", [{"code": f"{XUE}-01", "name": "薛店一网格", "unit_code": XUE, "population": 2100}],
            [box(*VILLAGES[XUE][2])])
    _insert(project, "isolation_sites", [{"name": "郏县隔离酒店", "rooms": 80, "occupied": 10, "status": "active"}],
            [Point(113.25, 33.96)])
    _insert(project, "cases", [{"case_no": f"JX{i:03d}", "category": "confirmed",
                                "reported_at": f"{TODAY - dt.timedelta(days=i + 1)}T09:00:00"} for i in range(3)],
            [Point(*CASE), Point(113.215, 33.962), Point(113.232, 33.955)])
    return project


@pytest.fixture
def window(main_window, county):
    return main_window(county)


def js(qtbot, view, expression):
    box_ = []
    view.page().runJavaScript(f"JSON.stringify(({expression}) ?? null)", 0, box_.append)
    qtbot.waitUntil(lambda: bool(box_), timeout=10_000)
    return json.loads(box_[0])


def mouse(view, kind, x, y):
    """A real mouse event on the page's own widget at pixel (x, y)."""
    target = view.focusProxy()
    pos = QPointF(x, y)
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, target.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    event.setTimestamp(int(time.monotonic() * 1000))  # clicks a second apart are not a double click
    QApplication.sendEvent(target, event)


def pixel(qtbot, view, lng, lat):
    return js(qtbot, view, f"cordon.pointOf({lng}, {lat})")


def move_to(qtbot, view, x, y):
    for step in range(3, -1, -1):  # a few moves, as a hand makes: Geoman snaps on mouse moves
        mouse(view, QEvent.Type.MouseMove, x + step, y + step)
        qtbot.wait(30)


def click(qtbot, view, x, y):
    move_to(qtbot, view, x, y)
    mouse(view, QEvent.Type.MouseButtonPress, x, y)
    mouse(view, QEvent.Type.MouseButtonRelease, x, y)
    qtbot.wait(150)


def click_at(qtbot, view, lng, lat):
    click(qtbot, view, *pixel(qtbot, view, lng, lat))


def show_villages(qtbot, win, order=BOTTOM_ZONES, bounds=(113.20, 33.95, 113.24, 33.97)):
    """Every layer shown, zones drawn at the bottom (under grids, villages, sites and cases); the view on
    薛店村 and 黄道村."""
    state = win.layer_dock.state()
    for name in state["layers"]:
        state["layers"][name]["visible"] = True
    win.layer_dock.restore({**state, "order": list(order)})
    size = win.map.size()
    move_to(qtbot, win.map, size.width() // 2, size.height() // 2)  # the status bar shows the cursor's place
    still(qtbot, win)
    with qtbot.waitSignal(win.map.viewChanged, timeout=10_000):
        win.map.fit_bounds(bounds)
    still(qtbot, win)


def still(qtbot, win):
    """Wait until the map view stops moving (the window refits the view after its docks settle)."""
    while True:
        with qtbot.waitSignal(win.map.viewChanged, timeout=800, raising=False) as moved:
            pass
        if not moved.signal_triggered:
            return


def unit_zone(project, code, tier):
    return zone_store.create_zone(project, box(*VILLAGES[code][2]), tier=tier, kind="unit", unit_codes=[code])


def wait_drawn(qtbot, win, count):
    qtbot.waitUntil(lambda: js(qtbot, win.map, "cordon.featureCounts().control_zones") == count, timeout=10_000)


def popup_text(qtbot, win):
    return js(qtbot, win.map, "(document.querySelector('.leaflet-popup-content') || {}).textContent")


def test_delete_with_every_layer_shown_names_the_zone_asks_and_deletes_only_it(window, qtbot, monkeypatch):
    project = window.project
    sealed = unit_zone(project, XUE, "sealed")
    other = unit_zone(project, HUANG, "controlled")
    wait_drawn(qtbot, window, 2)
    show_villages(qtbot, window)
    asked, answers = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *_a: (asked.append(text),
                                                                                       answers.pop(0))[1])
    window.tools["delete"].trigger()
    click_at(qtbot, window.map, *CASE)  # on a case, over 薛店村 and its grid, over the zone
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10_000)
    assert asked == ["删除区域“薛店村”？"]
    assert project.count("control_zones") == 2  # answered no: nothing deleted

    click_at(qtbot, window.map, *CASE)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: project.count("control_zones") == 1, timeout=10_000)
    assert project.read_layer("control_zones").index.tolist() == [other]
    assert window.tools["delete"].isChecked()  # the tool stays on for the next zone
    assert "薛店村" in window.undo_stack.undoText()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: project.count("control_zones") == 2, timeout=10_000)
    assert sealed in project.read_layer("control_zones").index


def test_the_delete_tool_off_any_zone_deletes_nothing_and_says_so(window, qtbot, monkeypatch):
    unit_zone(window.project, XUE, "sealed")
    wait_drawn(qtbot, window, 1)
    show_villages(qtbot, window)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: pytest.fail("asked without a zone"))
    window.tools["delete"].trigger()
    click_at(qtbot, window.map, 113.23, 33.96)  # in 黄道村, no zone there
    qtbot.waitUntil(lambda: "没有管控区域" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.project.count("control_zones") == 1


def test_browsing_hits_the_topmost_feature_and_zone_tools_hit_the_zone(window, qtbot):
    fid = unit_zone(window.project, XUE, "sealed")
    wait_drawn(qtbot, window, 1)
    show_villages(qtbot, window, order=["grids", "control_zones", "admin_units", "isolation_sites", "facilities",
                                        "key_persons", "cases"])
    spot = (113.212, 33.953)  # in the zone and 薛店村, no case near
    click_at(qtbot, window.map, *spot)
    qtbot.waitUntil(lambda: (popup_text(qtbot, window) or "").startswith("薛店村"), timeout=10_000)
    assert "人口2100" in popup_text(qtbot, window)  # the village's popup, not the zone's

    window.tools["select_zone"].trigger()
    qtbot.wait(800)  # a second click, not a double click (that zooms in)
    zoom = js(qtbot, window.map, "cordon.view().zoom")
    click_at(qtbot, window.map, *spot)
    qtbot.waitUntil(lambda: "无新增感染者天数" in (popup_text(qtbot, window) or ""), timeout=10_000)
    text = popup_text(qtbot, window)
    assert js(qtbot, window.map, "cordon.view().zoom") == zoom  # picked where it is seen: not zoomed to
    assert text.startswith("薛店村") and "等级封控区" in text and "人口2,100" in text
    assert "预计降级日期" in text and "包含单元（1）薛店村" in text
    assert window.zone_panel.selected_fid() == fid

    window.tools["select_zone"].trigger()  # off again: browsing, zones now drawn on top
    show_villages(qtbot, window, order=["grids", "admin_units", "control_zones", "isolation_sites", "facilities",
                                        "key_persons", "cases"])
    js(qtbot, window.map, "document.querySelector('.leaflet-popup-close-button').click()")
    click_at(qtbot, window.map, *spot)
    qtbot.waitUntil(lambda: "无新增感染者天数" in (popup_text(qtbot, window) or ""), timeout=10_000)


def test_vertex_editing_takes_the_zone_clicked_only(window, qtbot):
    first = unit_zone(window.project, XUE, "sealed")
    zone_store.create_zone(window.project, box(113.221, 33.951, 113.239, 33.969).buffer(0.002), tier="controlled",
                           kind="drawn")
    wait_drawn(qtbot, window, 2)
    show_villages(qtbot, window)
    window.tools["edit"].trigger()
    assert js(qtbot, window.map, "document.querySelectorAll('.marker-icon').length") == 0  # none until one is picked
    click_at(qtbot, window.map, 113.212, 33.953)
    qtbot.waitUntil(lambda: js(qtbot, window.map, "cordon.editedZone()") == first, timeout=10_000)
    vertices = js(qtbot, window.map, "document.querySelectorAll('.marker-icon:not(.marker-icon-middle)').length")
    assert vertices == 4  # the box's corners: the buffered zone beside it has dozens and is not editable


def test_a_snapped_circle_stores_the_radius_its_read_out_showed_and_its_label_shows_it(window, qtbot):
    window.tier_combo.setCurrentIndex(window.tier_combo.findData("controlled"))
    window.tools["circle"].trigger()
    show_villages(qtbot, window, bounds=(113.215, 33.945, 113.245, 33.975))
    corner_a, corner_b = (113.22, 33.97), (113.24, 33.95)  # village corners: 薛店/黄道 top, 黄道/茨芭 bottom
    # pointer ~25 m off the outlines, within the snapping distance: the centre and the edge go onto them
    (ax, ay), (bx, by) = pixel(qtbot, window.map, *corner_a), pixel(qtbot, window.map, *corner_b)
    assert js(qtbot, window.map, "document.querySelector('.geoman-draw-cursor') !== null")
    click(qtbot, window.map, ax + 5, ay + 4)  # near the corners, not on them: snapping moves the points
    move_to(qtbot, window.map, bx - 4, by - 6)
    qtbot.wait(300)  # what the user reads before clicking: the read-out once the snapped move has been drawn
    tip = js(qtbot, window.map, "(document.querySelector('.cordon-radius-tip') || {}).textContent")
    shown = int(re.fullmatch(r"半径 (\d+) 米", tip).group(1))
    metres_per_px = js(qtbot, window.map, "cordon.view().metresPerPixel")
    unsnapped = math.dist((ax + 5, ay + 4), (bx - 4, by - 6)) * metres_per_px
    assert abs(unsnapped - shown) > 10  # where the pointer was would give another radius
    mouse(window.map, QEvent.Type.MouseButtonPress, bx - 4, by - 6)
    mouse(window.map, QEvent.Type.MouseButtonRelease, bx - 4, by - 6)
    qtbot.waitUntil(lambda: window.project.count("control_zones") == 1, timeout=10_000)
    zone = window.project.read_layer("control_zones").iloc[0]
    assert zone["radius_m"] == shown
    assert zone.geometry.centroid.y == pytest.approx(33.97, abs=2e-6)  # the centre snapped onto the outline
    assert zone["name"] == f"黄道村周边{shown}米管控圈"
    wait_drawn(qtbot, window, 1)
    labels = js(qtbot, window.map, "[...document.querySelectorAll('.cordon-zone-label')].map((e) => e.textContent)")
    assert any(f"{shown}米" in label.replace(" ", "") for label in labels)
    zone_store.rename_zone(window.project, int(zone.name), "黄道东片")  # a name without the radius: the label adds it
    qtbot.waitUntil(lambda: f"黄道东片 {shown} 米" in js(qtbot, window.map, "document.querySelector('.cordon-zone-label')"
                                                                       ".textContent"), timeout=10_000)
