"""The dashboard's figures on a county whose every number is counted by hand: cases in and out of the window,
recorded in the wrong grid, in no grid, without a point or outside the county; contacts waiting for a room (a
blank site name counts as none) and contacts isolated at home; in both stores, read by each tab alone and by one
refresh of every tab, which reads the cases once."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data import capacity_store, dashboard_readers, stats_store
from data.project import Project
from gis.capacity import DEFAULT_DEMAND, expected_demand
from gis.crs import STORAGE_CRS
from gis.glossary import UnitLevel

AS_OF = dt.date(2026, 3, 14)
START = AS_OF - dt.timedelta(days=13)  # the grid tab's 14-day window
T1, T2 = "419901001000", "419901002000"
SITE = "北山酒店"


def _day(days_before: int) -> str:
    return f"{AS_OF - dt.timedelta(days=days_before)}T09:30:00"


def _cases(count: int, category: str, where, code, days_before, site=None) -> list[dict]:
    """``count`` records at the point ``where`` (None: no point), recorded in grid ``code``."""
    return [{"category": category, "geometry": where, "grid_code": code, "site_name": site,
             "reported_at": days_before if isinstance(days_before, str) or days_before is None else _day(days_before)}
            for _ in range(count)]


def build_county(target) -> Project:
    """Two towns of one village each; grids G11 and G12 cover the first village, G21 the west half of the second
    (its east half lies in no grid)."""
    project = Project.create(target, name="手数县", county_code="419901")
    box = shapely.box
    units = [{"code": "419901", "name": "手数县", "level": UnitLevel.COUNTY.value, "parent_code": None,
              "population": 100_000, "geometry": box(113.0, 35.0, 113.4, 35.1)},
             {"code": T1, "name": "东关镇", "level": UnitLevel.TOWN.value, "parent_code": "419901",
              "population": 60_000, "geometry": box(113.0, 35.0, 113.2, 35.1)},
             {"code": T2, "name": "西关镇", "level": UnitLevel.TOWN.value, "parent_code": "419901",
              "population": 40_000, "geometry": box(113.2, 35.0, 113.4, 35.1)},
             {"code": "419901001001", "name": "上河村", "level": UnitLevel.VILLAGE.value, "parent_code": T1,
              "geometry": box(113.0, 35.0, 113.2, 35.1)},
             {"code": "419901002001", "name": "下河村", "level": UnitLevel.VILLAGE.value, "parent_code": T2,
              "geometry": box(113.2, 35.0, 113.4, 35.1)}]
    grids = [{"code": "G11", "name": "上河第一网格", "unit_code": "419901001001", "geometry": box(113.0, 35.0, 113.1, 35.1)},
             {"code": "G12", "name": "上河第二网格", "unit_code": "419901001001", "geometry": box(113.1, 35.0, 113.2, 35.1)},
             {"code": "G21", "name": "下河第一网格", "unit_code": "419901002001", "geometry": box(113.2, 35.0, 113.3, 35.1)}]
    in_g11, in_g12, in_g21 = shapely.Point(113.05, 35.05), shapely.Point(113.15, 35.05), shapely.Point(113.25, 35.05)
    east, abroad = shapely.Point(113.35, 35.05), shapely.Point(114.0, 36.0)  # in no grid; outside the county
    rows = (_cases(18, "confirmed", in_g11, "G11", 2) + _cases(12, "confirmed", in_g11, "G11", 10)
            + _cases(20, "confirmed", in_g12, "G11", 5)  # recorded in the wrong grid
            + _cases(10, "asymptomatic", in_g21, None, 12) + _cases(5, "confirmed", east, None, 0)
            + _cases(3, "confirmed", None, None, 1) + _cases(4, "confirmed", abroad, None, 3)
            + _cases(25, "confirmed", in_g11, "G11", 20) + _cases(6, "confirmed", in_g11, "G11", "不详")  # outside
            + _cases(40, "close_contact", in_g11, "G11", 4) + _cases(15, "close_contact", in_g21, "G21", 4)
            + _cases(7, "close_contact", east, None, 4) + _cases(2, "close_contact", None, None, 4)
            + _cases(12, "close_contact", in_g12, "G12", 4, SITE) + _cases(3, "close_contact", in_g12, "G12", 4, "  ")
            + _cases(20, "secondary_contact", in_g21, "G21", 4))  # isolated at home: no room
    cases = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    cases["case_no"] = [f"C{i:04d}" for i in range(len(cases))]
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.GeoDataFrame(units, crs=STORAGE_CRS), log_each=False)
        edit.insert("grids", gpd.GeoDataFrame(grids, crs=STORAGE_CRS), log_each=False)
        edit.insert("cases", cases.sample(frac=1, random_state=3), log_each=False)  # rows in no order
        edit.insert("isolation_sites", gpd.GeoDataFrame(
            [{"name": SITE, "status": "active", "rooms": 50, "occupied": 15, "geometry": in_g12}], crs=STORAGE_CRS),
            log_each=False)
    return project


@pytest.fixture
def county(store):
    project = build_county(store)
    yield project
    project.close()


def _jobs() -> dict:
    return {"capacity": lambda p: dashboard_readers.read_capacity(p, AS_OF, 20, DEFAULT_DEMAND),
            "grids": lambda p: dashboard_readers.read_grid_counts(p, "grid", START, AS_OF),
            "towns": lambda p: dashboard_readers.read_grid_counts(p, "town", START, AS_OF),
            "curve": lambda p: dashboard_readers.read_curve(p, None, AS_OF),
            "area": lambda p: dashboard_readers.read_curve(p, T1, AS_OF),
            "due": lambda p: dashboard_readers.read_due(p, AS_OF, dt.datetime.combine(AS_OF, dt.time(18)))}


def test_every_tab_shows_the_hand_counted_figures(county):
    result = dashboard_readers.run_readers(county, _jobs(), lambda *_: None, lambda: False)

    grids = result["grids"]["counts"].set_index("code")
    assert grids.loc["G11", ["confirmed", "close_contact", "total"]].tolist() == [30, 40, 70]
    assert grids.loc["G12", ["confirmed", "close_contact", "total"]].tolist() == [20, 15, 35]
    assert grids.loc["G21", ["asymptomatic", "close_contact", "secondary_contact", "total"]].tolist() == [10, 15, 20, 45]
    assert result["grids"]["unlocated"] == 5 + 3 + 4 + 7 + 2
    for fid, code in result["grids"]["grids"]["code"].items():  # a grid's list: the window's cases lying in it
        listed = dashboard_readers.read_grid_counts(county, "grid", START, AS_OF, grid=fid)["grid"]["cases"]
        assert listed["grid_code"].value_counts().to_dict() == {code: {"G11": 70, "G21": 45, "G12": 35}[code]}
    towns = result["towns"]["counts"].set_index("code")
    assert towns.loc[[T1, T2], "total"].tolist() == [105, 57] and result["towns"]["unlocated"] == 3 + 4 + 2

    demand = result["capacity"]["demand"]
    assert demand.waiting == 40 + 3 + 15 + 7 + 2  # close contacts without a site; a blank site name is none
    assert demand.new_cases_per_day == round((18 + 20 + 5 + 3 + 4) / 7, 2)  # infections of the last 7 days
    central = capacity_store.central_demand_assumptions(county, DEFAULT_DEMAND)
    towns = result["capacity"]["towns"].set_index("code")
    assert towns.loc[T1, "demand"] == expected_demand(40 + 3, 18 + 20, central)
    assert towns.loc[T2, "demand"] == expected_demand(15 + 7, 5, central)
    assert result["capacity"]["county"]["demand"] == expected_demand(67, 50, central) == demand.demand
    assert towns.loc[T1, "free"] == 35 and result["capacity"]["county"]["free"] == 35

    curve = result["curve"]["curve"]
    assert curve.loc[pd.Timestamp(AS_OF - dt.timedelta(days=2)), "confirmed"] == 18
    assert curve.loc[pd.Timestamp(AS_OF - dt.timedelta(days=4)), "close_contact"] == 40 + 15 + 7 + 2 + 12 + 3
    area = result["area"]["curve"]  # the first town: G11 and G12 only
    assert area.loc[pd.Timestamp(AS_OF - dt.timedelta(days=5)), "confirmed"] == 20
    assert area.loc[pd.Timestamp(AS_OF - dt.timedelta(days=4)), "close_contact"] == 40 + 12 + 3

    due = result["due"]["followups"]
    assert set(due["person_no"]) <= set(county.read_layer("cases")["case_no"])
    assert due.groupby("person_no")["grid_code"].first().value_counts().to_dict() == {"G11": 40, "G12": 15, "G21": 35}


def test_one_refresh_shows_what_each_tab_reads_alone(county):
    together = dashboard_readers.run_readers(county, _jobs(), lambda *_: None, lambda: False)
    for tab, job in _jobs().items():
        alone = job(county)
        for key, value in alone.items():
            shown = together[tab][key]
            if isinstance(value, dict):  # the county's row, NaN where not filling
                value, shown = pd.Series(value), pd.Series(shown)
            assert value.equals(shown) if isinstance(value, pd.DataFrame | pd.Series) else value == shown, (tab, key)


def test_a_case_added_during_a_refresh_is_in_the_tabs_read_after_it(county):
    added = gpd.GeoDataFrame(_cases(1, "confirmed", shapely.Point(113.15, 35.02), "G12", 0), crs=STORAGE_CRS)
    with stats_store.one_reading(county):
        first = dashboard_readers.read_capacity(county, AS_OF, 20, DEFAULT_DEMAND)
        with county.transaction() as edit:  # another desk's case, arriving between two tabs
            edit.insert("cases", added.assign(case_no="C9999"))
        g12 = int(stats_store.layer_once(county, "grids").query("code == 'G12'").index[0])
        grids = dashboard_readers.read_grid_counts(county, "grid", START, AS_OF, grid=g12)  # reads the address too
    assert first["demand"].new_cases_per_day == round(50 / 7, 2)
    assert grids["counts"].set_index("code").at["G12", "confirmed"] == 20 + 1
    assert "C9999" in set(grids["grid"]["cases"]["case_no"])
