"""Zone names and overlap warnings, without a display, on a county built here (宝丰县, Henan: one town,
four villages in a row, two grids, a case in 张庄村): every zone gets a name staff would say, messages use
it, and a new zone over an active zone of another tier is told which tier applies where they overlap."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from data import zone_store
from data.project import Project
from gis.errors import UserError
from gis.zoning.shapes import circle_polygon
from main import main

TODAY = dt.date.today()
# code: (name, population, (x0, y0, x1, y1)): four villages of 0.02° (≈1.8 km) side in a row
VILLAGES = {
    "410421100001": ("张庄村", 1800, (113.00, 33.80, 113.02, 33.82)),
    "410421100002": ("李营村", 2600, (113.02, 33.80, 113.04, 33.82)),
    "410421100003": ("王湾社区", 900, (113.04, 33.80, 113.06, 33.82)),
    "410421100004": ("前营村", 1200, (113.06, 33.80, 113.08, 33.82)),
}
ZHANG, LI, WANG, QIAN = VILLAGES
CASE_AT = Point(113.01, 33.81)  # in 张庄村


def _insert(project: Project, layer: str, rows: list[dict], shapes: list) -> None:
    with project.transaction() as edit:
        edit.insert(layer, gpd.GeoDataFrame(rows, geometry=shapes, crs=4490))


@pytest.fixture
def county(tmp_path) -> Project:
    project = Project.create(tmp_path / "宝丰县.gpkg", name="宝丰县防控", county_code="410421")
    _insert(project, "admin_units",
            [{"code": "410421100000", "name": "城关镇", "level": "town", "parent_code": "410421", "population": 6500}]
            + [{"code": code, "name": name, "level": "community" if "社区" in name else "village",
                "parent_code": "410421100000", "population": people} for code, (name, people, _) in VILLAGES.items()],
            [box(113.00, 33.80, 113.08, 33.82)] + [box(*b) for _, _, b in VILLAGES.values()])
    _insert(project, "grids", [{"code": f"{ZHANG}-0{i}", "name": f"张庄第{i}网格", "unit_code": ZHANG,
                                "population": 900} for i in (1, 2)],
            [box(113.00, 33.80, 113.01, 33.82), box(113.01, 33.80, 113.02, 33.82)])
    _insert(project, "cases", [{"case_no": "BF001", "category": "confirmed",
                                "reported_at": f"{TODAY - dt.timedelta(days=1)}T08:00:00"}], [CASE_AT])
    return project


def village(code: str):
    return box(*VILLAGES[code][2])


def test_unit_zones_are_named_after_their_units_the_most_populous_first(county):
    one = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    assert one.name == "张庄村"
    three = zone_store.create_zone(county, village(WANG), tier="controlled", kind="unit",
                                   unit_codes=[WANG, LI, QIAN])
    assert three.name == "李营村等3个村（社区）"
    grids = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit",
                                   unit_codes=[f"{ZHANG}-01", f"{ZHANG}-02"])
    assert grids.name == "张庄第1网格、张庄第2网格"
    stored = county.read_layer("control_zones")["name"].tolist()
    assert stored == ["张庄村", "李营村等3个村（社区）", "张庄第1网格、张庄第2网格"]


def test_a_circle_is_named_after_the_village_of_its_centre_and_its_radius(county):
    circle = zone_store.create_zone(county, circle_polygon(CASE_AT.x, CASE_AT.y, 500), tier="controlled",
                                    kind="circle", radius_m=500)
    assert circle.name == "张庄村周边500米管控圈"
    again = zone_store.create_zone(county, circle_polygon(CASE_AT.x + 0.001, CASE_AT.y, 500), tier="controlled",
                                   kind="circle", radius_m=500)
    assert again.name == "张庄村周边500米管控圈（2）"  # names stay apart
    outside = zone_store.create_zone(county, circle_polygon(113.2, 33.9, 300), tier="precaution", kind="circle",
                                     radius_m=300)
    assert outside.name.startswith("300米管控圈（113.2000°E 33.9000°N")


def test_a_drawn_zone_is_named_after_the_villages_it_covers(county):
    across = box(113.005, 33.805, 113.035, 33.815)  # covers the centres of 张庄村 and 李营村
    assert zone_store.create_zone(county, across, tier="precaution", kind="drawn").name == "李营村、张庄村"
    corner = box(113.021, 33.801, 113.025, 33.804)  # a corner of 李营村, no village centre inside
    assert zone_store.create_zone(county, corner, tier="precaution", kind="drawn").name == "李营村（部分）"
    wide = box(113.001, 33.805, 113.079, 33.815)
    assert zone_store.create_zone(county, wide, tier="precaution", kind="drawn").name == "李营村等4个村（社区）"


def test_a_given_name_is_kept_trimmed_and_a_blank_one_is_suggested(county):
    assert zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG],
                                  name="  张庄村封控区  ").name == "张庄村封控区"
    assert zone_store.create_zone(county, village(LI), tier="sealed", kind="unit", unit_codes=[LI],
                                  name=" ").name == "李营村"


def test_a_new_zone_over_a_zone_of_another_tier_is_warned_naming_both_and_the_tier_that_applies(county):
    sealed = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    assert sealed.warnings == ()
    circle = zone_store.create_zone(county, circle_polygon(CASE_AT.x, CASE_AT.y, 1000), tier="controlled",
                                    kind="circle", radius_m=1000)
    (warning,) = circle.warnings
    assert (warning.other_fid, warning.applies) == (sealed, "sealed")
    text = warning.message("zh")
    assert "张庄村周边1000米管控圈" in text and "“张庄村”（封控区）" in text and "（管控区）" in text
    assert "重叠处按较高等级“封控区”管理" in text
    assert 300 < warning.area_m2 / 10_000 < 320  # ha: the circle is π km², wholly inside 张庄村 (≈3.7 km²)
    assert "where they overlap, the higher tier 'sealed zone' applies" in warning.message("en")
    assert county.count("control_zones") == 2  # a warning, not a refusal


def test_same_tier_neighbours_and_touching_zones_are_not_warned(county):
    zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    assert zone_store.create_zone(county, village(LI), tier="controlled", kind="unit",
                                  unit_codes=[LI]).warnings == ()  # shares only a border
    assert zone_store.create_zone(county, box(113.01, 33.80, 113.03, 33.82), tier="sealed",
                                  kind="drawn").warnings != ()  # over 李营村's 管控区
    assert zone_store.create_zone(county, box(113.005, 33.80, 113.015, 33.82), tier="sealed",
                                  kind="drawn").warnings == ()  # sealed over sealed only


def test_a_lifted_zone_is_not_warned_about(county):
    sealed = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    zone_store.lift(county, sealed)
    assert zone_store.create_zone(county, village(ZHANG), tier="controlled", kind="unit",
                                  unit_codes=[ZHANG]).warnings == ()


def test_messages_name_the_zone_never_its_number(county):
    fid = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    with pytest.raises(UserError) as same:
        zone_store.change_tier(county, fid, "sealed")
    assert "“张庄村”" in same.value.message() and f"区域 {fid}" not in same.value.message()
    with pytest.raises(UserError) as early:
        zone_store.downgrade(county, fid)
    assert "区域“张庄村”尚不满足降级条件" in early.value.message()
    zone_store.lift(county, fid)
    with pytest.raises(UserError, match="管控区域“张庄村”已解除"):
        zone_store.lift(county, fid)


def test_a_zone_is_renamed_but_never_blank_or_to_another_active_zone_name(county):
    first = zone_store.create_zone(county, village(ZHANG), tier="sealed", kind="unit", unit_codes=[ZHANG])
    second = zone_store.create_zone(county, village(LI), tier="controlled", kind="unit", unit_codes=[LI])
    assert zone_store.rename_zone(county, first, " 张庄村一组封控区 ") == "张庄村一组封控区"
    with pytest.raises(UserError, match="不能为空"):
        zone_store.rename_zone(county, first, "  ")
    with pytest.raises(UserError, match="已有生效的区域名为“李营村”"):
        zone_store.rename_zone(county, first, "李营村")
    zones = county.read_layer("control_zones")
    assert zones.loc[[first, second], "name"].tolist() == ["张庄村一组封控区", "李营村"]
    log = county.read_layer("audit_log", where="layer = 'control_zones' AND fid = ?", params=(int(first),))
    assert log["action"].tolist() == ["create", "modify"]


def test_zone_details_give_what_the_popup_shows(county):
    fid = zone_store.create_zone(county, circle_polygon(CASE_AT.x, CASE_AT.y, 500), tier="sealed",
                                 kind="circle", radius_m=500, last_case_at=TODAY - dt.timedelta(days=2))
    details = zone_store.zone_details(county, fid, TODAY)
    assert details["title"] == "张庄村周边500米管控圈" and details["tier_label"] == "封控区"
    assert details["radius_m"] == 500 and details["days_since_last_case"] == 2
    assert details["units"] == ["张庄村"]  # the village centre is within 500 m
    wide = zone_store.zone_details(county, zone_store.create_zone(county, village(ZHANG).union(village(LI)),
                                                                   tier="controlled", kind="unit",
                                                                   unit_codes=[ZHANG, LI]), TODAY)
    assert wide["units"] == ["李营村", "张庄村"] and wide["population"] == 1800  # people counted over grids
    assert wide["projected_downgrade"] is not None and wide["next_tier_label"] == "防范区"


def test_the_cli_says_when_an_applied_proposal_overlaps_a_zone_of_another_tier(county, capsys):
    drawn = zone_store.create_zone(county, circle_polygon(CASE_AT.x, CASE_AT.y, 300), tier="precaution",
                                   kind="circle", radius_m=300)
    assert main(["zones", str(county.path), "propose", "--apply"]) == 0
    out = capsys.readouterr().out
    assert f"与“{drawn.name}”（防范区）重叠" in out and "重叠处按较高等级“封控区”管理" in out
    assert main(["zones", str(county.path), "propose", "--apply", "--json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # still one JSON document; nothing new was created, so nothing to say
    assert "重叠" not in err
