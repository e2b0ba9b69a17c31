"""The dashboard's readers at scale give the numbers the full reads gave (counts grouped by the store, cases
read as point arrays), on a project with the awkward rows of real files: missing and unreadable dates, points
outside every grid, two grids sharing a code, a case without a point; and closing the window while a slow
reader runs returns at once."""

import datetime as dt
import threading
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import dashboard_readers, stats_store
from data.project import Project
from gis import schedules
from gis.crs import STORAGE_CRS
from gis.glossary import CONTACTS, CaseCategory, UnitLevel
from gis.grid_stats import daily_counts, in_window, parse_times

AS_OF = dt.date(2026, 3, 14)
CLOSE_LIMIT_S = 0.5  # generous: the dock abandons the reader, it never waits for it


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)


def build_town(target) -> Project:
    """Two towns of four villages, eight grids of which two share a code, and 400 cases and contacts: some
    without a report time or with unreadable text, some outside every grid or without a point, some with a
    wrong recorded grid code."""
    rng = np.random.default_rng(5)
    project = Project.create(target, name="测试县", county_code="419901")
    units = [{"code": "419901", "name": "测试县", "level": UnitLevel.COUNTY.value, "parent_code": None,
              "geometry": shapely.box(113.0, 34.0, 113.4, 34.2)}]
    grids = []
    for t in range(2):
        units.append({"code": f"4199010{t}", "name": f"{'东西'[t]}关镇", "level": UnitLevel.TOWN.value,
                      "parent_code": "419901", "geometry": shapely.box(113.0 + 0.2 * t, 34.0, 113.2 + 0.2 * t, 34.2)})
        for v in range(2):
            code = f"4199010{t}0{v}"
            box = shapely.box(113.0 + 0.2 * t + 0.1 * v, 34.0, 113.1 + 0.2 * t + 0.1 * v, 34.2)
            units.append({"code": code, "name": f"{'上下'[v]}河村", "level": UnitLevel.VILLAGE.value,
                          "parent_code": f"4199010{t}", "geometry": box})
            for g in range(2):
                grid_code = "GDUP" if (t, v) == (1, 1) else f"G{t}{v}{g}"  # the last village's grids share a code
                grids.append({"code": grid_code, "name": f"第{len(grids) + 1}网格", "unit_code": code,
                              "geometry": shapely.box(113.0 + 0.2 * t + 0.1 * v, 34.0 + 0.08 * g,
                                                      113.1 + 0.2 * t + 0.1 * v, 34.08 + 0.08 * g)})
    # the grids cover y 34.00-34.16 only: cases further north lie in a village but in no grid
    n = 400
    x, y = rng.uniform(113.0, 113.4, n), rng.uniform(34.0, 34.2, n)
    categories = rng.choice([c.value for c in CaseCategory], n)
    days = rng.integers(0, 20, n)
    reported = [f"{AS_OF - dt.timedelta(days=int(d))}T{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}:00"
                for d in days]
    onset = [f"{AS_OF - dt.timedelta(days=int(d) + 2)}" if c == CaseCategory.CONFIRMED.value and i % 3 else None
             for i, (d, c) in enumerate(zip(days, categories, strict=True))]
    for i in range(0, n, 17):
        reported[i] = None  # no report time
    reported[5], reported[6] = "不详", "2026-02-30"  # unreadable
    onset[7] = "2026-13-01"
    points = list(shapely.points(x, y))
    points[11] = None  # a case without a point
    points[12] = shapely.Point(114.5, 35.0)  # outside the county
    hit, grid = shapely.STRtree([g["geometry"] for g in grids]).query(points, predicate="within")
    codes = np.full(n, None, dtype=object)
    codes[hit] = [grids[j]["code"] for j in grid]
    codes[::13] = "G000"  # a wrong grid code on some records
    codes[::29] = None
    cases = _frame([{"case_no": f"C{i:04d}", "category": categories[i], "reported_at": reported[i], "onset_at": onset[i],
                     "grid_code": codes[i], "discovered_at": reported[i] if i % 4 == 0 else None,
                     "site_name": "北山酒店" if i % 9 == 0 else None, "geometry": points[i]} for i in range(n)])
    with project.transaction() as edit:
        edit.insert("admin_units", _frame(units), log_each=False)
        edit.insert("grids", _frame(grids), log_each=False)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", _frame([{"name": "北山酒店", "status": "active", "rooms": 50, "occupied": 10,
                                                "geometry": shapely.Point(113.05, 34.05)}]), log_each=False)
    return project


@pytest.fixture
def town(tmp_path):
    project = build_town(tmp_path / "测试县.gpkg")
    yield project
    project.close()


def _full_curve(project: Project, unit_code, end, date="reported") -> pd.DataFrame:
    """The curve as it was computed before: every case row read and located."""
    cases = stats_store.located_cases(project)
    onset = parse_times(cases["onset_at"]).set_axis(cases.index) if date == "onset" else \
        pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    day = onset.where(onset.notna(), cases["reported"])
    without = onset.isna() & day.notna()
    first = day.min().date()
    if unit_code:
        mine = cases[["grid_code", "unit_code", "town_code"]].eq(unit_code).any(axis=1)
        cases, day, without = cases[mine], day[mine], without[mine]
    curve = daily_counts(day, cases["category"], first, end)
    curve.attrs["without_onset"] = int((without & in_window(day, first, end)).sum()) if date == "onset" else 0
    return curve


@pytest.mark.parametrize("unit_code", [None, "41990100", "4199010101", "GDUP", "G000"])
@pytest.mark.parametrize("date", ["reported", "onset"])
def test_the_curve_counted_by_the_store_matches_every_row_read(town, unit_code, date):
    curve = stats_store.epidemic_curve(town, unit_code, end=AS_OF, date=date)
    expected = _full_curve(town, unit_code, AS_OF, date)
    pd.testing.assert_frame_equal(curve, expected)
    assert curve.attrs["without_onset"] == expected.attrs["without_onset"]
    if unit_code is None and date == "reported":
        readable = parse_times(town.read_layer("cases")["reported_at"]).notna().sum()
        assert curve.to_numpy().sum() == readable  # no row without a readable day is counted, none twice


@pytest.mark.parametrize("by", ["grid", "village", "town"])
def test_counts_from_point_arrays_match_every_row_read(town, by):
    start = AS_OF - dt.timedelta(days=6)
    counts = stats_store.case_counts(town, by, start, AS_OF)
    expected = stats_store.counts_in_window(stats_store.located_cases(town), stats_store.units_at(town, by), by,
                                            start, AS_OF)
    pd.testing.assert_frame_equal(counts, expected)
    assert counts.attrs["unlocated"] == expected.attrs["unlocated"] > 0  # the points outside every area
    if by == "grid":
        assert (counts["code"] == "GDUP").sum() == 2  # a shared code counts each grid as itself


def test_the_grid_tab_reads_the_cases_once_with_the_same_numbers(town):
    result = dashboard_readers.read_grid_counts(town, "grid", None, AS_OF)
    full = stats_store.located_cases(town)
    assert result["counts"]["total"].sum() + result["unlocated"] == in_window(full["reported"], None, AS_OF).sum()
    for fid in result["grids"].index:  # a grid's list: its cases, each with the grid it lies in
        listed = dashboard_readers.read_grid_counts(town, "grid", None, AS_OF, grid=fid)["grid"]["cases"]
        pd.testing.assert_series_equal(listed["grid_code"], full.loc[listed.index, "grid_code"], check_index_type=False)


def test_follow_ups_and_late_reports_match_every_row_read(town, monkeypatch):
    due = stats_store.followups_due(town, AS_OF)
    late = stats_store.overdue_reports(town, dt.datetime(2026, 3, 14, 20))
    full = stats_store.located_cases(town)
    monkeypatch.setattr(stats_store, "located_cases", lambda project, columns=None, keep=None, **_: full)  # the full read
    contacts = full[full["category"].isin([c.value for c in CONTACTS])]
    everyone = pd.DataFrame({"person_no": contacts["case_no"], "category": contacts["category"],
                             "grid_code": contacts["grid_code"], "arrival_at": contacts["reported"].dt.normalize(),
                             "schedule": None})
    expected = schedules.due_tests(everyone, stats_store.schedule_rules(town), AS_OF, 3)  # person by person
    pd.testing.assert_frame_equal(due, expected)
    assert len(due) > 0 and (due["state"] == "overdue").any()
    assert len(late) > 0 and late["grid_code"].isin([None, "G000"]).sum() < len(late)
    fids = {case_no: fid for fid, case_no in full["case_no"].items()}
    located = full.loc[[fids[c] for c in late["case_no"]], "grid_code"]
    assert late["grid_code"].tolist() == located.tolist()


def test_grouped_counts_hold_nulls_and_filters(store):
    project = build_town(store)
    try:
        counts = project.group_counts("cases", ["category"])
        assert dict(zip(counts["category"], counts["count"], strict=True)) == project.value_counts("cases", "category")
        no_time = project.group_counts("cases", ["reported_at"], where="reported_at IS NULL")
        assert no_time["count"].tolist() == [(project.read_layer("cases")["reported_at"].isna()).sum()]
    finally:
        project.close()


def test_closing_the_window_while_a_slow_reader_runs_returns_at_once(cordon_app, qtbot, town, monkeypatch):
    from desktop.main_window import MainWindow

    started, release = threading.Event(), threading.Event()
    polls = []
    real = dashboard_readers.read_curve

    def slow_curve(project, *args, **kwargs):
        started.set()
        release.wait(10)  # a reader over millions of rows, still busy when the window closes
        polls.append(True)
        return real(project, *args, **kwargs)

    monkeypatch.setattr(dashboard_readers, "read_curve", slow_curve)
    window = MainWindow(town)
    qtbot.addWidget(window)
    window.show()
    window.capacity_dock.raise_()
    window.capacity_dock.tab_widget.setCurrentWidget(window.capacity_dock.curve_tab)  # the slow tab in front
    qtbot.waitUntil(started.is_set, timeout=30_000)
    assert window.capacity_dock.is_busy()
    t = time.perf_counter()
    window.close()
    took = time.perf_counter() - t
    print(f"closing while a reader runs took {took * 1000:.1f} ms")
    assert took < CLOSE_LIMIT_S
    assert not window.isVisible()
    release.set()  # the reader ends on its own; its outcome reaches nobody
    qtbot.waitUntil(lambda: bool(polls), timeout=10_000)
    qtbot.wait(300)  # its end is delivered to the abandoned worker only: no slot of the closed dock runs
