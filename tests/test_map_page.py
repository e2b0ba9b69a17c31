"""The map page inside a real QWebEngineView: layers drawn, zones drawn and undone, units tiered,
no network, hostile names inert."""

import json

import pytest
import shapely

from gis.zoning.shapes import area_m2, circle_radius_m
from tests.test_map_density import ARRAY_CANVASES

DRAW_TIMEOUT_MS = 30_000


@pytest.fixture
def window(cordon_app, qtbot, sample_project):
    from desktop.main_window import MainWindow

    win = MainWindow(sample_project)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.map.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        win.show()
    win.first_draw = drawn.args[0]
    yield win
    win.close()


def js(qtbot, view, expression):
    """Evaluate a JavaScript expression in the page and return its value (it crosses as JSON)."""
    box = []
    view.page().runJavaScript(f"JSON.stringify(({expression}) ?? null)", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def wait_for_zones(qtbot, window, count):
    qtbot.waitUntil(lambda: window.project.count("control_zones") == count, timeout=10_000)


def test_every_layer_of_the_sample_county_is_drawn(window):
    counts = window.first_draw["counts"]
    project = window.project
    assert window.first_draw["failed"] == []
    for layer in ("admin_units", "grids", "isolation_sites", "facilities", "cases"):
        assert counts[layer] == project.count(layer) > 0, layer
    assert window.map.map_page.console_errors == []


def test_place_names_are_drawn_in_the_pages_chinese_font(window, qtbot):
    # a bare 'sans-serif' (a Latin font here) sent every Chinese character through the system's font fallback
    assert js(qtbot, window.map, "cordon.drawnInView()")["labels"] > 0
    family = js(qtbot, window.map, "getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Noto Sans CJK SC"')
    # the labels are drawn last on the topmost canvas of the layers drawn from arrays (which they may share)
    font = js(qtbot, window.map, f"{ARRAY_CANVASES}.pop().getContext('2d').font")
    assert font.endswith(family), font


def test_a_scripted_circle_becomes_a_zone_with_its_radius_and_undo_removes_it(window, qtbot):
    window.tier_combo.setCurrentIndex(window.tier_combo.findData("sealed"))
    window.map.call("drawCircle", 112.60, 35.09, 500)
    wait_for_zones(qtbot, window, 1)
    zone = window.project.read_layer("control_zones").iloc[0]
    assert zone["kind"] == "circle" and zone["tier"] == "sealed"
    assert zone["radius_m"] == pytest.approx(500, rel=0.01)
    assert circle_radius_m(zone.geometry) == pytest.approx(500, rel=0.01)
    assert shapely.Point(112.60, 35.09).within(zone.geometry)
    qtbot.waitUntil(lambda: js(qtbot, window.map, "cordon.featureCounts().control_zones") == 1, timeout=10_000)

    window.undo_action.trigger()
    wait_for_zones(qtbot, window, 0)
    qtbot.waitUntil(lambda: js(qtbot, window.map, "cordon.featureCounts().control_zones") == 0, timeout=10_000)
    actions = list(window.project.read_layer("audit_log")["action"])
    assert actions[-2:] == ["create", "undo"]


def test_three_selected_villages_become_one_controlled_unit_zone(window, qtbot):
    units = window.project.read_layer("admin_units")
    villages = units[units["level"] == "village"].head(3)
    fids = villages.index.tolist()
    window.tools["select_units"].trigger()
    with qtbot.waitSignal(window.map.selectionChanged, timeout=10_000):
        window.map.set_selection("admin_units", fids)
    assert window.selection == ("admin_units", fids)
    window.tier_combo.setCurrentIndex(window.tier_combo.findData("controlled"))
    assert window.tier_combo.currentText() == "管控区"
    window.assign_action.trigger()
    wait_for_zones(qtbot, window, 1)

    zone = window.project.read_layer("control_zones").iloc[0]
    outline = shapely.union_all(villages.geometry.values)
    assert zone["kind"] == "unit" and zone["tier"] == "controlled"
    assert area_m2(zone.geometry.symmetric_difference(outline)) < 1.0  # m²: the same outline
    assert sorted(eval(zone["unit_codes"])) == sorted(villages["code"])


def test_the_page_makes_no_network_request(window, qtbot):
    window.map.call("drawCircle", 112.60, 35.09, 300)
    wait_for_zones(qtbot, window, 1)
    js(qtbot, window.map, "cordon.openPopup('isolation_sites', 1)")
    recorder = window.map.recorder
    assert any(url.startswith("cordon://app/layer/") for url in recorder.requests)
    assert recorder.network_requests() == []


def test_a_hostile_name_shows_as_text_and_runs_nothing(window, qtbot):
    hostile = '<img src=x onerror="window.__pwned=1">'
    sites = window.project.read_layer("isolation_sites")
    fid = int(sites.index[0])
    with window.project.transaction() as edit:
        edit.update("isolation_sites", fid, {"name": hostile, "address": "<script>window.__pwned=2</script>"})
    popup_text = (f"cordon.openPopup('isolation_sites', {fid}) && "
                  "document.querySelector('.leaflet-popup-content').textContent")
    qtbot.waitUntil(lambda: hostile in js(qtbot, window.map, popup_text), timeout=10_000)  # the edit reached the map
    assert "<script>window.__pwned=2</script>" in js(qtbot, window.map, popup_text)
    assert js(qtbot, window.map, "String(window.__pwned)") == "undefined"
    assert js(qtbot, window.map, "document.querySelectorAll('.leaflet-popup-content img').length") == 0


def test_the_page_cannot_navigate_away(window, qtbot):
    js(qtbot, window.map, "(window.location.href = 'https://example.com/', 1)")
    qtbot.wait(300)
    assert window.map.url().toString() == "cordon://app/map.html"
    assert js(qtbot, window.map, "typeof window.cordon") == "object"


def test_the_legend_and_sample_badge_are_on_the_map(window, qtbot):
    legend = js(qtbot, window.map, "document.getElementById('cordon-legend').textContent")
    for word in ["确诊病例", "重点人员", "备用", "核酸采样点"]:
        assert word in legend
    assert "封控区" not in legend  # the legend lists what is drawn: this copy of the sample has no zones
    assert js(qtbot, window.map, "document.querySelector('.cordon-sample-badge').textContent") == "示例数据"
    assert window.sample_label.isVisible()


def test_print_opens_on_the_current_view_in_storage_coordinates(window, qtbot, monkeypatch):
    from desktop import print_dialog

    opened = []
    def choose_view(dialog):
        dialog.extent_combo.setCurrentIndex(dialog.extent_combo.findData("view"))
        opened.append(dialog.options())

    monkeypatch.setattr(print_dialog.PrintDialog, "exec", choose_view)
    window.print_action.trigger()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    view = js(qtbot, window.map, "cordon.view().bounds")
    extent = opened[0]["extent"]
    assert extent == pytest.approx(tuple(view), abs=1e-9)  # the offline basemap shows storage coordinates
    outline = window.project.county_outline()
    assert extent[0] < outline.bounds[2] and extent[2] > outline.bounds[0]
