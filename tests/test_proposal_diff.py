"""Proposals read against the zones in force: new, changed, unchanged and may-step-down zones; accepting creates
the new ones and updates the changed ones in place, so accepting twice leaves the zones as accepting once."""

import json

import geopandas as gpd
import pytest
import shapely

from data import zone_store
from data.project import Project
from gis.crs import STORAGE_CRS
from gis.glossary import ProposalGroup, ZoneDifference
from main import main

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger, central meridian 114°E (叶县 lies near 113.3°E)
CELL_M = 1200  # villages of 1.2 km square, in a grid 6 wide and 4 high
ORIGIN = (430_000, 3_720_000)
NAMES = ["东湖村", "西湖村", "南岗村", "北岗村", "前营村", "后营村", "马庄村", "牛庄村", "杨楼村", "李楼村", "王寨村",
         "张寨村", "任店村", "辛店村", "常村", "龚店村", "邓李村", "夏李村", "廉村", "田庄村", "保安村", "水寨村",
         "仙台村", "昆阳社区"]
DAY = "2026-03-10"
NEXT_DAY = "2026-03-11"


def village_code(col: int, row: int) -> str:
    return f"410422{100 + row * 6 + col:06d}"


def point_in(col: int, row: int, fx: float = 0.5, fy: float = 0.5) -> shapely.Point:
    """A point in village (col, row), ``fx``/``fy`` of the way across it, in the storage CRS."""
    x, y = ORIGIN[0] + (col + fx) * CELL_M, ORIGIN[1] + (row + fy) * CELL_M
    return gpd.GeoSeries([shapely.Point(x, y)], crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS).iloc[0]


@pytest.fixture
def county(tmp_path):
    """A small county of 24 villages drawn in Gauss-Krüger metres, with two confirmed cases on DAY: one in
    牛庄村 (1, 1) 120 m from 杨楼村 (2, 1), one in the middle of 邓李村 (4, 2)."""
    cells = [(col, row) for row in range(4) for col in range(6)]
    squares = [shapely.box(ORIGIN[0] + c * CELL_M, ORIGIN[1] + r * CELL_M, ORIGIN[0] + (c + 1) * CELL_M,
                           ORIGIN[1] + (r + 1) * CELL_M) for c, r in cells]
    villages = gpd.GeoDataFrame({
        "code": [village_code(c, r) for c, r in cells], "name": NAMES, "level": "village",
        "parent_code": "410422100", "population": [800 + 37 * i for i in range(len(cells))],
        "households": [300 + 11 * i for i in range(len(cells))],
    }, geometry=squares, crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)
    outline = gpd.GeoSeries([shapely.union_all(squares)], crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)
    county_row = gpd.GeoDataFrame({"code": ["410422"], "name": ["叶县"], "level": ["county"]},
                                  geometry=outline.values, crs=STORAGE_CRS)
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    with project.transaction() as edit:
        edit.insert("admin_units", gpd.pd.concat([county_row, villages], ignore_index=True), log_each=False)
    add_case(project, point_in(1, 1, 0.9), f"{DAY}T09:30:00", "YX-001")
    add_case(project, point_in(4, 2), f"{DAY}T15:10:00", "YX-002")
    return project


def add_case(project, point, reported_at, case_no):
    case = gpd.GeoDataFrame({"case_no": [case_no], "category": ["confirmed"], "reported_at": [reported_at]},
                            geometry=[point], crs=STORAGE_CRS)
    with project.transaction() as edit:
        edit.insert("cases", case)


def zones_now(project):
    """The zones as a user would compare them: fid, tier, units and outline."""
    zones = project.read_layer("control_zones")
    return {fid: (z["tier"], z["status"], z["unit_codes"] if isinstance(z["unit_codes"], str) else None,
                  shapely.normalize(z.geometry).wkb) for fid, z in zones.iterrows()}


def zone_for(project, proposed):
    return zone_store.create_zone(project, proposed.geometry, tier=proposed.tier, kind=proposed.kind,
                                  name=proposed.name, unit_codes=list(proposed.unit_codes), at=f"{DAY}T08:00:00")


def test_the_first_proposal_is_all_new_and_the_rest_of_the_county_is_not_offered(county):
    diff = zone_store.compare_proposal(county, zone_store.propose(county, as_of=DAY))
    zones = diff.proposal.zones
    assert [line.group for line in diff.items] == [ProposalGroup.NEW] * len(zones)
    assert {z.tier for z in zones} == {"sealed", "controlled", "precaution"} and zones[-1].is_rest_of_county
    assert diff.default_positions() == list(range(len(zones) - 1))  # the county-wide 防范区 is a choice
    assert diff.counts() == {ProposalGroup.NEW: len(zones), ProposalGroup.CHANGED: 0, ProposalGroup.UNCHANGED: 0,
                             ProposalGroup.MAY_STEP_DOWN: 0}
    assert ProposalGroup.MAY_STEP_DOWN.zh == "可解除或降级" and ProposalGroup.CHANGED.zh == "变更"


def test_each_proposed_zone_is_new_changed_or_unchanged_and_unsupported_zones_may_step_down(county):
    proposal = zone_store.propose(county, as_of=DAY)
    sealed, ring = proposal.zones[0], next(z for z in proposal.zones if z.tier == "controlled")
    kept = zone_for(county, sealed)  # exactly as proposed
    lower = zone_store.create_zone(county, proposal.zones[1].geometry, tier="controlled", kind="unit",
                                   unit_codes=list(proposal.zones[1].unit_codes))  # proposed sealed: goes up
    units = zone_store.control_units(county).set_index("code")
    more = [*ring.unit_codes, village_code(3, 1)]
    wider = zone_store.create_zone(county, shapely.union_all(units.loc[more].geometry.values), tier="controlled",
                                   kind="unit", unit_codes=more)
    far = zone_store.create_zone(county, units.loc[village_code(2, 3)].geometry, tier="sealed", kind="drawn",
                                 name="保安村临时封控")  # no case near it

    diff = zone_store.compare_proposal(county, proposal)
    by_fid = {line.zone_fid: line for line in diff.items if line.zone_fid is not None}
    assert by_fid[kept].group is ProposalGroup.UNCHANGED and by_fid[kept].changes == ()
    assert by_fid[lower].group is ProposalGroup.CHANGED and by_fid[lower].changes == (ZoneDifference.TIER,)
    assert by_fid[wider].group is ProposalGroup.CHANGED and by_fid[wider].proposed == ring
    assert by_fid[wider].changes == (ZoneDifference.UNITS, ZoneDifference.EXTENT)
    assert by_fid[far].group is ProposalGroup.MAY_STEP_DOWN and by_fid[far].proposed is None
    assert diff.items[-1].zone_fid == far  # listed after the proposal's own zones
    others = [line for line in diff.items if line.zone_fid is None]
    assert len(others) == len(proposal.zones) - 3 and all(line.group is ProposalGroup.NEW for line in others)
    frame = diff.to_frame()
    assert list(frame["group"]).count("may_step_down") == 1
    assert frame.loc[frame["zone_fid"] == far, "name"].iloc[0] == "保安村临时封控"  # shown as it is now


def test_a_proposal_never_steps_a_zone_down_it_lists_it(county):
    proposal = zone_store.propose(county, as_of=DAY)
    ring = next(z for z in proposal.zones if z.tier == "controlled")
    sealed_ring = zone_store.create_zone(county, ring.geometry, tier="sealed", kind="unit",
                                         unit_codes=list(ring.unit_codes))
    line = next(line for line in zone_store.compare_proposal(county, proposal).items if line.zone_fid == sealed_ring)
    assert line.group is ProposalGroup.MAY_STEP_DOWN and line.changes == (ZoneDifference.TIER,)
    assert line.tier == "sealed" and line.proposed.tier == "controlled"  # shown as it is, the proposal beside it
    zone_store.apply_proposal(county, proposal)
    assert county.read_layer("control_zones").loc[sealed_ring, "tier"] == "sealed"


def test_a_zone_of_other_units_over_the_same_ground_is_changed_not_duplicated(county):
    proposal = zone_store.propose(county, as_of=DAY)
    sealed = proposal.zones[0]
    grids = zone_store.create_zone(county, sealed.geometry, tier="sealed", kind="unit", name="牛庄村网格",
                                   unit_codes=["41042210001001", "41042210001002"])  # drawn from grids before
    line = next(line for line in zone_store.compare_proposal(county, proposal).items if line.zone_fid == grids)
    assert line.group is ProposalGroup.CHANGED and line.changes == (ZoneDifference.UNITS,)
    assert line.proposed == sealed


def test_accepting_twice_leaves_the_zones_as_accepting_once(county):
    proposal = zone_store.propose(county, as_of=DAY)
    diff = zone_store.compare_proposal(county, proposal)
    fids = zone_store.apply_proposal(county, proposal, only=diff.default_positions())
    assert len(fids) == len(proposal.zones) - 1
    once, log_once = zones_now(county), county.count("audit_log")

    again = zone_store.propose(county, as_of=DAY)
    diff = zone_store.compare_proposal(county, again)
    assert [line.group for line in diff.items] == [ProposalGroup.UNCHANGED] * len(fids) + [ProposalGroup.NEW]
    assert zone_store.apply_proposal(county, again, only=diff.default_positions()) == []
    assert zones_now(county) == once and county.count("audit_log") == log_once  # nothing written, nothing logged


def test_a_new_case_updates_the_zones_in_place_and_the_ledger_names_what_changed(county):
    zone_store.apply_proposal(county, zone_store.propose(county, as_of=DAY))  # the rest of the county included
    before = county.read_layer("control_zones")
    codes = before["unit_codes"].map(json.loads)
    yanglou = int(before.index[codes.map([village_code(2, 1)].__eq__)][0])  # 杨楼村, in 牛庄村's small ring
    wangzhai = int(before.index[codes.map([village_code(4, 1)].__eq__)][0])  # 王寨村, in 邓李村's large ring
    assert before.loc[yanglou, "tier"] == "controlled"
    add_case(county, point_in(2, 1), f"{NEXT_DAY}T08:45:00", "YX-003")  # now 杨楼村 has a case of its own

    proposal = zone_store.propose(county, as_of=NEXT_DAY)
    diff = zone_store.compare_proposal(county, proposal)
    changed = {line.zone_fid: line for line in diff.items if line.group is ProposalGroup.CHANGED}
    assert changed[yanglou].changes == (ZoneDifference.TIER,)
    assert any(line.changes == (ZoneDifference.UNITS, ZoneDifference.EXTENT) for line in changed.values())
    steps = [line.zone_fid for line in diff.items if line.group is ProposalGroup.MAY_STEP_DOWN]
    assert steps == [wangzhai]  # its ring merged into a larger one; it is listed, not lifted

    assert zone_store.apply_proposal(county, proposal, at=f"{NEXT_DAY}T10:00:00") == []  # nothing new to create
    after = county.read_layer("control_zones")
    assert sorted(after.index) == sorted(before.index)
    assert after.loc[yanglou, ["tier", "name", "started_at"]].tolist() == ["sealed", "杨楼村", f"{NEXT_DAY}T10:00:00"]
    for fid, line in changed.items():
        assert after.loc[fid, "tier"] == line.proposed.tier
        assert json.loads(after.loc[fid, "unit_codes"]) == list(line.proposed.unit_codes)
    assert after.loc[wangzhai, "status"] == "active" and after.loc[wangzhai].geometry.equals(
        before.loc[wangzhai].geometry)

    log = county.read_layer("audit_log", where="layer = 'control_zones'")
    updates = log[log["action"] == "proposal_update"].set_index("fid")
    assert sorted(updates.index.astype(int)) == sorted(changed)
    row = updates.loc[yanglou]
    assert (json.loads(row["before"])["tier"], json.loads(row["after"])["tier"]) == ("controlled", "sealed")
    summary = json.loads(log[log["action"] == "apply_proposal"]["after"].iloc[-1])
    assert summary["fids"] == []
    assert {u["fid"]: u["changes"] for u in summary["updated"]} == {
        fid: [c.value for c in line.changes] for fid, line in changed.items()}
    assert {u["fid"]: (u["before"]["tier"], u["after"]["tier"]) for u in summary["updated"]}[yanglou] == (
        "controlled", "sealed")

    again = zone_store.compare_proposal(county, zone_store.propose(county, as_of=NEXT_DAY))
    assert {line.group for line in again.items} == {ProposalGroup.UNCHANGED, ProposalGroup.MAY_STEP_DOWN}


def run(capsys, *args):
    code = main(["zones", *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_cli_json_carries_each_features_group_and_apply_twice_stores_nothing_new(capsys, county):
    far = zone_store.create_zone(county, zone_store.control_units(county).geometry.iloc[-1], tier="controlled",
                                 kind="drawn", name="昆阳社区卡口周边")
    first = json.loads(run(capsys, county.path, "propose", "--date", DAY, "--json", "--apply"))
    groups = [f["properties"]["group"] for f in first["features"]]
    assert first["applied"] and first["counts"] == {"new": groups.count("new"), "changed": 0, "unchanged": 0,
                                                    "may_step_down": 1}
    step_down = next(f["properties"] for f in first["features"] if f["properties"]["group"] == "may_step_down")
    assert step_down["zone_fid"] == far and step_down["name"] == "昆阳社区卡口周边" and step_down["applied"] is False
    rest = first["features"][groups.index("may_step_down") - 1]["properties"]
    assert rest["name"] == "其余地区" and rest["applied"] is False and rest["fid"] is None
    stored = zones_now(county)

    second = json.loads(run(capsys, county.path, "propose", "--date", DAY, "--json", "--apply"))
    assert [f["properties"]["group"] for f in second["features"]] == ["unchanged"] * (len(groups) - 2) + [
        "new", "may_step_down"]
    assert all(f["properties"]["zone_fid"] == f["properties"]["fid"] for f in second["features"][:-2])
    assert all(f["properties"]["changes"] == [] for f in second["features"])
    assert zones_now(county) == stored

    text = run(capsys, county.path, "propose", "--date", DAY)
    assert f"新增 1、变更 0、不变 {len(groups) - 2}、可解除或降级 1" in text
    assert "不变（" in text and "可解除或降级（1）" in text and "--with-rest" in text


def test_apply_twice_on_the_sample_county_keeps_its_zone_count(capsys, sample_project):
    path = sample_project.path
    run(capsys, path, "propose", "--date", "2026-11-20", "--apply")
    once = zones_now(sample_project)
    out = run(capsys, path, "propose", "--date", "2026-11-20", "--apply")
    assert "没有需要保存的改动" in out and zones_now(sample_project) == once
