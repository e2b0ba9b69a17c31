"""The dashboard's readings at scale — the capacity tab's contacts waiting for a room and new infections counted per
town, the follow-up tests due of the contacts arriving in the days listed, the reporting steps past their deadline,
each read by the store as point arrays of only the rows that can count — give the figures of an every-row reading, in both stores, on a county with
the awkward rows of real files: site names blank in several ways (spaces, a full-width space, a tab), report times
missing, unreadable, date-only or on the edges of the days counted, points in no grid, without a point or outside
the county, wrong and shared grid codes; and the store's coded point reading holds nulls, gaps and empty results."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import capacity_store, stats_store
from data.project import Project, coded
from gis import schedules
from gis.capacity import DEFAULT_DEMAND
from gis.crs import STORAGE_CRS
from gis.deadlines import REPORTING_DEADLINES, overdue_steps
from gis.glossary import CONTACTS, CaseCategory, UnitLevel
from gis.grid_stats import INFECTED_VALUES, parse_times

AS_OF = dt.date(2026, 3, 14)
SITE = "鲁山县人民宾馆隔离点"
SITE_NAMES = [None, "", "  ", "\u3000", "\t", SITE, f" {SITE} "]  # the first five are blank: no site yet
REPORT_TIMES = [None, "不详", "2026-02-30", "2026-03-07T23:59:59", "2026-03-08T00:00:00", "2026-03-10",
                "2026-03-12 08:15:00", "2026-03-14T23:59:59", "2026-03-15T00:00:00", "2026-03-06T10:00:00"]


def build_county(target) -> Project:
    """Two towns of two villages (鲁山县, GCJ-02 coordinates), five grids, two of which share a code and one has
    none; the east village has no grid in its north half; 700 cases of every category."""
    rng = np.random.default_rng(11)
    project = Project.create(target, name="鲁山县", county_code="410423")
    x0, y0 = 112.88, 33.72
    units = [{"code": "410423", "name": "鲁山县", "level": UnitLevel.COUNTY.value, "parent_code": None,
              "population": 800_000, "geometry": shapely.box(x0, y0, x0 + 0.4, y0 + 0.2)}]
    grids = []
    for t, town in enumerate(["鲁阳街道", "琴台街道"]):
        town_code = f"41042300{t + 1}"
        units.append({"code": town_code, "name": town, "level": UnitLevel.TOWN.value, "parent_code": "410423",
                      "population": 90_000 + t * 10_000, "geometry": shapely.box(x0 + 0.2 * t, y0, x0 + 0.2 * t + 0.2,
                                                                                    y0 + 0.2)})
        for v in range(2):
            code, left = f"{town_code}00{v + 1}", x0 + 0.2 * t + 0.1 * v
            units.append({"code": code, "name": f"{town}{'东西'[v]}社区", "level": UnitLevel.COMMUNITY.value,
                          "parent_code": town_code, "geometry": shapely.box(left, y0, left + 0.1, y0 + 0.2)})
            if (t, v) != (1, 1):
                grid_code = {(0, 0): "LY01", (0, 1): "DUP", (1, 0): "DUP"}[(t, v)]
                grids.append({"code": grid_code, "name": f"第{len(grids) + 1}网格", "unit_code": code,
                              "geometry": shapely.box(left, y0, left + 0.1, y0 + 0.2)})
            else:  # the last community: a grid without a code in its south half only
                grids.append({"code": "", "name": "无编码网格", "unit_code": code,
                              "geometry": shapely.box(left, y0, left + 0.1, y0 + 0.1)})
    n = 700
    x, y = rng.uniform(x0, x0 + 0.4, n), rng.uniform(y0, y0 + 0.2, n)
    points = list(shapely.points(x, y))
    points[3], points[4] = None, shapely.Point(114.2, 35.1)  # no point; outside the county
    hit, grid = shapely.STRtree([g["geometry"] for g in grids]).query(points, predicate="within")
    codes = np.full(n, None, dtype=object)
    codes[hit] = [grids[j]["code"] for j in grid]
    codes[::11] = "LY01"  # a wrong grid code on some records
    categories = rng.choice([c.value for c in CaseCategory], n, p=[0.15, 0.15, 0.05, 0.4, 0.25])
    categories[3] = CaseCategory.CLOSE_CONTACT.value  # the contact without a point
    cases = gpd.GeoDataFrame({
        "case_no": [f"LS{i:05d}" for i in range(n)], "category": categories, "grid_code": codes,
        "reported_at": [REPORT_TIMES[i % len(REPORT_TIMES)] for i in range(n)],
        "site_name": [SITE_NAMES[i % len(SITE_NAMES)] for i in range(n)],
        "discovered_at": [REPORT_TIMES[(i + 4) % len(REPORT_TIMES)] if i % 3 else None for i in range(n)],
        "reported_online_at": ["2026-03-10T11:00:00" if i % 4 == 0 else "2026-13-40" if i % 9 == 0 else None
                               for i in range(n)],
        "lab_result_at": ["2026-03-09T08:00:00" if i % 5 == 0 else None for i in range(n)]},
        geometry=points, crs=STORAGE_CRS)
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.GeoDataFrame(units, crs=STORAGE_CRS), log_each=False)
        edit.insert("grids", gpd.GeoDataFrame(grids, crs=STORAGE_CRS), log_each=False)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", gpd.GeoDataFrame([{"name": SITE, "status": "active", "rooms": 80,
                                                          "occupied": 20, "geometry": shapely.Point(x0 + 0.05,
                                                                                                    y0 + 0.05)}],
                                                        crs=STORAGE_CRS), log_each=False)
        edit.delete("cases", [10, 11, 12, 300])  # fids with gaps
    return project


@pytest.fixture
def county(store):
    project = build_county(store)
    yield project
    project.close()


def every_row_counts(project: Project) -> pd.DataFrame:
    """The waiting persons and new infections per town fid, from every case row read and located."""
    full = stats_store.located_cases(project)
    blank = full["site_name"].fillna("").astype(str).str.strip() == ""
    waiting = full["category"].isin(capacity_store.central_categories(project)) & blank
    since = pd.Timestamp(AS_OF) - pd.Timedelta(days=DEFAULT_DEMAND.recent_days - 1)
    recent = full["reported"].between(since, pd.Timestamp(AS_OF) + pd.Timedelta(days=1), inclusive="left")
    new = full["category"].isin(INFECTED_VALUES) & recent
    return pd.DataFrame({"waiting": waiting, "new": new}).groupby(full["town_fid"], dropna=False).sum()


def by_town(counts: pd.DataFrame) -> dict:
    return {None if pd.isna(fid) else int(fid): (int(row.waiting), int(row.new)) for fid, row in counts.iterrows()}


@pytest.mark.parametrize("secondary_central", [False, True])
def test_waiting_and_new_cases_per_town_match_every_row_read(county, secondary_central):
    if secondary_central:  # a county that also sends secondary contacts to central sites
        rules = {code: rule for code, rule in stats_store.schedule_rules(county).items()
                 if CaseCategory.SECONDARY_CONTACT.value not in rule.categories}
        rules["secondary"] = schedules.Schedule("secondary", "次密接集中隔离", (schedules.Phase(schedules.CENTRAL, 7, (1, 7)),),
                                                categories=(CaseCategory.SECONDARY_CONTACT.value,))
        stats_store.set_schedule_rules(county, rules)
    central = capacity_store.central_categories(county)
    assert (CaseCategory.SECONDARY_CONTACT.value in central) == secondary_central
    assumptions = capacity_store.central_demand_assumptions(county, DEFAULT_DEMAND)
    counts = capacity_store.demand_by_town(county, AS_OF, assumptions)
    expected = every_row_counts(county)
    assert by_town(counts) == {fid: value for fid, value in by_town(expected).items() if value != (0, 0)}
    towns = {fid for fid in by_town(counts) if fid is not None}
    assert len(towns) == 2 and None in by_town(counts)  # both towns, and cases in no town (outside, no point)
    assert counts["waiting"].sum() > 0 and counts["new"].sum() > 0

    county_row = capacity_store.county_capacity(county, 20, AS_OF, DEFAULT_DEMAND)
    pd.testing.assert_series_equal(pd.Series(county_row), pd.Series(capacity_store.county_capacity(
        county, 20, AS_OF, DEFAULT_DEMAND, counts=expected)))
    pd.testing.assert_frame_equal(capacity_store.town_capacity(county, 20, AS_OF, DEFAULT_DEMAND),
                                  capacity_store.town_capacity(county, 20, AS_OF, DEFAULT_DEMAND, counts=expected))
    summary = capacity_store.demand_summary(county, AS_OF, DEFAULT_DEMAND)
    assert summary.waiting == int(expected["waiting"].sum())
    assert summary.new_cases_per_day == round(int(expected["new"].sum()) / DEFAULT_DEMAND.recent_days, 2)


@pytest.mark.parametrize("on_date", [AS_OF, AS_OF - dt.timedelta(days=3), AS_OF + dt.timedelta(days=6)])
def test_follow_up_tests_due_match_every_row_read(county, on_date):
    due = stats_store.followups_due(county, on_date, 3)
    full = stats_store.located_cases(county)  # every row read and located
    contacts = full[full["category"].isin([c.value for c in CONTACTS])]
    persons = stats_store._locate(county, county.read_layer("key_persons"))
    everyone = pd.concat([persons[["person_no", "category", "grid_code", "arrival_at", "schedule"]],
                          pd.DataFrame({"person_no": contacts["case_no"], "category": contacts["category"],
                                        "grid_code": contacts["grid_code"],
                                        "arrival_at": contacts["reported"].dt.normalize(), "schedule": None})],
                         ignore_index=True)
    expected = schedules.due_tests(everyone, stats_store.schedule_rules(county), on_date, 3)  # person by person
    pd.testing.assert_frame_equal(due, expected)
    assert len(due) > 0 and due["grid_code"].isna().any() and (due["grid_code"] == "DUP").any()


def test_late_reports_match_every_row_read(county):
    at = dt.datetime(2026, 3, 14, 20)
    late = stats_store.overdue_reports(county, at)
    cases = county.read_layer("cases")  # every row
    times = pd.DataFrame({column: parse_times(cases[column]).to_numpy()
                          for column in ["discovered_at", *(rule.field for rule in REPORTING_DEADLINES)]}, index=cases.index)
    steps = overdue_steps(times.assign(category=cases["category"]), at)
    located = stats_store.located_cases(county)
    expected = pd.concat([located.loc[steps["case"], ["case_no", "category", "grid_code"]].reset_index(drop=True),
                          steps[["step", "label", "deadline", "hours_over"]]], axis=1)
    pd.testing.assert_frame_equal(late, expected)
    assert len(late) > 0 and late["grid_code"].isna().any() and set(late["step"]) == {
        "reported_online_at", "lab_result_at", "investigated_at"}


def test_the_store_works_out_coded_and_conditional_columns_of_the_rows_a_condition_holds_for(county):
    """What the capacity tab asks the store for: the same rows, points and values as the general reader, with a
    category coded as a number and a field read only where a condition holds; nulls, gaps in the fids, a row
    without a point, and a condition no row meets."""
    contacts = [CaseCategory.CLOSE_CONTACT.value, CaseCategory.SECONDARY_CONTACT.value]
    where, params = "category IN (?, ?) OR reported_at >= ?", [*contacts, "2026-03-12"]
    layer = county.read_layer("cases", where=where, params=params)
    fids, x, y, values = county.read_point_values("cases", {
        "category": coded("category", contacts),
        "site": ("CASE WHEN category = ? THEN site_name END", [contacts[0]]),
        "grid_code": ("grid_code", []),
    }, where=where, params=params)
    assert list(fids) == list(layer.index) and 0 < len(fids) < 696 and 11 not in fids and 4 in fids
    assert np.isnan(x[list(fids).index(4)]) and not np.isnan(np.delete(x, list(fids).index(4))).any()
    located = ~layer.geometry.isna().to_numpy()
    np.testing.assert_array_equal(x[located], shapely.get_x(layer.geometry.values[located]))
    np.testing.assert_array_equal(y[located], shapely.get_y(layer.geometry.values[located]))
    assert values["category"].tolist() == [contacts.index(c) if c in contacts else 255 for c in layer["category"]]
    expected_site = layer["site_name"].where(layer["category"] == contacts[0])
    assert [None if pd.isna(v) else v for v in expected_site] == values["site"].tolist()
    assert "\u3000" in values["site"].tolist()
    assert values["grid_code"].tolist() == [None if pd.isna(v) else v for v in layer["grid_code"]]
    fids, x, y, values = county.read_point_values("cases", {"category": coded("category", contacts)},
                                                  where="category = ?", params=["none such"])
    assert len(fids) == len(x) == len(values["category"]) == 0
