"""No dead ends: every dock, tab and dialog of the main window and every CLI command work on the partial
projects a county starts with (empty, county outline only, villages without codes, …), in a county that is
not the sample (叶县, Henan). A traceback anywhere, in a Qt slot or a worker thread included, fails."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from shapely.geometry import Point, box

import main
from data import zone_store
from data.project import Project
from gis.zoning.shapes import circle_polygon

COUNTY = box(113.20, 33.45, 113.60, 33.75)
TODAY = dt.date.today()
DRAW_TIMEOUT_MS = 60_000
READ_TIMEOUT_MS = 60_000

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                        "QRhiGles2: Failed", "Vulkan", "Unable to detect GPU vendor",
                                        "This plugin does not support raise")]


# --- the partial projects --------------------------------------------------------------------------------


def _insert(project: Project, layer: str, rows: list[dict], geometries: list) -> None:
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs=4490)
    with project.transaction() as edit:
        edit.insert(layer, frame)


def _villages() -> tuple[list[dict], list]:
    """Eight villages in a 4 × 2 block: no codes, one duplicate and one empty code, levels village, community
    and NULL, one without population; and two towns without codes."""
    rows, shapes = [], []
    codes = [None, None, "410422100001", "410422100001", "", None, None, None]
    levels = ["village", "community", "village", "village", "village", "community", None, "village"]
    names = ["任店村", "昆阳社区", "廉村", "廉村", "辛店村", "盐都社区", None, "田庄村"]
    for i in range(8):
        col, row = i % 4, i // 4
        x, y = 113.25 + col * 0.08, 33.50 + row * 0.10
        rows.append({"name": names[i], "code": codes[i], "level": levels[i], "parent_code": None,
                     "population": None if i == 5 else 1500 + 100 * i, "households": None})
        shapes.append(box(x, y, x + 0.08, y + 0.10))
    for j, name in enumerate(("昆阳街道", "任店镇")):
        x = 113.25 + 0.16 * j
        rows.append({"name": name, "code": None, "level": "town", "parent_code": None, "population": None})
        shapes.append(box(x, 33.50, x + 0.16, 33.70))
    return rows, shapes


def _sites(project: Project, *, rooms: bool = True) -> None:
    values = [(120, 30, "active"), (80, 0, "standby"), (40, 40, "active")] if rooms else \
        [(None, None, "active"), (0, 0, "standby"), (None, 0, None)]
    rows = [{"name": f"隔离点{i + 1}", "rooms": r, "occupied": o, "status": s} for i, (r, o, s) in enumerate(values)]
    _insert(project, "isolation_sites", rows, [Point(113.28 + 0.1 * i, 33.56) for i in range(len(rows))])


def _cases(project: Project) -> None:
    categories = ["confirmed", "asymptomatic", "close_contact", "confirmed", "close_contact", "asymptomatic"]
    rows = [{"case_no": f"YX{i:03d}", "category": c,
             "reported_at": (dt.datetime.combine(TODAY, dt.time(9)) - dt.timedelta(days=i)).isoformat(),
             "grid_code": None, "status": None} for i, c in enumerate(categories)]
    points = [Point(113.27 + 0.05 * i, 33.52 + 0.02 * (i % 3)) for i in range(len(rows))]
    points.append(Point(114.5, 34.5))  # outside everything
    rows.append({"case_no": "YX999", "category": "confirmed", "reported_at": TODAY.isoformat()})
    _insert(project, "cases", rows, points)


def _grids(project: Project) -> None:
    rows = [{"code": f"YX-G{i:02d}", "name": f"第{i + 1}网格", "unit_code": None, "population": 300 + i}
            for i in range(6)]
    rows[5]["code"] = rows[4]["code"]  # a duplicate grid code
    shapes = [box(113.26 + 0.05 * i, 33.51, 113.31 + 0.05 * i, 33.55) for i in range(6)]
    _insert(project, "grids", rows, shapes)


def _zones(project: Project) -> None:
    zone_store.create_zone(project, box(113.30, 33.55, 113.36, 33.60), tier="sealed", kind="drawn", name="手绘封控区",
                           last_case_at=(TODAY - dt.timedelta(days=3)).isoformat(), at=TODAY.isoformat())
    zone_store.create_zone(project, circle_polygon(113.45, 33.62, 3000), tier="precaution", kind="circle",
                           name="管控圈", radius_m=3000)


def build(kind: str, path) -> Project:
    project = Project.create(path, name="叶县", county_code="410422")
    if kind == "county":
        _insert(project, "admin_units", [{"code": "410422", "name": "叶县", "level": "county"}], [COUNTY])
    if kind in ("units_without_codes", "units_and_sites", "cases_without_grids"):
        _insert(project, "admin_units", *_villages())
    if kind == "units_and_sites":
        _sites(project)
    if kind == "cases_without_grids":
        _cases(project)
    if kind == "grids_without_units":
        _grids(project)
    if kind == "sites_without_rooms":
        _sites(project, rooms=False)
    if kind == "zones_only":
        _zones(project)
    return project


KINDS = ["empty", "county", "units_without_codes", "units_and_sites", "cases_without_grids", "grids_without_units",
         "sites_without_rooms", "zones_only"]


@pytest.fixture(scope="module")
def masters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial")
    return {kind: build(kind, folder / f"{kind}.gpkg") for kind in KINDS}


@pytest.fixture
def partial(request, masters, tmp_path):
    """A private copy of the partial project named by the test's ``kind``."""
    return masters[request.param].save_as(tmp_path / f"{request.param}.gpkg")


# --- the main window -------------------------------------------------------------------------------------


def answer_modal(accept: bool = True):
    """Accept (or reject) the next modal dialog, as a user would."""

    def poll():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            dialog.accept() if accept else dialog.reject()
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def no_error_shown(label) -> bool:
    """A dock's message line does not report a programming error (a user message is fine)."""
    return not (label.isVisible() and re.match(r"^\w+(Error|Exception)\b", label.text()))


@pytest.mark.parametrize("partial", KINDS, indirect=True)
def test_the_window_its_docks_tabs_and_dialogs_work(partial, cordon_app, qtbot):
    from desktop.main_window import MainWindow
    from desktop.print_dialog import ExportDialog, PrintDialog

    window = MainWindow(partial)
    try:
        with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
            window.show()
        assert not drawn.args[0].get("failed")
        for dock in (window.layer_dock, window.attribute_dock, window.zone_panel, window.capacity_dock):
            dock.show()
            dock.raise_()

        attributes = window.attribute_dock
        for index in range(attributes.layer_combo.count()):
            attributes.layer_combo.setCurrentIndex(index)
            qtbot.wait(10)
            assert attributes.model.rowCount() == partial.count(attributes.layer_combo.currentData())

        dashboard = window.capacity_dock
        for index in range(dashboard.tab_widget.count()):
            dashboard.tab_widget.setCurrentIndex(index)
            qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=READ_TIMEOUT_MS)
        for combo in (dashboard.grid_tab.level_combo, dashboard.grid_tab.window_combo,
                      dashboard.testing_tab.level_combo, dashboard.curve_tab.unit_combo):
            for index in range(combo.count()):
                combo.setCurrentIndex(index)
                qtbot.waitUntil(lambda: not dashboard.is_busy(), timeout=READ_TIMEOUT_MS)
        dashboard.capacity_tab.shortfall_button.setChecked(True)
        dashboard.capacity_tab.shortfall_button.setChecked(False)
        dashboard.tab_widget.setCurrentWidget(dashboard.allocation_tab)
        dashboard.allocation_tab.plan_button.click()
        qtbot.waitUntil(lambda: dashboard.allocation_tab._worker is None, timeout=READ_TIMEOUT_MS)
        assert no_error_shown(dashboard.message_label), dashboard.message_label.text()

        panel = window.zone_panel
        panel.raise_()
        panel.effective_action.trigger()
        panel.effective_action.trigger()
        answer_modal()
        panel.propose_action.trigger()
        qtbot.waitUntil(lambda: panel._worker is None, timeout=READ_TIMEOUT_MS)
        if panel.review.isVisible():
            panel.review.rejected.emit()
        panel.changes_action.trigger()
        qtbot.waitUntil(lambda: panel._changes is not None and panel._changes.isVisible())
        panel._changes.close()
        if panel.model.rowCount():
            panel.select_zone(int(panel.model.row(0)["fid"]))
            answer_modal(accept=False)
            panel.report_action.trigger()
        assert no_error_shown(panel.message_label), panel.message_label.text()

        printing = PrintDialog(partial, window)
        with qtbot.waitSignal(printing.previewUpdated, timeout=DRAW_TIMEOUT_MS):
            printing.show()
        assert not printing.preview.pixmap().isNull()
        printing.close()
        exporting = ExportDialog(partial, window)
        exporting.show()
        for index in range(exporting.format_combo.count()):
            exporting.format_combo.setCurrentIndex(index)
        exporting.close()
        while True:  # let the map finish what the docks asked it to draw
            with qtbot.waitSignal(window.map.layersDrawn, timeout=500, raising=False) as more:
                pass
            if not more.signal_triggered:
                break
    finally:
        window.close()
        window.deleteLater()


# --- every command ---------------------------------------------------------------------------------------


def commands(out) -> dict[str, list[str]]:
    since = (TODAY - dt.timedelta(days=7)).isoformat()
    runs = {
        "info": ["info"], "info-json": ["info", "--json"],
        "propose": ["zones", "propose"], "propose-json": ["zones", "propose", "--json"],
        "propose-grids": ["zones", "propose", "--grids"],
        "propose-apply": ["zones", "propose", "--apply"],
        "list": ["zones", "list"], "list-json": ["zones", "list", "--json"],
        "changes": ["zones", "changes", "--since", since],
        "changes-json": ["zones", "changes", "--since", since, "--json"],
        "capacity": ["capacity"], "capacity-json": ["capacity", "--json"],
        "print": ["print", "--out", str(out / "map.pdf"), "--paper", "A3", "--landscape"],
        "print-png": ["print", "--out", str(out / "map.png")],
        "atlas-town": ["print", "--out", str(out / "towns.pdf"), "--atlas", "town"],
        "atlas-zone": ["print", "--out", str(out / "zones.pdf"), "--atlas", "zone"],
        "snapshot": ["snapshot", "--out", str(out / "window.png"), "--size", "1000x700"],
    }
    for by in ("village", "town", "grid"):
        runs[f"stats-{by}"] = ["stats", "--by", by]
        runs[f"stats-{by}-json"] = ["stats", "--by", by, "--json"]
        runs[f"stats-{by}-xlsx"] = ["stats", "--by", by, "--xlsx", str(out / f"stats-{by}.xlsx")]
    for fmt in ("xlsx", "geojson", "kml", "gpkg", "html"):
        runs[f"export-{fmt}"] = ["export", "--format", fmt, "--out", str(out / f"export.{fmt}")]
    runs["export-kml-all"] = ["export", "--format", "kml", "--out", str(out / "all.kml"), "--gcj02",
                              *[a for layer in ("admin_units", "grids", "isolation_sites", "cases", "control_zones")
                                for a in ("--layer", layer)]]
    return runs


COMMANDS = list(commands(Path(".")))


def run_command(name: str, project: Project, out, capsys) -> tuple[int, str, str]:
    first, *rest = commands(out)[name]
    code = main.main([first, str(project.path), *rest])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("partial", KINDS, indirect=True)
def test_every_command_ends_in_output_or_one_line(partial, command, tmp_path, capsys, cordon_app):
    code, out, err = run_command(command, partial, tmp_path, capsys)
    assert code in (0, 2), (code, out, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert command not in ALWAYS_USEFUL, f"{command} refused: {err}"
        return
    assert "Traceback" not in out + err
    if command.endswith("-json") and command != "propose-json" and command != "changes-json":
        json.loads(out)
    written = [a for a in commands(tmp_path)[command] if a.startswith(str(tmp_path))]
    for path in written:
        assert Path(path).stat().st_size > 0, path


ALWAYS_USEFUL = {"info", "info-json", "list", "list-json", "capacity", "capacity-json", "print", "print-png",
                 "export-xlsx", "export-gpkg", "export-html", "stats-village", "stats-town", "stats-grid",
                 "stats-village-json", "stats-town-json", "stats-grid-json", "snapshot", "propose", "propose-json",
                 "changes", "changes-json"}
"""Commands that have something useful to say on any project, however empty (an empty county still prints a
map with its title); the others may refuse with one line where the project lacks what they need."""


# --- the rules behind it: duplicate and missing codes --------------------------------------------------


def test_codes_link_only_when_they_name_one_feature():
    from gis.grid_stats import positions_of, values_by_code

    assert positions_of(["A", "B", "B", None, " "], ["B", "A", None, " ", "Z"]).tolist() == [-1, 0, -1, -1, -1]
    assert positions_of([], ["A"]).tolist() == [-1]
    assert values_by_code(["T1", "T2", "T2"], ["东城镇", "西城镇", "西城镇"], ["T2", "T1"]).tolist() == [None, "东城镇"]


def test_stats_by_village_give_one_row_per_unit_whatever_its_code(masters, tmp_path):
    from data.stats_store import case_counts

    project = masters["cases_without_grids"].save_as(tmp_path / "cases.gpkg")
    villages = project.read_layer("admin_units", where="level IN ('village', 'community')")
    counts = case_counts(project, by="village")
    assert sorted(counts.index) == sorted(villages.index)  # both 廉村 (same code), the empty and NULL codes
    assert counts["code"].isna().sum() == villages["code"].isna().sum()
    cases = project.read_layer("cases")
    inside = [villages.index[villages.contains(point)].tolist() for point in cases.geometry]
    expected = pd.Series([fids[0] for fids in inside if fids]).value_counts()
    assert counts.loc[expected.index, "total"].tolist() == expected.tolist()
    assert counts["total"].sum() == expected.sum() == 6 and counts.attrs["unlocated"] == 1  # one lies outside
    twins = villages.index[villages["code"] == "410422100001"]
    assert len(twins) == 2 and set(twins) <= set(counts.index)


def test_a_duplicated_grid_code_is_not_trusted_over_the_map():
    from gis.grid_stats import locate_points

    grids = gpd.GeoDataFrame({"code": ["G1", "G1"], "unit_code": [None, None]},
                             geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4490, index=[7, 9])
    villages = gpd.GeoDataFrame({"code": ["V", "V", None], "level": ["village", "village", "community"],
                                 "parent_code": [None, None, None]},
                                geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs=4490, index=[1, 2, 3])
    located = locate_points(gpd.points_from_xy([1.5, 0.5, 2.5], [0.5, 0.5, 0.5]), grids, villages, ["G1", "G1", None])
    assert located["grid_fid"].tolist() == [9, 7, None]
    assert located["unit_fid"].tolist() == [2, 1, 3]
    assert located["unit_code"].tolist()[:2] == ["V", "V"] and pd.isna(located["unit_code"].iloc[2])


def test_towns_without_codes_get_their_own_capacity_rows(masters, tmp_path):
    from data.capacity_store import county_capacity, town_capacity

    project = masters["units_and_sites"].save_as(tmp_path / "sites.gpkg")
    towns = town_capacity(project, as_of=TODAY)
    assert len(towns) == 2 and towns["code"].isna().all()
    assert towns.set_index("name")["rooms"].to_dict() == {"昆阳街道": 120 + 80, "任店镇": 40}
    county = county_capacity(project, as_of=TODAY)
    assert county["rooms"] == 240 and county["free"] == 90


def test_sites_without_rooms_count_as_none(masters, tmp_path):
    from data.capacity_store import county_capacity, site_capacity

    project = masters["sites_without_rooms"].save_as(tmp_path / "rooms.gpkg")
    assert county_capacity(project, as_of=TODAY)["rooms"] == 0
    assert site_capacity(project, TODAY)["free"].tolist() == [0, 0, 0]
