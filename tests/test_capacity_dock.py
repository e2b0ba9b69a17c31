"""The dashboard dock on the sample county (as of 2026-11-20) inside a real main window: headline figures,
the capacity standard, the epidemic curve, allocation with undo, transfer lists, activating a standby site,
a grid's cases from a map click."""

import datetime as dt
import threading
import time
import warnings

import matplotlib.dates as mdates
import numpy as np
import openpyxl
import pytest
from matplotlib.figure import Figure
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog
from test_infection_counts import OUTBREAK, PER_GRID, TODAY, TOTALS, build_outbreak

from data import capacity_store, stats_store
from data.printing.content import load_content
from data.printing.layout import Page
from data.printing.mapframe import draw_map, frame_for
from desktop.dashboard import ALERT, CJK_FAMILIES, STANDARD_KEY, CapacityDock, chart_rc
from gis.glossary import SiteStatus
from gis.grid_stats import in_window

AS_OF = dt.date(2026, 11, 20)
READ_TIMEOUT_MS = 30_000

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        # the headless platform has no GPU: WebEngine's probes say so
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor")]


@pytest.fixture(autouse=True)
def default_standard():
    """Each test starts (and leaves) the capacity standard at its default."""
    QSettings().remove(STANDARD_KEY)
    yield
    QSettings().remove(STANDARD_KEY)


@pytest.fixture
def window(cordon_app, qtbot, sample_project):
    from desktop.main_window import MainWindow

    win = MainWindow(sample_project)
    qtbot.addWidget(win)
    yield win
    win.close()


@pytest.fixture
def make_dock(window, qtbot):
    """Build the dock on the window's project and wait until every tab shows it."""

    def make():
        dock = CapacityDock(window.project, window.map, window.undo_stack, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.show()
        dock.raise_()
        qtbot.waitUntil(lambda: not dock.is_busy(), timeout=READ_TIMEOUT_MS)
        return dock

    return make


@pytest.fixture
def dock(make_dock):
    return make_dock()



def front(dock, tab, qtbot):
    """Bring ``tab`` to the front, as a user clicks it, and wait until it has read the project."""
    dock.tab_widget.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not dock.is_busy(), timeout=READ_TIMEOUT_MS)
    return tab


def shown(table, column):
    """The values of ``column`` in the rows a dock table shows, in order."""
    return table.model().frame[column].tolist()


def test_the_sample_county_is_shown_as_of_its_day_with_the_headline_of_county_capacity(dock):
    assert dock.as_of() == AS_OF
    county = capacity_store.county_capacity(dock.project, 20, AS_OF)
    tiles = dock.capacity_tab.tiles
    for key in ("rooms", "occupied", "free", "standby_rooms", "demand"):
        assert int(tiles[key].value()) == county[key], key
    assert tiles["rooms_per_10k"].value() == f"{county['rooms_per_10k']:.1f}"
    assert tiles["days_until_full"].value() == f"{county['days_until_full']:.1f}"
    assert tiles["runs_out"].value() == capacity_store.demand_summary(dock.project, AS_OF).runs_out_on.isoformat()
    towns = capacity_store.town_capacity(dock.project, 20, AS_OF)
    assert shown(dock.capacity_tab.town_table, "name") == towns["name"].tolist()
    sites = capacity_store.site_capacity(dock.project, AS_OF)
    assert shown(dock.capacity_tab.site_table, "fid") == sites.index.tolist()


def test_a_high_standard_flags_a_town_that_has_rooms_and_shows_it_on_the_map(make_dock, overlays, qtbot):
    QSettings().setValue(STANDARD_KEY, 30)
    dock = make_dock()
    tab = dock.capacity_tab
    towns = capacity_store.town_capacity(dock.project, 30, AS_OF)
    short = towns[towns["shortfall"]]
    flagged = short[short["rooms"] > 0]["name"].tolist()
    assert flagged  # a town with sites, but too few rooms for 30 per 10,000
    model = tab.town_table.model()
    for row, name in enumerate(shown(tab.town_table, "name")):
        colour = model.data(model.index(row, 0), Qt.ItemDataRole.ForegroundRole)
        assert (colour == QColor(ALERT)) == (name in short["name"].tolist()), name
    assert all(name in tab.banner.text() for name in flagged)
    assert "30" in tab.tiles["rooms_per_10k"].caption_label.text()  # the standard, in whatever language

    tab.shortfall_button.click()
    key, frame, options = overlays[-1]
    assert key == "shortfall" and options["label_column"] == "label" and options["fit"]
    assert (frame["colour"] == ALERT).all()
    assert sorted(label.split()[0] for label in frame["label"]) == sorted(short["name"])
    assert frame.geometry.notna().all()


def test_the_standard_spin_box_is_remembered_and_recomputes(dock, qtbot):
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        dock.capacity_tab.standard_spin.setValue(80)
    assert QSettings().value(STANDARD_KEY, type=float) == 80
    assert dock.capacity_tab.tiles["rooms_per_10k"].value_label.styleSheet() == f"color: {ALERT};"
    assert "未达标" in dock.capacity_tab.banner.text()  # the UI speaks Chinese (CORDON_LANG=zh in tests)


def bars_by_day(axes) -> dict[float, float]:
    """Summed bar heights per day of a dashboard chart, read from its matplotlib axes."""
    heights = {}
    for container in axes.containers:
        for patch in container.patches:
            x = round(patch.get_x() + patch.get_width() / 2, 6)
            heights[x] = heights.get(x, 0) + patch.get_height()
    return {x: h for x, h in heights.items() if h}


def expected_by_day(categories, date="reported") -> dict[float, int]:
    """Per-day counts of the outbreak's people of ``categories`` (independent of the stores)."""
    counts = {}
    for _grid, category, reported, onset, _code, n in OUTBREAK:
        if category in categories:
            back = onset if date == "onset" and onset is not None else reported
            x = round(float(mdates.date2num(np.datetime64(TODAY - dt.timedelta(days=back)))), 6)
            counts[x] = counts.get(x, 0) + n
    return counts


@pytest.fixture
def outbreak_dock(cordon_app, qtbot, tmp_path):
    """The dashboard inside a real main window on the 汝州市 outbreak (see test_infection_counts)."""
    from desktop.main_window import MainWindow

    win = MainWindow(build_outbreak(tmp_path / "汝州.gpkg"))
    qtbot.addWidget(win)
    dock = CapacityDock(win.project, win.map, win.undo_stack, win)
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    win.show()
    dock.raise_()
    qtbot.waitUntil(lambda: not dock.is_busy(), timeout=READ_TIMEOUT_MS)
    yield dock
    win.close()


def test_the_curve_stacks_infections_only_and_draws_contacts_in_their_own_chart(outbreak_dock, qtbot):
    tab = front(outbreak_dock, outbreak_dock.curve_tab, qtbot)
    infections, contacts = tab.infection_axes, tab.contact_axes
    assert infections is not contacts
    assert bars_by_day(infections) == expected_by_day({"confirmed", "asymptomatic"})
    assert sum(bars_by_day(infections).values()) == 6  # 3 confirmed + 3 asymptomatic: no contact, no suspected
    assert bars_by_day(contacts) == expected_by_day({"close_contact", "secondary_contact"})
    assert {t.get_text() for t in infections.get_legend().get_texts()} == {"确诊病例", "无症状感染者",
                                                                            "疑似病例（不计入感染者）"}
    assert [t.get_text() for t in contacts.get_legend().get_texts()] == ["密切接触者", "密接的密接"]
    suspected = [line for line in infections.get_lines() if line.get_label().startswith("疑似")]
    assert len(suspected) == 1 and sum(suspected[0].get_ydata()) == 2  # apart, as a line
    assert "感染者" in infections.get_title(loc="left") and "密接" in contacts.get_title(loc="left")
    assert TOTALS in tab.summary_label.text() and "累计" not in tab.summary_label.text()

    with qtbot.waitSignal(outbreak_dock.refreshed, timeout=READ_TIMEOUT_MS):
        tab.date_combo.setCurrentIndex(tab.date_combo.findData("onset"))
    moved = bars_by_day(tab.infection_axes)
    assert moved == expected_by_day({"confirmed", "asymptomatic"}, "onset") != expected_by_day({"confirmed",
                                                                                              "asymptomatic"})
    assert sum(moved.values()) == 6
    assert "24" in tab.summary_label.text()  # people without an onset date, said to stay on their report day


def test_the_grid_tab_counts_infections_and_contacts_apart(outbreak_dock, qtbot):
    tab = front(outbreak_dock, outbreak_dock.grid_tab, qtbot)
    frame = tab.count_table.model().frame.set_index("code")
    for grid, (infections, _suspected, close, secondary) in PER_GRID.items():
        assert frame.at[grid, "infections"] == infections and frame.at[grid, "contacts"] == close + secondary
    assert shown(tab.count_table, "code")[0] == max(PER_GRID, key=lambda g: PER_GRID[g][0])  # most infections first
    assert TOTALS in tab.summary_label.text()


def test_the_map_legend_and_the_print_legend_say_the_same_word(outbreak_dock, qtbot):
    window = outbreak_dock.parent()
    with qtbot.waitSignal(window.map.layersDrawn, timeout=READ_TIMEOUT_MS):
        window.show()
    box = []
    window.map.page().runJavaScript("document.getElementById('cordon-legend').innerText", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    content = load_content(window.project)
    sections = draw_map(Figure().add_axes((0, 0, 1, 1)), content, frame_for(content.county.bounds, (200, 160)),
                        Page("A4", landscape=True))
    printed = next(s for s in sections if s.title.startswith("网格"))
    assert printed.title == "网格感染者数" and printed.title in box[0]
    assert "病例数" not in box[0] and "涉疫" not in box[0]


def test_chinese_labels_render_without_missing_glyphs(dock):
    if chart_rc()["font.sans-serif"][0] not in CJK_FAMILIES:
        pytest.skip("no Chinese font installed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph its font lacks
        dock.curve_tab.chart.draw()
        dock.capacity_tab.occupancy_chart.draw()


def test_confirming_the_allocation_fills_sites_within_their_rooms_and_undo_restores(dock, window, qtbot):
    project, tab = dock.project, front(dock, dock.allocation_tab, qtbot)
    sites_before = project.read_layer("isolation_sites")
    with qtbot.waitSignal(tab.planReady, timeout=READ_TIMEOUT_MS):
        tab.plan_button.click()
    plan = tab.plan
    assert len(plan) and tab.plan_table.model().rowCount() == len(plan)
    per_site = tab.site_table.model().frame
    assert per_site["arriving"].sum() == plan["site_fid"].notna().sum() and (per_site["free_after"] >= 0).all()
    assert project.read_layer("isolation_sites")["occupied"].equals(sites_before["occupied"])  # nothing written
    assert tab.confirm_button.isEnabled()

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        tab.confirm_button.click()
    sites = project.read_layer("isolation_sites")
    assigned = plan[plan["site_fid"].notna()]
    arrivals = assigned.groupby("site_fid").size()
    for fid, count in arrivals.items():
        assert sites.at[fid, "occupied"] == sites_before.at[fid, "occupied"] + count
    active = sites["status"] == SiteStatus.ACTIVE.value
    assert (sites.loc[active, "occupied"] + sites.loc[active, "reserved"] <= sites.loc[active, "rooms"]).all()
    cases = project.read_layer("cases")
    assert cases.loc[assigned.index, "site_name"].tolist() == assigned["site_name"].tolist()
    assert tab.state == "confirmed" and not tab.confirm_button.isEnabled()
    assert "confirm_allocation" in project.read_layer("audit_log")["action"].tolist()
    front(dock, dock.capacity_tab, qtbot)  # read once shown
    assert int(dock.capacity_tab.tiles["occupied"].value()) == int(sites_before["occupied"].sum()) + len(assigned)

    front(dock, tab, qtbot)
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        window.undo_stack.undo()
    assert project.read_layer("isolation_sites")["occupied"].equals(sites_before["occupied"])
    assert project.read_layer("cases").loc[assigned.index, "site_name"].isna().all()
    assert tab.state == "ready" and tab.confirm_button.isEnabled()

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        window.undo_stack.redo()
    assert project.read_layer("isolation_sites")["occupied"].equals(sites["occupied"])
    assert tab.state == "confirmed"


def test_the_transfer_lists_open_in_openpyxl(dock, qtbot, tmp_path, monkeypatch):
    tab = front(dock, dock.allocation_tab, qtbot)
    with qtbot.waitSignal(tab.planReady, timeout=READ_TIMEOUT_MS):
        tab.plan_button.click()
    target = tmp_path / "转运清单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), "")))
    tab.export_button.click()
    book = openpyxl.load_workbook(target)
    assigned = tab.plan[tab.plan["site_fid"].notna()]
    assert book.sheetnames[0] == "汇总"
    assert set(book.sheetnames[1:]) == set(assigned["site_name"])
    assert sum(book[name].max_row - 1 for name in book.sheetnames[1:]) == len(assigned)
    assert str(target) in dock.message_label.text()


def test_activating_a_standby_site_is_audited_and_undone(dock, window, qtbot):
    project, tab = dock.project, dock.capacity_tab
    sites = project.read_layer("isolation_sites")
    fid = int(sites.index[sites["status"] == SiteStatus.STANDBY.value][0])
    assert not tab.activate_button.isEnabled()
    tab.site_table.selectRow(tab.site_table.model().row_of("fid", fid))
    assert tab.activate_button.isEnabled()

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        tab.activate_button.click()
    assert project.read_layer("isolation_sites").at[fid, "status"] == SiteStatus.ACTIVE.value
    log = project.read_layer("audit_log")
    assert ((log["action"] == "activate_site") & (log["fid"] == fid)).any()
    county = capacity_store.county_capacity(project, 20, AS_OF)
    assert int(tab.tiles["standby_rooms"].value()) == county["standby_rooms"]
    assert int(tab.tiles["free"].value()) == county["free"]

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        window.undo_stack.undo()
    assert project.read_layer("isolation_sites").at[fid, "status"] == SiteStatus.STANDBY.value
    assert project.read_layer("audit_log")["action"].iloc[-1] == "undo"
    assert int(tab.tiles["standby_rooms"].value()) == int(sites.loc[sites["status"] == "standby", "rooms"].sum())


def test_clicking_a_grid_on_the_map_lists_exactly_its_cases_and_key_persons(dock, window, qtbot, monkeypatch):
    project, tab = dock.project, front(dock, dock.grid_tab, qtbot)
    cases = stats_store.located_cases(project)
    cases = cases[in_window(cases["reported"], None, AS_OF)]
    persons = project.read_layer("key_persons")
    both = sorted(set(cases["grid_code"].dropna()) & set(persons["grid_code"].dropna()))
    code = max(both, key=lambda c: (cases["grid_code"] == c).sum())
    grids = project.read_layer("grids")
    fid = int(grids.index[grids["code"] == code][0])

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):  # its list is read off the UI thread
        window.map.featureClicked.emit("grids", fid)
    assert sorted(shown(tab.case_table, "case_no")) == sorted(cases.loc[cases["grid_code"] == code, "case_no"])
    expected_persons = persons.loc[persons["grid_code"] == code, "person_no"]
    assert sorted(shown(tab.person_table, "person_no")) == sorted(expected_persons)
    headers = [tab.case_table.model().headerData(c, Qt.Orientation.Horizontal)
               for c in range(tab.case_table.model().columnCount())]
    assert not {"person_name", "id_number", "phone", "姓名", "身份证号", "电话"} & set(headers)
    assert tab.count_table.model().frame.at[tab.count_table.currentIndex().row(), "code"] == code  # row selected

    window.map.featureClicked.emit("isolation_sites", 1)  # other layers leave the list alone
    assert sorted(shown(tab.case_table, "case_no")) == sorted(cases.loc[cases["grid_code"] == code, "case_no"])

    fitted = []
    monkeypatch.setattr(window.map, "fit_bounds", fitted.append)
    model = tab.count_table.model()
    row = model.row_of("code", code)
    tab.count_table.clicked.emit(model.index(row, 0))
    assert np.allclose(fitted[-1], grids.loc[fid].geometry.bounds)


def test_due_lists_and_mass_testing_match_the_stores(dock, qtbot):
    due = stats_store.followups_due(dock.project, AS_OF)
    table = front(dock, dock.due_tab, qtbot).followup_table
    assert sorted(shown(table, "person_no")) == sorted(due["person_no"])
    model = table.model()
    for row, state in enumerate(model.frame["state"]):
        overdue = model.frame.at[row, "_colour"] == ALERT
        assert overdue == (state == "逾期"), row
    reports = stats_store.overdue_reports(dock.project, dt.datetime.combine(AS_OF, dt.time(23, 59, 59)))
    assert shown(dock.due_tab.report_table, "case_no") == reports["case_no"].tolist()

    plan = stats_store.mass_testing_plan(dock.project, "town")
    front(dock, dock.testing_tab, qtbot)
    missing = dock.testing_tab.table.model().frame.set_index("code")["points_missing"]
    assert missing.sort_index().tolist() == plan.set_index("code")["points_missing"].sort_index().tolist()
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        dock.testing_tab.level_combo.setCurrentIndex(dock.testing_tab.level_combo.findData("grid"))
    grids = stats_store.mass_testing_plan(dock.project, "grid")
    assert len(dock.testing_tab.table.model().frame) == int((grids["population"] > 0).sum())


def test_a_tab_behind_another_is_read_when_it_is_brought_to_the_front(dock, qtbot):
    assert dock.curve_tab.curve.empty and dock.due_tab.followup_table.model().rowCount() == 0  # never shown
    _change_a_site(dock.project, rooms=999)
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        pass  # the capacity tab in front reads the change; the others wait
    county = capacity_store.county_capacity(dock.project, 20, AS_OF)
    assert int(dock.capacity_tab.tiles["rooms"].value()) == county["rooms"]
    assert dock.curve_tab.curve.empty

    front(dock, dock.curve_tab, qtbot)
    assert not dock.curve_tab.curve.empty
    assert front(dock, dock.due_tab, qtbot).followup_table.model().rowCount() == len(
        stats_store.followups_due(dock.project, AS_OF))


def test_the_dashboard_behind_the_zone_panel_reads_nothing_until_it_is_raised(window, qtbot):
    window.show()
    window.zone_panel.raise_()  # the window's own dashboard is tabbed with the zone panel
    dashboard = window.capacity_dock
    qtbot.wait(300)
    assert not dashboard.is_busy() and dashboard.capacity_tab.result is None
    with qtbot.waitSignal(dashboard.refreshed, timeout=READ_TIMEOUT_MS):
        dashboard.raise_()
    assert dashboard.capacity_tab.result["as_of"] == AS_OF


def _change_a_site(project, **values):
    with project.transaction() as edit:
        edit.update("isolation_sites", int(project.read_layer("isolation_sites").index[1]), values)


def test_a_closed_dock_stops_following_and_catches_up_when_shown(dock, window, qtbot):
    window.show()
    dock.close()
    _change_a_site(dock.project, rooms=999)
    qtbot.wait(50)
    assert not dock.is_busy()  # the change went unheard
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        dock.show()
    county = capacity_store.county_capacity(dock.project, 20, AS_OF)
    assert int(dock.capacity_tab.tiles["rooms"].value()) == county["rooms"]


def test_closing_the_dock_during_a_reading_ends_it(dock, window, qtbot, monkeypatch):
    from data import dashboard_readers

    read, reading, go_on = dashboard_readers.run_readers, threading.Event(), threading.Event()

    def slow_read(*args, **kwargs):  # the real reading, held back until the dock is closed (a big project's is long)
        reading.set()
        go_on.wait(READ_TIMEOUT_MS / 1000)
        return read(*args, **kwargs)

    monkeypatch.setattr(dashboard_readers, "run_readers", slow_read)
    window.show()
    dock.set_as_of(AS_OF - dt.timedelta(days=1))
    qtbot.waitUntil(reading.is_set, timeout=READ_TIMEOUT_MS)  # the reading runs in its thread
    assert dock.busy_label.isVisible()
    closing = time.monotonic()
    dock.close()
    assert time.monotonic() - closing < READ_TIMEOUT_MS / 1000 / 2  # not waiting for the reading held back
    assert not dock.is_busy() and not dock.busy_label.isVisible()
    go_on.set()
    qtbot.wait(300)  # the reading ends on its own and reports to nobody
    assert dock.capacity_tab.result["as_of"] == AS_OF  # what it read was dropped


def test_switching_projects_reads_the_new_one_and_leaves_the_old(dock, qtbot, sample_master, tmp_path):
    old, other = dock.project, sample_master.save_as(tmp_path / "other.gpkg")
    _change_a_site(other, occupied=0)
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        dock.set_project(other)
    county = capacity_store.county_capacity(other, 20, AS_OF)
    assert int(dock.capacity_tab.tiles["occupied"].value()) == county["occupied"]
    _change_a_site(old, rooms=999)
    qtbot.wait(50)
    assert not dock.is_busy()
