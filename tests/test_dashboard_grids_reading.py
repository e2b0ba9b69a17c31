"""The dashboard's grids tab counts from the cases' places (point arrays, kept while the layers stay as they are)
and reads a grid's case list only when that grid is clicked, yet shows exactly what reading every case row
showed: on a county of three towns with grids sharing a code or having none, cases recorded with no grid code, a
misspelt one or another grid's, cases outside every grid or without a point, report times written in several
ways or unreadable, and key persons, in both stores; and in the real tab, its table, totals and lists."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import dashboard_readers, stats_store
from data.project import Project
from gis.crs import STORAGE_CRS
from gis.glossary import CaseCategory, KeyPersonCategory, UnitLevel
from gis.grid_stats import in_window

AS_OF = dt.date(2026, 5, 18)
READ_TIMEOUT_MS = 30_000
CATEGORIES = CaseCategory.values()
LEVEL_FID = {"grid": "grid_fid", "village": "unit_fid", "town": "town_fid"}
LISTED = ["case_no", "category", "reported", "address", "site_name", "grid_code"]


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)


def build_county(target) -> Project:
    """Three towns (济水镇, 王屋镇, 邵原镇) of two villages each, every village cut into three grids (the last
    village's grids share the code WW-2-X, one grid of 济水 has no code); 900 cases and contacts over 30 days."""
    rng = np.random.default_rng(13)
    project = Project.create(target, name="沁北县", county_code="419902")
    units = [{"code": "419902", "name": "沁北县", "level": UnitLevel.COUNTY.value, "parent_code": None,
              "population": 210_000, "geometry": shapely.box(112.3, 35.0, 112.9, 35.3)}]
    grids = []
    for t, town in enumerate(["济水镇", "王屋镇", "邵原镇"]):
        town_code = f"4199021{t:02d}000"
        units.append({"code": town_code, "name": town, "level": UnitLevel.TOWN.value, "parent_code": "419902",
                      "population": 70_000, "geometry": shapely.box(112.3 + 0.2 * t, 35.0, 112.5 + 0.2 * t, 35.3)})
        for v in range(2):
            village_code = f"4199021{t:02d}00{v + 1}"
            west = 112.3 + 0.2 * t + 0.1 * v
            units.append({"code": village_code, "name": f"{town[:2]}{'东西'[v]}村",
                          "level": (UnitLevel.VILLAGE if v else UnitLevel.COMMUNITY).value, "parent_code": town_code,
                          "geometry": shapely.box(west, 35.0, west + 0.1, 35.3)})
            for g in range(3):  # the grids cover y 35.00-35.24: the village's north strip lies in no grid
                code = "WW-2-X" if (t, v) == (2, 1) else None if (t, v, g) == (0, 0, 2) else f"JY{t}{v}{g}"
                grids.append({"code": code, "name": f"{town[:2]}第{len(grids) + 1}网格", "unit_code": village_code,
                              "geometry": shapely.box(west, 35.0 + 0.08 * g, west + 0.1, 35.08 + 0.08 * g)})
    n = 900
    x, y = rng.uniform(112.3, 112.9, n), rng.uniform(35.0, 35.3, n)
    points = list(shapely.points(x, y))
    points[3], points[4] = None, shapely.Point(113.6, 35.9)  # no point; outside the county
    inside, grid = shapely.STRtree([g["geometry"] for g in grids]).query(points, predicate="within")
    codes = np.full(n, None, dtype=object)
    codes[inside] = [grids[j]["code"] for j in grid]
    codes[::11] = "JY0l0"  # misspelt
    codes[::17] = "JY211"  # another grid's code
    codes[::23] = None
    days = rng.integers(0, 30, n)
    reported = [f"{AS_OF - dt.timedelta(days=int(d))}{['T08:15:00', ' 21:40', ''][i % 3]}" for i, d in enumerate(days)]
    for i in range(0, n, 31):
        reported[i] = None
    reported[7], reported[8] = "待核实", "2026-04-31"
    cases = _frame([{"case_no": f"QB{i:05d}", "category": CATEGORIES[i % len(CATEGORIES)], "reported_at": reported[i],
                     "grid_code": codes[i], "address": f"沁北县{i % 40}号院" if i % 5 else None,
                     "site_name": "济水宾馆" if i % 7 == 0 else None, "person_name": "张三", "phone": "13800000000",
                     "geometry": points[i]} for i in range(n)])
    persons = _frame([{"person_no": f"KP{i:03d}", "category": KeyPersonCategory.values()[i % 2],
                       "arrival_at": f"{AS_OF - dt.timedelta(days=i % 9)}", "origin": "郑州",
                       "grid_code": ["JY000", "JY100", "WW-2-X", "JY0l0", None][i % 5], "schedule": None,
                       "geometry": shapely.Point(112.35, 35.05)} for i in range(40)])
    with project.transaction() as edit:
        edit.insert("admin_units", _frame(units), log_each=False)
        edit.insert("grids", _frame(grids), log_each=False)
        edit.insert("cases", cases.sample(frac=1, random_state=2), log_each=False)  # rows in no order
        edit.insert("key_persons", persons, log_each=False)
    return project


@pytest.fixture
def county(store):
    project = build_county(store)
    yield project
    project.close()


def every_row_counts(project: Project, by: str, start, end) -> tuple[pd.DataFrame, int]:
    """What the tab showed before: every case row read and located, counted by hand (area by area)."""
    cases = stats_store.located_cases(project)
    cases = cases[in_window(cases["reported"], start, end)]
    units = stats_store.units_at(project, by)
    table = pd.DataFrame(0, index=units.index, columns=CATEGORIES)
    for (fid, category), count in cases.groupby([LEVEL_FID[by], "category"]).size().items():
        table.at[int(fid), category] = count
    table["infections"] = table["confirmed"] + table["asymptomatic"]
    table["contacts"] = table["close_contact"] + table["secondary_contact"]
    table["total"] = table[CATEGORIES].sum(axis=1)
    table.insert(0, "code", units["code"].to_numpy())
    table.insert(1, "name", units["name"].to_numpy())
    return table.rename_axis("fid").reset_index(), int(cases[LEVEL_FID[by]].isna().sum())


def every_row_list(project: Project, fid: int, start, end) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases (in the window) and key persons a grid listed before: every row read, picked by grid code."""
    cases = stats_store.located_cases(project)
    cases = cases[in_window(cases["reported"], start, end)]
    persons = project.read_layer("key_persons")
    code = project.read_layer("grids").at[fid, "code"]
    return (cases.loc[cases["grid_code"] == code, LISTED],
            persons.loc[persons["grid_code"] == code, ["person_no", "category", "arrival_at", "origin", "schedule",
                                                       "grid_code"]])


def _as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A listed frame as a table shows it (a missing text shown blank however it is held)."""
    return frame.astype(object).where(frame.notna(), None).rename_axis("fid")


@pytest.mark.parametrize("by", ["grid", "village", "town"])
@pytest.mark.parametrize("days", [None, 14, 1])
def test_the_counts_equal_those_of_every_row_read(county, by, days):
    start = AS_OF - dt.timedelta(days=days - 1) if days else None
    result = dashboard_readers.read_grid_counts(county, by, start, AS_OF)
    expected, unlocated = every_row_counts(county, by, start, AS_OF)
    pd.testing.assert_frame_equal(result["counts"], expected, check_dtype=False)
    assert result["unlocated"] == unlocated
    assert unlocated > 0 or (by, days) != ("grid", None)  # north of the grids, outside the county, without a point
    assert result["counts"]["total"].sum() > 0 and result["grid"] is None  # no case row read but a clicked grid's
    assert (result["counts"]["code"] == "WW-2-X").sum() == (3 if by == "grid" else 0)  # each grid as itself


def test_a_grid_lists_exactly_its_cases_in_the_window_and_its_key_persons(county):
    start = AS_OF - dt.timedelta(days=13)
    grids = county.read_layer("grids")
    for fid in grids.index:
        listed = dashboard_readers.read_grid_counts(county, "grid", start, AS_OF, grid=int(fid))["grid"]
        cases, persons = every_row_list(county, int(fid), start, AS_OF)
        assert listed["fid"] == fid
        pd.testing.assert_frame_equal(_as_shown(listed["cases"]), _as_shown(cases), check_index_type=False)
        pd.testing.assert_frame_equal(_as_shown(listed["persons"]), _as_shown(persons), check_index_type=False)
        code = grids.at[fid, "code"]
        assert len(listed["cases"]) > 0 or pd.isna(code)  # a grid without a code lists nothing, as before
    shared = [int(fid) for fid in grids.index[grids["code"] == "WW-2-X"]]
    first = dashboard_readers.read_grid_counts(county, "grid", start, AS_OF, grid=shared[0])["grid"]["cases"]
    second = dashboard_readers.read_grid_counts(county, "grid", start, AS_OF, grid=shared[1])["grid"]["cases"]
    assert first.equals(second)  # a code shared by three grids lists the cases of all, as before
    gone = dashboard_readers.read_grid_counts(county, "grid", start, AS_OF, grid=int(grids.index.max()) + 1)
    assert gone["grid"] is None


def test_a_change_by_another_program_is_counted_at_the_next_reading(county, store):
    first = dashboard_readers.read_grid_counts(county, "grid", None, AS_OF)
    again = dashboard_readers.read_grid_counts(county, "grid", None, AS_OF)
    pd.testing.assert_frame_equal(first["counts"], again["counts"])
    other = Project.open(store)  # another desk (or QGIS) moves a case into grid JY100 and deletes another
    try:
        fids = other.read_layer("cases").index
        with other.transaction() as edit:
            edit.update("cases", int(fids[0]), {"category": "confirmed", "grid_code": "JY100",
                                                "reported_at": f"{AS_OF}T10:00:00"},
                        geometry=shapely.Point(112.55, 35.05))
            edit.delete("cases", [int(fids[1])])
    finally:
        other.close()
    after = dashboard_readers.read_grid_counts(county, "grid", None, AS_OF)
    expected, unlocated = every_row_counts(county, "grid", None, AS_OF)
    pd.testing.assert_frame_equal(after["counts"], expected, check_dtype=False)
    assert after["unlocated"] == unlocated
    assert not after["counts"].equals(first["counts"])


def test_the_tab_shows_the_figures_and_lists_of_every_row_read(main_window, qtbot, tmp_path):
    project = build_county(tmp_path / "沁北县.gpkg")
    window = main_window(project)
    dock, tab = window.capacity_dock, window.capacity_dock.grid_tab
    dock.set_as_of(AS_OF)
    dock.raise_()
    dock.tab_widget.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not dock.is_busy() and tab.result is not None, timeout=READ_TIMEOUT_MS)

    expected, unlocated = every_row_counts(project, "grid", None, AS_OF)  # all days, grids with cases
    shown = tab.count_table.model().frame
    wanted = expected[expected["total"] > 0].sort_values(["infections", "contacts"], ascending=False, kind="stable")
    pd.testing.assert_frame_equal(shown.drop(columns="_tooltip"), wanted.reset_index(drop=True), check_dtype=False)
    assert f"{unlocated}" in tab.summary_label.text()

    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        tab.window_combo.setCurrentIndex(tab.window_combo.findData(14))
    grids = project.read_layer("grids")
    fid = int(grids.index[grids["code"] == "JY100"][0])
    with qtbot.waitSignal(dock.refreshed, timeout=READ_TIMEOUT_MS):
        window.map.featureClicked.emit("grids", fid)
    cases, persons = every_row_list(project, fid, AS_OF - dt.timedelta(days=13), AS_OF)
    assert tab.case_table.model().frame["case_no"].tolist() == cases["case_no"].tolist()
    assert tab.person_table.model().frame["person_no"].tolist() == persons["person_no"].tolist()
    assert f"{len(persons)}" in tab.detail_label.text() and "JY100" in tab.detail_label.text()
    assert tab.count_table.model().frame.at[tab.count_table.currentIndex().row(), "fid"] == fid  # row selected
