"""What the dashboard's tabs show, read without a display: the areas the curve can be drawn for, grid names on
follow-ups, the state of an allocation plan, and several readings run in one worker."""

import datetime as dt

import pandas as pd

from data import capacity_store, dashboard_readers, stats_store
from gis.capacity import DEFAULT_DEMAND
from gis.glossary import UnitLevel

AS_OF = dt.date(2026, 11, 20)


def test_the_curve_areas_list_each_town_before_its_villages(sample_project):
    result = dashboard_readers.read_curve(sample_project, None, AS_OF)
    units = sample_project.read_layer("admin_units").set_index("code")
    codes = result["units"]["code"].tolist()
    towns = [c for c in codes if units.at[c, "level"] == UnitLevel.TOWN.value]
    assert towns
    for code in codes:
        parent = units.at[code, "parent_code"]
        if parent in towns:
            assert codes.index(parent) < codes.index(code)
    assert result["curve"].equals(stats_store.epidemic_curve(sample_project, None, end=AS_OF))


def test_an_area_no_longer_in_the_project_shows_the_county(sample_project):
    gone = dashboard_readers.read_curve(sample_project, "999999999999", AS_OF)
    county = dashboard_readers.read_curve(sample_project, None, AS_OF)
    assert gone["curve"].equals(county["curve"])


def test_grid_names_fall_back_to_the_code_where_no_single_grid_has_it():
    grids = pd.DataFrame({"code": ["410101001", "410101002", "410101002"], "name": ["东街网格", "西街一", "西街二"]})
    codes = pd.Series(["410101001", "410101002", "410101009"], index=[7, 8, 9])
    names = dashboard_readers.grid_names(codes, grids)
    assert names.tolist() == ["东街网格", "410101002", "410101009"] and names.index.tolist() == [7, 8, 9]


def test_follow_ups_and_late_reports_carry_their_grid(sample_project):
    result = dashboard_readers.read_due(sample_project, AS_OF, dt.datetime(2026, 11, 20, 18))
    due = stats_store.followups_due(sample_project, AS_OF, dashboard_readers.FOLLOWUP_LOOKBACK_DAYS)
    assert len(result["followups"]) == len(due) and result["followups"]["grid"].notna().all()


def test_capacity_reading_matches_the_store(sample_project):
    result = dashboard_readers.read_capacity(sample_project, AS_OF, 20, DEFAULT_DEMAND)
    assert result["county"] == capacity_store.county_capacity(sample_project, 20, AS_OF, DEFAULT_DEMAND)
    assert result["towns"].geometry.notna().all()


def test_a_plan_is_ready_then_confirmed(sample_project):
    assert dashboard_readers.plan_state(sample_project, None) == "none"
    made = dashboard_readers.make_plan(sample_project, "", lambda *_: None, lambda: False)
    plan = made["plan"]
    assert dashboard_readers.plan_state(sample_project, plan) == "ready"
    assert (made["sites"]["free_after"] == made["sites"]["free"] - made["sites"]["arriving"]).all()
    capacity_store.confirm_allocation(sample_project, plan)
    assert dashboard_readers.plan_state(sample_project, plan) == "confirmed"


def test_readers_run_together_and_stop_when_cancelled(sample_project):
    jobs = {"curve": lambda p: dashboard_readers.read_curve(p, None, AS_OF), "count": lambda p: p.count("cases")}
    results = dashboard_readers.run_readers(sample_project, jobs, lambda *_: None, lambda: False)
    assert set(results) == {"curve", "count"} and results["count"] == sample_project.count("cases")
    assert dashboard_readers.run_readers(sample_project, jobs, lambda *_: None, lambda: True) is None
