"""Isolation capacity: the rooms-per-10,000 standard, free rooms, days until full from occupancy snapshots,
demand and the run-out date, activating standby sites, site readiness; and the sample county's sites,
contacts, key persons and occupancy history."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest

from data.capacity_store import (
    activate_site,
    county_capacity,
    demand_summary,
    record_occupancy_snapshot,
    site_capacity,
    site_readiness,
    town_capacity,
)
from data.sample import build_sample_layers, build_sample_snapshots
from gis.capacity import DemandAssumptions, days_until_full, forecast_demand, intake_rates, rooms_per_10k
from gis.errors import UserError

AS_OF = dt.date(2026, 11, 20)


def add_site(project, town, **values):
    """Insert an isolation site at the town's centre; returns its fid."""
    row = {"name": "测试隔离点", "rooms": 100, "occupied": 0, "reserved": 0, "status": "standby", **values}
    frame = gpd.GeoDataFrame({k: [v] for k, v in row.items()}, geometry=[town.geometry.representative_point()],
                             crs=4490)
    with project.transaction() as edit:
        (fid,) = edit.insert("isolation_sites", frame)
    return fid


def town_named(project, name):
    towns = project.read_layer("admin_units", where="level = 'town'")
    return towns[towns.name == name].iloc[0]


# --- the capacity standard -------------------------------------------------------------------------------


def test_rooms_per_10k():
    assert rooms_per_10k(146, 73_000) == 20.0
    assert rooms_per_10k([10, 5], [10_000, 0]).tolist()[0] == 10.0
    assert pd.isna(rooms_per_10k(5, 0))


def test_a_town_without_enough_rooms_is_flagged_until_a_site_is_added(sample_project):
    towns = town_capacity(sample_project, as_of=AS_OF).set_index("name")
    beihai = towns.loc["北海街道"]  # the sample has no site in this town
    assert beihai["rooms"] == 0 and beihai["shortfall"]
    needed = -(-beihai["population"] * 20 // 10_000)
    add_site(sample_project, town_named(sample_project, "北海街道"), rooms=int(needed) - 1)
    beihai = town_capacity(sample_project, as_of=AS_OF).set_index("name").loc["北海街道"]
    assert beihai["rooms_per_10k"] < 20 and beihai["shortfall"]
    add_site(sample_project, town_named(sample_project, "北海街道"), name="第二测试隔离点", rooms=1)
    beihai = town_capacity(sample_project, as_of=AS_OF).set_index("name").loc["北海街道"]
    assert beihai["rooms_per_10k"] >= 20 and not beihai["shortfall"]


def test_the_standard_is_configurable(sample_project):
    county = county_capacity(sample_project, as_of=AS_OF)
    assert not county["shortfall"]  # about 31 rooms per 10,000 in the sample
    assert county_capacity(sample_project, standard=40, as_of=AS_OF)["shortfall"]
    towns = town_capacity(sample_project, as_of=AS_OF)
    assert county["rooms"] == towns["rooms"].sum() and county["free"] == towns["free"].sum()


def test_closed_sites_do_not_count_and_standby_rooms_are_separate(sample_project):
    sites = sample_project.read_layer("isolation_sites")
    county = county_capacity(sample_project, as_of=AS_OF)
    assert county["rooms"] == sites.rooms[sites.status != "closed"].sum()
    assert county["standby_rooms"] == sites.rooms[sites.status == "standby"].sum()
    active = sites[sites.status == "active"]
    assert county["free"] == (active.rooms - active.occupied - active.reserved).sum()
    assert county["rooms_per_10k"] == round(county["rooms"] * 10_000 / county["population"], 1)


# --- occupancy snapshots and days until full -----------------------------------------------------------


def test_days_until_full_from_the_recent_intake(sample_project):
    fid = add_site(sample_project, town_named(sample_project, "北海街道"), status="active", rooms=100, occupied=40,
                   reserved=10)
    history = pd.DataFrame({"date": [(AS_OF - dt.timedelta(days=d)).isoformat() for d in range(6, -1, -1)],
                            "site_name": "测试隔离点", "rooms": 100, "occupied": [10, 15, 20, 25, 30, 35, 40]})
    with sample_project.transaction() as edit:
        edit.insert("occupancy_snapshots", history)
    site = site_capacity(sample_project, AS_OF).loc[fid]
    assert site["free"] == 50 and site["intake_per_day"] == pytest.approx(5.0)
    assert site["days_until_full"] == pytest.approx(10.0)
    later = site_capacity(sample_project, AS_OF + dt.timedelta(days=30)).loc[fid]
    assert pd.isna(later["days_until_full"])  # no recent snapshots: no projection


def test_intake_rate_and_days_until_full_helpers():
    snapshots = pd.DataFrame({"date": ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-20"],
                              "site_name": ["甲", "甲", "甲", "乙"], "occupied": [30, 28, 26, 5]})
    rates = intake_rates(snapshots, AS_OF)
    assert rates.to_dict() == pytest.approx({"甲": -2.0})  # 乙 has one snapshot only
    assert pd.isna(days_until_full(20, -2.0)) and days_until_full(0, 3.0) == 0.0


def test_recording_todays_snapshot_replaces_an_earlier_one(sample_project):
    n = record_occupancy_snapshot(sample_project, AS_OF)
    sites = sample_project.read_layer("isolation_sites")
    assert n == (sites.status != "closed").sum()
    record_occupancy_snapshot(sample_project, AS_OF)
    snapshots = sample_project.read_layer("occupancy_snapshots")
    today = snapshots[snapshots.date == AS_OF.isoformat()]
    assert len(today) == n and today.site_name.is_unique
    assert today.set_index("site_name").occupied.to_dict() == sites[sites.status != "closed"].set_index(
        "name").occupied.to_dict()
    log = sample_project.read_layer("audit_log")
    assert (log.action == "record_occupancy").sum() >= 2


# --- activating a standby site -------------------------------------------------------------------------


def test_activating_a_standby_site_adds_its_rooms_to_the_free_ones(sample_project):
    before = county_capacity(sample_project, as_of=AS_OF)
    sites = sample_project.read_layer("isolation_sites")
    fid = sites.index[sites.status == "standby"][0]
    activate_site(sample_project, fid)
    after = county_capacity(sample_project, as_of=AS_OF)
    rooms, reserved = sites.at[fid, "rooms"], sites.at[fid, "reserved"]
    assert after["free"] == before["free"] + rooms - reserved
    assert after["standby_rooms"] == before["standby_rooms"] - rooms
    entry = sample_project.read_layer("audit_log").iloc[-1]
    assert (entry.action, entry.layer, entry.fid) == ("activate_site", "isolation_sites", fid)
    with pytest.raises(UserError, match="只有备用场所可以启用"):
        activate_site(sample_project, fid)


# --- demand ----------------------------------------------------------------------------------------------


def test_run_out_date_worked_examples():
    ratios = DemandAssumptions(close_contacts_per_case=4, secondary_contacts_per_case=1, recent_days=7, horizon_days=7)
    # 7 new cases in a week -> 1 a day -> 5 rooms a day; 10 free rooms: day 1 needs 5, day 2 10, day 3 15.
    forecast = forecast_demand(waiting=0, new_cases=7, free_rooms=10, standby_rooms=0, as_of=AS_OF, assumptions=ratios)
    assert forecast.daily_need == 5 and forecast.runs_out_on == AS_OF + dt.timedelta(days=3)
    assert forecast.demand == 35 and forecast.shortfall == 25
    assert forecast_demand(12, 0, 10, 50, AS_OF, ratios).runs_out_on == AS_OF  # the waiting alone overflow
    assert forecast_demand(3, 0, 10, 0, AS_OF, ratios).runs_out_on is None  # no new cases: never


def test_demand_counts_registered_contacts_without_a_site(sample_project):
    cases = sample_project.read_layer("cases")
    waiting = ((cases.category == "close_contact") & cases.site_name.isna()).sum()  # 9th edition: 次密接 at home
    reported = pd.to_datetime(cases.reported_at)
    recent = reported >= pd.Timestamp(AS_OF - dt.timedelta(days=6))
    new_cases = (recent & cases.category.isin(["confirmed", "asymptomatic"])).sum()
    forecast = demand_summary(sample_project, AS_OF)
    assert forecast.waiting == waiting > 0
    assert forecast.new_cases_per_day == pytest.approx(new_cases / 7, abs=0.01)
    assert forecast.demand == waiting + new_cases * 10  # default 10 close contacts a case; secondary ones need no room
    towns = town_capacity(sample_project, as_of=AS_OF)
    assert towns["demand"].sum() >= forecast.demand  # rounding up per town


# --- readiness -------------------------------------------------------------------------------------------


def test_checklist_and_team_gaps_are_listed(sample_project):
    fid = add_site(sample_project, town_named(sample_project, "北海街道"), independent_water=1, independent_ac=0,
                   one_per_room=1, team_site_head="张伟", team_police="李强", team_doctor=None, team_nurse="王芳",
                   team_cdc="  ", team_psychologist="赵敏")
    readiness = site_readiness(sample_project)
    assert readiness.loc[fid, "checklist_missing"] == ["独立空调"]
    assert readiness.loc[fid, "team_missing"] == ["医生", "疾控人员"]
    assert not readiness.loc[fid, "ready"]
    assert readiness["ready"].any() and not readiness["ready"].all()  # the sample has some gaps


# --- the sample county -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_layers():
    return build_sample_layers(AS_OF)


def test_sample_site_occupancy_agrees_with_the_contacts_placed_there(sample_layers):
    sites, cases = sample_layers["isolation_sites"], sample_layers["cases"]
    placed = cases.site_name.value_counts()
    assert placed.sum() > 100
    by_name = sites.set_index("name")
    assert set(placed.index) <= set(by_name.index[by_name.status == "active"])
    assert (placed <= by_name.occupied.reindex(placed.index)).all()
    assert (sites.occupied + sites.reserved <= sites.rooms).all()
    assert set(sites.town_code) <= set(sample_layers["admin_units"].code)
    assert sites.phone.notna().all()


def test_sample_contacts_are_placed_or_waiting(sample_layers):
    cases = sample_layers["cases"]
    contacts = cases[cases.category.isin(["close_contact", "secondary_contact"])]
    waiting = contacts[contacts.site_name.isna()]
    assert (contacts.status[contacts.site_name.notna()] == "isolated").all()
    assert 0 < len(waiting) < len(contacts) / 4
    assert (waiting.status == "awaiting_transfer").all()


def test_sample_reporting_times_follow_discovery(sample_layers):
    cases = sample_layers["cases"]
    reportable = cases[cases.category.isin(["confirmed", "asymptomatic", "suspected"])]
    assert reportable.discovered_at.notna().all()
    assert cases.loc[~cases.index.isin(reportable.index), "discovered_at"].isna().all()
    discovered = pd.to_datetime(reportable.discovered_at)
    for field in ("reported_online_at", "lab_result_at", "investigated_at"):
        done = pd.to_datetime(reportable[field])
        assert (done.dropna() > discovered[done.notna()]).all()
        assert done.max() <= pd.Timestamp(AS_OF) + pd.Timedelta(days=1)


def test_sample_key_persons(sample_layers):
    persons, grids = sample_layers["key_persons"], sample_layers["grids"]
    assert 80 <= len(persons) <= 150 and persons.person_no.is_unique
    arrival = pd.to_datetime(persons.arrival_at)
    assert arrival.min() >= pd.Timestamp(AS_OF - dt.timedelta(days=29)) and arrival.max() <= pd.Timestamp(AS_OF)
    assert set(persons.category) == {"inbound", "returnee"}
    assert set(persons.schedule) == {"14+7+9", "14"}
    joined = gpd.sjoin(persons, grids[["code", "geometry"]], predicate="within", how="left")
    assert (joined.grid_code == joined.code).all()
    assert persons[["person_name", "id_number", "phone"]].isna().all().all()


def test_sample_snapshots_end_at_todays_occupancy(sample_layers):
    sites = sample_layers["isolation_sites"]
    snapshots = build_sample_snapshots(sites, AS_OF)
    assert snapshots.date.nunique() == 14 and snapshots.date.max() == AS_OF.isoformat()
    last = snapshots[snapshots.date == AS_OF.isoformat()].set_index("site_name").occupied
    open_sites = sites[sites.status != "closed"].set_index("name")
    assert last.to_dict() == open_sites.occupied.to_dict()
    ceiling = snapshots.site_name.map(open_sites.rooms - open_sites.reserved)
    assert (snapshots.occupied.between(0, ceiling)).all()
    assert intake_rates(snapshots, AS_OF).gt(0).any()
