"""Follow-up schedules: worked examples of "14+7+9" and "15369", editable rules, due/overdue lists per grid."""

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pytest

from data.stats_store import followups_due, schedule_rules, set_schedule_rules
from gis.errors import UserError
from gis.schedules import DEFAULT_SCHEDULES, Phase, Schedule, due_tests, schedules_from_json, schedules_to_json

D = dt.date


def test_14_7_9_worked_example():
    rule = DEFAULT_SCHEDULES["14+7+9"]
    arrival = D(2026, 11, 1)
    assert [t.due for t in rule.tests(arrival)] == [
        D(2026, 11, 1), D(2026, 11, 14),  # central observation, days 1-14: on arrival and on day 14
        D(2026, 11, 21),  # 7 more days central: day 21
        D(2026, 11, 30),  # 9 days home monitoring: day 30, the last day of observation
        D(2026, 12, 15), D(2026, 12, 30), D(2027, 1, 29), D(2027, 2, 28),  # "15369": 15, 30, 60, 90 days after
    ]
    assert rule.observation_end(arrival) == D(2026, 11, 30)
    assert rule.tests(arrival)[3].label == "第30天核酸（居家健康监测）"
    assert rule.tests(arrival)[-1].label == "解除观察后第90天核酸"


def test_the_setting_follows_the_phases():
    rule = DEFAULT_SCHEDULES["14+7+9"]
    arrival = D(2026, 11, 1)
    assert rule.setting_on(arrival, D(2026, 11, 1)) == "central"
    assert rule.setting_on(arrival, D(2026, 11, 21)) == "central"
    assert rule.setting_on(arrival, D(2026, 11, 22)) == "home"
    assert rule.setting_on(arrival, D(2026, 12, 1)) is None
    assert rule.setting_on(arrival, D(2026, 10, 31)) is None


def test_a_leap_year_and_month_ends_are_plain_date_arithmetic():
    tests = DEFAULT_SCHEDULES["14+7+9"].tests(D(2027, 12, 20))
    assert tests[3].due == D(2028, 1, 18)  # observation ends on day 30
    assert [t.due for t in tests[4:]] == [D(2028, 2, 2), D(2028, 2, 17), D(2028, 3, 18), D(2028, 4, 17)]


def test_rules_are_editable_json():
    text = schedules_to_json(DEFAULT_SCHEDULES)
    assert schedules_from_json(text) == DEFAULT_SCHEDULES
    items = json.loads(text)
    items[0]["phases"][0]["test_days"] = [1, 7, 14]  # the county adds a day-7 test
    edited = schedules_from_json(json.dumps(items))["14+7+9"]
    assert [t.due for t in edited.tests(D(2026, 11, 1))][:3] == [D(2026, 11, 1), D(2026, 11, 7), D(2026, 11, 14)]


@pytest.mark.parametrize("change", [
    lambda rule: rule["phases"][0].update(test_days=[15]),  # outside a 14-day phase
    lambda rule: rule["phases"][0].update(setting="hotel"),
    lambda rule: rule.update(phases=[]),
    lambda rule: rule.pop("code"),
])
def test_a_bad_rule_is_a_clear_user_error(change):
    items = json.loads(schedules_to_json(DEFAULT_SCHEDULES))
    change(items[0])
    with pytest.raises(UserError, match="随访方案格式有误"):
        schedules_from_json(json.dumps(items))


def persons(*rows):
    return pd.DataFrame(rows, columns=["person_no", "category", "grid_code", "arrival_at", "schedule"])


def test_due_today_and_overdue_per_grid():
    people = persons(("P1", "inbound", "G2", "2026-11-07", "14+7+9"),  # day 14 is 11-20: due today
                     ("P2", "inbound", "G1", "2026-11-18", "14+7+9"),  # day 1 was 11-18: overdue
                     ("P3", "returnee", "G1", "2026-11-14", None),  # blank: the returnee rule, day 7 = 11-20
                     ("P4", "inbound", "G1", "2026-11-10", "14+7+9"))  # nothing in the window
    due = due_tests(people, DEFAULT_SCHEDULES, D(2026, 11, 20))
    assert due[["grid_code", "person_no", "state"]].values.tolist() == [
        ["G1", "P2", "overdue"], ["G1", "P3", "due"], ["G2", "P1", "due"]]
    assert due.set_index("person_no").loc["P2", "due_date"] == D(2026, 11, 18)
    assert due.set_index("person_no").loc["P3", "test"] == "第7天核酸（居家健康监测）"


def test_overdue_tests_drop_off_after_the_lookback():
    people = persons(("P2", "inbound", "G1", "2026-11-18", "14+7+9"))
    assert len(due_tests(people, DEFAULT_SCHEDULES, D(2026, 11, 21))) == 1
    assert due_tests(people, DEFAULT_SCHEDULES, D(2026, 11, 22)).empty
    assert len(due_tests(people, DEFAULT_SCHEDULES, D(2026, 11, 22), lookback_days=7)) == 1


def add_key_persons(project, rows):
    grids = project.read_layer("grids")
    frame = gpd.GeoDataFrame(
        [{"person_no": no, "category": category, "arrival_at": arrival, "schedule": schedule,
          "grid_code": grid_code} for no, category, arrival, schedule, grid_code in rows],
        geometry=[grids.geometry.iloc[i].representative_point() for i in range(len(rows))], crs=4490)
    with project.transaction() as edit:
        edit.insert("key_persons", frame)
    return grids.code.iloc[: len(rows)].tolist()


def test_followups_due_in_the_project_use_the_grid_on_the_map(sample_project):
    # the project keeps the 9th-edition scheme: "14+7+9" is no rule of it, so the inbound rule (7+3) applies
    grid_codes = add_key_persons(sample_project, [("T-1", "inbound", "2026-11-14", "14+7+9", "wrong"),
                                                  ("T-2", "returnee", "2026-11-14", None, None)])
    due = followups_due(sample_project, D(2026, 11, 20))
    mine = due[due.person_no.str.startswith("T-") & (due.state == "due")].set_index("person_no")
    assert mine.loc["T-1", "grid_code"] == grid_codes[0] and mine.loc["T-2", "grid_code"] == grid_codes[1]
    assert mine.loc["T-1", "test"] == "第7天核酸（集中隔离医学观察）"
    assert mine.loc["T-2", "test"] == "第7天核酸（居家隔离医学观察）"
    assert list(due.columns) == ["grid_code", "person_no", "category", "due_date", "test", "state"]


def test_edited_rules_are_kept_in_the_project(sample_project):
    add_key_persons(sample_project, [("T-3", "returnee", "2026-11-14", "14", None)])
    assert "T-3" in set(followups_due(sample_project, D(2026, 11, 20)).person_no)
    rules = dict(schedule_rules(sample_project))
    rules["14"] = Schedule("14", "返乡人员14天居家健康监测", (Phase("home", 14, (1, 14)),), categories=("returnee",))
    set_schedule_rules(sample_project, rules)
    assert schedule_rules(sample_project)["14"].phases[0].test_days == (1, 14)
    assert "T-3" not in set(followups_due(sample_project, D(2026, 11, 20)).person_no)  # no day-7 test any more
    assert sample_project.read_layer("audit_log").action.iloc[-1] == "metadata"
