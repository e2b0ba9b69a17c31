"""Cartography and management periods: the scheme's periods decide schedules and where contacts are isolated;
the print hatches zones in tier colours, shades grids in a ramp of their own, labels in dark ink with a halo,
and its legend lists every symbol drawn, key persons (重点人员) included (all without a display); the map
page's legend is opaque and lists what the page draws (a real QWebEngineView).

The project is a small outbreak in 宝丰县 (Henan) built here: one town, two villages, two grids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from shapely.geometry import Point, box

from data.capacity_store import demand_summary, plan_allocation, waiting_persons
from data.printing.content import load_content
from data.printing.layout import Page
from data.printing.mapframe import draw_map, frame_for
from data.project import Project
from data.stats_store import followups_due
from data.zone_store import load_scheme, save_scheme, zone_record
from gis import symbology
from gis.zoning.schemes import PRESETS, TierScheme

D = dt.date
REPORTED = D(2026, 11, 10)


def _insert(project: Project, layer: str, rows: list[dict], shapes: list) -> None:
    with project.transaction() as edit:
        edit.insert(layer, gpd.GeoDataFrame(rows, geometry=shapes, crs=4490))


@pytest.fixture
def baofeng(tmp_path) -> Project:
    """宝丰县: a town of two villages, a grid in each, a sealed and a precaution zone, two infections, two close
    contacts, three secondary contacts, an inbound traveller and a returnee, and one site with rooms."""
    project = Project.create(tmp_path / "宝丰.gpkg", name="宝丰县", county_code="410421")
    west, east = (113.00, 33.80, 113.10, 33.90), (113.10, 33.80, 113.20, 33.90)
    _insert(project, "admin_units",
            [{"code": "410421", "name": "宝丰县", "level": "county"},
             {"code": "410421100000", "name": "周庄镇", "level": "town", "parent_code": "410421"},
             {"code": "410421100001", "name": "周庄村", "level": "village", "parent_code": "410421100000"},
             {"code": "410421100002", "name": "马街村", "level": "village", "parent_code": "410421100000"}],
            [box(113.0, 33.8, 113.2, 33.9), box(113.0, 33.8, 113.2, 33.9), box(*west), box(*east)])
    _insert(project, "grids", [{"code": "410421100001-01", "name": "周庄网格", "unit_code": "410421100001"},
                               {"code": "410421100002-01", "name": "马街网格", "unit_code": "410421100002"}],
            [box(*west), box(*east)])
    people = [("confirmed", 113.03), ("asymptomatic", 113.04), ("close_contact", 113.05), ("close_contact", 113.06),
              ("secondary_contact", 113.12), ("secondary_contact", 113.13), ("secondary_contact", 113.14)]
    _insert(project, "cases", [{"case_no": f"BF{i:02d}", "category": c, "reported_at": f"{REPORTED}T08:00:00"}
                               for i, (c, _) in enumerate(people, 1)], [Point(x, 33.85) for _, x in people])
    _insert(project, "key_persons", [{"person_no": "RJ01", "category": "inbound", "arrival_at": "2026-11-10"},
                                     {"person_no": "FX01", "category": "returnee", "arrival_at": "2026-11-10"}],
            [Point(113.15, 33.82), Point(113.16, 33.82)])
    _insert(project, "isolation_sites", [{"name": "周庄隔离点", "rooms": 50, "occupied": 0, "status": "active"}],
            [Point(113.10, 33.86)])
    with project.transaction() as edit:
        edit.insert("control_zones", zone_record(box(113.02, 33.82, 113.07, 33.88), tier="sealed", kind="drawn",
                                                 name="周庄村封控区"))
        edit.insert("control_zones", zone_record(box(113.11, 33.81, 113.19, 33.89), tier="precaution",
                                                 kind="drawn", name="马街村防范区"))
    return project


# -- periods of the scheme ----------------------------------------------------------------------------


def test_a_close_contact_under_the_9th_edition_is_7_days_central_then_3_at_home():
    rule = PRESETS["2022_9th"].rule_for("close_contact")
    start = D(2026, 11, 1)
    settings = [rule.setting_on(start, start + dt.timedelta(days=d)) for d in range(11)]
    assert settings == ["central"] * 7 + ["home"] * 3 + [None]  # days 1-7 central, 8-10 home, then released
    tests = rule.tests(start)
    assert [t.due.day for t in tests] == [1, 2, 3, 5, 7, 10]  # central days 1, 2, 3, 5, 7; home day 3 (day 10)
    assert tests[-1].label == "第10天核酸（居家健康监测）" and rule.isolated_centrally


def test_secondary_contacts_are_isolated_at_home_under_the_9th_edition_and_not_managed_after_november_2022():
    rule = PRESETS["2022_9th"].rule_for("secondary_contact")
    assert not rule.isolated_centrally and rule.observation_days == 7
    assert rule.setting_on(D(2026, 11, 1), D(2026, 11, 7)) == "home_quarantine"
    assert PRESETS["2022_nov"].rule_for("secondary_contact") is None
    assert PRESETS["2022_nov"].rule_for("close_contact").summary == "5天集中隔离医学观察 + 3天居家隔离医学观察"


def test_the_earlier_practice_is_14_days_central_and_7_at_home():
    rule = PRESETS["risk_levels"].rule_for("close_contact")
    start = D(2026, 11, 1)
    assert rule.setting_on(start, D(2026, 11, 14)) == "central"
    assert rule.setting_on(start, D(2026, 11, 15)) == "home"
    assert rule.observation_end(start) == D(2026, 11, 21)
    assert PRESETS["risk_levels"].rule_for("inbound").code == "14+7+9"


def test_periods_are_stored_with_the_scheme_and_old_stored_schemes_get_their_presets_periods():
    stored = PRESETS["risk_levels"].to_dict()
    assert TierScheme.from_dict(stored) == PRESETS["risk_levels"]
    del stored["management"]  # saved before schemes carried periods
    assert TierScheme.from_dict(stored).management == PRESETS["risk_levels"].management


def test_followups_and_central_demand_follow_the_chosen_scheme(baofeng):
    due = followups_due(baofeng, D(2026, 11, 19), lookback_days=0).set_index("person_no")
    assert due.loc["BF03", "test"] == "第10天核酸（居家健康监测）"  # close contact, reported 11-10: day 10 is 11-19
    assert "BF05" not in due.index  # 次密接: 7 days at home, tested on days 1, 4 and 7
    assert sorted(waiting_persons(baofeng)["case_no"]) == ["BF03", "BF04"]  # 次密接 stay at home: no room
    assert set(plan_allocation(baofeng)["case_no"]) == {"BF03", "BF04"}
    assert demand_summary(baofeng, REPORTED).waiting == 2

    earlier = dataclasses.replace(PRESETS["2022_9th"], key="county", zh="本县方案（沿用早期期限）",
                                  management=PRESETS["risk_levels"].management)  # periods are data of the scheme
    save_scheme(baofeng, earlier)
    assert load_scheme(baofeng) == earlier
    assert len(waiting_persons(baofeng)) == 5  # earlier practice: 次密接 isolated centrally too
    due = followups_due(baofeng, D(2026, 11, 23), lookback_days=0).set_index("person_no")
    assert due.loc["BF03", "test"] == "第14天核酸（集中隔离医学观察）"
    assert due.loc["RJ01", "test"] == "第14天核酸（集中隔离医学观察）"  # inbound "14+7+9"


# -- the print ----------------------------------------------------------------------------------------


def drawn_map(project: Project, privacy: str = "exact"):
    content = load_content(project, privacy)
    ax = Figure().add_axes((0, 0, 1, 1))
    sections = draw_map(ax, content, frame_for(content.extent, (200, 160)), Page("A4", landscape=True))
    return ax, {s.title: s for s in sections}


def test_the_print_legend_lists_key_persons_and_hatched_tier_coloured_zones(baofeng):
    ax, sections = drawn_map(baofeng)
    persons = sections["重点人员（精确点位）"]
    assert [i.label for i in persons.items] == ["入境人员", "中高风险地区返回人员"]
    zones = sections["管控区域"].items
    assert [i.label for i in zones] == ["封控区", "防范区"]
    assert all(i.symbol.hatch and i.symbol.edge == i.symbol.colour for i in zones)
    assert zones[0].symbol.hatch != zones[1].symbol.hatch  # tiers tell apart by pattern, not only by colour
    hatched = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_hatch()]
    assert {to_hex(np.ravel(c.get_hatchcolor())[:3]) for c in hatched} == {
        symbology.TIER_COLOURS["sealed"], symbology.TIER_COLOURS["precaution"]}
    outlines = {to_hex(c.get_edgecolor()[0][:3]) for c in ax.collections
                if isinstance(c, PathCollection) and len(c.get_edgecolor()) and c.get_zorder() == 5.2}
    assert outlines == {symbology.TIER_COLOURS["sealed"], symbology.TIER_COLOURS["precaution"]}

    _, aggregated = drawn_map(baofeng, "aggregated")
    assert "重点人员（精确点位）" not in aggregated  # points of people only in the exact mode


def test_grid_shading_never_uses_a_tier_colour_and_labels_are_dark_with_a_halo(baofeng):
    ax, sections = drawn_map(baofeng)
    shading = [to_rgb(i.symbol.colour) for i in sections["网格感染者数"].items]
    for red, green, blue in shading:
        assert blue > red and blue > green  # a purple ramp: blue above red, unlike the red/orange/yellow tiers
    labels = {t.get_text(): t for t in ax.texts}
    for name in ("周庄村封控区", "马街村防范区", "周庄镇"):
        assert to_hex(labels[name].get_color()) == symbology.LABEL_INK
        assert labels[name].get_path_effects(), name  # a light halo


# -- the map page (a real QWebEngineView) -------------------------------------------------------------


@pytest.fixture
def window(cordon_app, qtbot, baofeng):
    from desktop.main_window import MainWindow

    win = MainWindow(baofeng)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.map.layersDrawn, timeout=30_000):
        win.show()
    yield win
    win.close()


def page_value(qtbot, view, expression):
    box = []
    view.page().runJavaScript(f"JSON.stringify(({expression}) ?? null)", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def test_the_map_legend_is_opaque_and_lists_what_is_drawn_key_persons_included(window, qtbot):
    legend = "document.getElementById('cordon-legend')"
    entries = page_value(qtbot, window.map, f"Array.from({legend}.querySelectorAll('h5, div'), (e) => e.textContent)")
    for word in ("管控区域", "封控区", "防范区", "网格感染者数", "确诊病例", "密切接触者", "重点人员", "入境人员",
                 "中高风险地区返回人员", "启用", "村（社区）界"):
        assert word in entries, word
    for absent in ("管控区", "疑似病例", "备用", "核酸采样点"):  # no such feature in this county
        assert absent not in entries, absent
    colour = page_value(qtbot, window.map, "getComputedStyle(document.querySelector('.cordon-legend')).backgroundColor")
    assert colour == "rgb(255, 255, 255)"  # rgba(…, 0.92) would let labels show through
    swatch = page_value(qtbot, window.map, f"getComputedStyle({legend}.querySelector('i.zone')).backgroundImage")
    assert swatch.startswith('url("data:image/png')  # the zone swatch is the hatch tile the map fills zones with

    window.map.call("setLayerVisible", "key_persons", False)
    qtbot.waitUntil(lambda: "入境人员" not in page_value(qtbot, window.map, f"{legend}.textContent"), timeout=5_000)


def test_the_scheme_editor_shows_the_schemes_periods(cordon_app, qtbot):
    from desktop.zone_panel import SchemeDialog

    dialog = SchemeDialog(PRESETS["2022_9th"])
    qtbot.addWidget(dialog)
    text = dialog.periods_label.text()
    assert "密切接触者“7天集中隔离医学观察+3天居家健康监测”：第1、2、3、5、7、10天核酸" in text
    assert "密接的密接7天居家隔离医学观察：第1、4、7天核酸" in text
