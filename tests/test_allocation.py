"""Allocation of waiting persons to isolation sites: never over capacity, nearest first, sealed zones first;
the plan, its confirmation and the transfer list in the project."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook
from pyproj import Geod

from data.capacity_store import confirm_allocation, plan_allocation, waiting_persons, write_transfer_lists
from data.zone_store import zone_record
from gis.allocation import allocate_to_sites
from gis.errors import UserError

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid


def points(xy):
    return gpd.GeoSeries(shapely.points(np.asarray(xy)), crs=4490)


def geodesic_m(a, b):
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


@pytest.fixture
def scattered():
    rng = np.random.default_rng(7)
    persons = points(rng.uniform((112.2, 34.95), (112.8, 35.3), (400, 2)))
    sites = points(rng.uniform((112.2, 34.95), (112.8, 35.3), (12, 2)))
    return persons, sites, rng.integers(0, 40, len(sites))


def test_no_site_is_given_more_people_than_free_rooms(scattered):
    persons, sites, free = scattered
    plan = allocate_to_sites(persons, sites, free)
    arrivals = plan["site"].value_counts().reindex(sites.index, fill_value=0)
    assert (arrivals <= free).all()
    assert plan["site"].notna().sum() == min(len(persons), free.sum())  # everyone placed while rooms last


def test_with_rooms_to_spare_everyone_goes_to_the_nearest_site(scattered):
    persons, sites, _ = scattered
    plan = allocate_to_sites(persons, sites, np.full(len(sites), 1000))
    for person, row in plan.iterrows():
        distances = [geodesic_m(persons[person], site) for site in sites]
        assert row["site"] == int(np.argmin(distances))
        assert row["distance_m"] == pytest.approx(min(distances), rel=2e-3)  # metres, not degrees


def test_only_full_sites_are_nearer_than_the_one_given(scattered):
    persons, sites, free = scattered
    plan = allocate_to_sites(persons, sites, free)
    left = free - plan["site"].value_counts().reindex(sites.index, fill_value=0)
    for person, row in plan.dropna().iterrows():
        nearer = [s for s in sites.index if geodesic_m(persons[person], sites[s]) < row["distance_m"] * 0.998]
        assert (left[nearer] == 0).all()


def test_when_the_nearest_site_is_full_the_next_nearest_is_used():
    persons = points([(112.600, 35.1), (112.601, 35.1)])
    sites = points([(112.602, 35.1), (112.65, 35.1), (112.9, 35.1)])
    plan = allocate_to_sites(persons, sites, [1, 1, 5])
    assert plan.sort_index()["site"].tolist() == [0, 1]


def test_sealed_zone_residents_are_served_first():
    persons = points([(112.600, 35.1), (112.601, 35.1), (112.602, 35.1)])
    sites = points([(112.61, 35.1)])
    plan = allocate_to_sites(persons, sites, [1], sealed=[False, False, True])
    assert plan.dropna()["site"].to_dict() == {2: 0}
    assert plan.index.tolist() == [2, 0, 1]  # the order people were served in


def test_no_rooms_or_no_location_means_unassigned():
    persons = gpd.GeoSeries([shapely.Point(112.6, 35.1), None], crs=4490)
    plan = allocate_to_sites(persons, points([(112.61, 35.1)]), [0])
    assert plan["site"].isna().all() and plan["distance_m"].isna().all()
    plan = allocate_to_sites(persons, points([(112.61, 35.1)]), [5])
    assert plan["site"].tolist() == [0, None]


# --- in the project -----------------------------------------------------------------------------------------


def test_planning_writes_nothing(sample_project):
    log_rows = sample_project.count("audit_log")
    plan = plan_allocation(sample_project)
    cases = sample_project.read_layer("cases")
    waiting = (cases.category == "close_contact") & cases.site_name.isna()  # 9th edition: 次密接 stay at home
    assert sorted(plan.index) == sorted(cases.index[waiting])
    assert plan["site_name"].notna().all()  # the sample has rooms for all of them
    assert sample_project.count("audit_log") == log_rows
    assert sample_project.read_layer("cases").site_name.isna().sum() == cases.site_name.isna().sum()


def test_confirming_updates_cases_and_occupancy_with_an_audit_trail(sample_project):
    sites_before = sample_project.read_layer("isolation_sites")
    plan = plan_allocation(sample_project)
    assert confirm_allocation(sample_project, plan) == len(plan)
    cases = sample_project.read_layer("cases")
    assert (cases.loc[plan.index, "site_name"] == plan["site_name"]).all()
    sites = sample_project.read_layer("isolation_sites")
    arrivals = plan.groupby("site_fid").size()
    for fid, count in arrivals.items():
        assert sites.at[fid, "occupied"] == sites_before.at[fid, "occupied"] + count
        assert sites.at[fid, "occupied"] + sites.at[fid, "reserved"] <= sites.at[fid, "rooms"]
    log = sample_project.read_layer("audit_log")
    assert (log.action == "allocate_isolation").sum() == len(plan) + len(arrivals)
    assert (log.action == "confirm_allocation").sum() == 1
    assert waiting_persons(sample_project).empty


def test_a_stale_plan_is_refused_and_nothing_is_written(sample_project):
    plan = plan_allocation(sample_project)
    confirm_allocation(sample_project, plan)
    log_rows = sample_project.count("audit_log")
    with pytest.raises(UserError, match="重新生成"):
        confirm_allocation(sample_project, plan)
    assert sample_project.count("audit_log") == log_rows


def test_a_sealed_zone_puts_its_residents_first(sample_project):
    waiting = waiting_persons(sample_project)
    last = waiting.index[-1]
    zone = zone_record(waiting.geometry[last].buffer(0.0005), tier="sealed", kind="drawn", name="测试封控区")
    with sample_project.transaction() as edit:
        edit.insert("control_zones", zone)
    plan = plan_allocation(sample_project)
    assert plan.index[0] == last and bool(plan["sealed"].iloc[0])


def test_transfer_list_has_a_sheet_per_site_and_no_personal_data(sample_project, tmp_path):
    plan = plan_allocation(sample_project)
    path = write_transfer_lists(plan, tmp_path / "转运名单.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[0] == "汇总"
    assert set(book.sheetnames[1:]) == set(plan["site_name"])
    sheet = book[plan["site_name"].iloc[0]]
    header = [cell.value for cell in sheet[1]]
    assert header == ["序号", "编号", "类别", "地址", "网格编码", "封控区人员", "直线距离（公里）"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == (plan["site_name"] == sheet.title).sum()
    assert {row[2] for row in rows} <= {"密切接触者", "密接的密接"}
    summary = pd.DataFrame(list(book["汇总"].iter_rows(min_row=2, values_only=True)))
    assert summary[1].sum() == len(plan)
