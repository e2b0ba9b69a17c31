"""Control zones in the project file: the stored scheme, the zone list, the actions and their ledger."""

import datetime as dt
import json

import pytest
import shapely

from data import zone_store
from gis.errors import UserError
from gis.glossary import INFECTED
from gis.zoning.circles import merged_circles
from gis.zoning.schemes import PRESETS, user_scheme

AS_OF = dt.date(2026, 11, 20)


def zone_log(project, fid=None):
    log = project.read_layer("audit_log", where="layer = 'control_zones'")
    return log if fid is None else log[log["fid"] == fid]


def snapshot(text):
    return json.loads(text) if isinstance(text, str) else {}


@pytest.fixture
def village(sample_project):
    return zone_store.control_units(sample_project).iloc[0]


@pytest.fixture
def audit_clock(monkeypatch):
    """Set the time audit rows are stamped with."""
    def set_to(stamp):
        monkeypatch.setattr("data.project.now_iso", lambda: stamp)
    return set_to


# -- the scheme ------------------------------------------------------------------------------------------------


def test_a_project_uses_the_ninth_edition_until_another_scheme_is_saved(sample_project):
    assert zone_store.load_scheme(sample_project) == PRESETS["2022_9th"]
    mine = user_scheme(PRESETS["2022_9th"], zh="本县方案", tiers={"sealed": {"quiet_days": 10}})
    zone_store.save_scheme(sample_project, mine)
    assert zone_store.load_scheme(sample_project) == mine
    row = sample_project.read_layer("audit_log").iloc[-1]
    assert row["action"] == "metadata" and "本县方案" in row["after"]


def test_a_scheme_that_drops_a_tier_in_use_is_refused_until_the_zone_is_lifted(sample_project, village):
    fid = zone_store.create_zone(sample_project, village.geometry, tier="sealed", kind="unit")
    with pytest.raises(UserError, match="sealed"):
        zone_store.save_scheme(sample_project, PRESETS["risk_levels"])
    zone_store.lift(sample_project, fid)
    zone_store.save_scheme(sample_project, PRESETS["risk_levels"])
    assert zone_store.load_scheme(sample_project).key == "risk_levels"


def test_zones_must_use_a_tier_of_the_scheme_and_a_known_kind(sample_project, village):
    with pytest.raises(UserError, match="high"):
        zone_store.create_zone(sample_project, village.geometry, tier="high", kind="unit")
    with pytest.raises(UserError, match="区域类型"):
        zone_store.create_zone(sample_project, village.geometry, tier="sealed", kind="square")
    assert sample_project.count("control_zones") == 0


# -- the ledger through a worked timeline ----------------------------------------------------------------------


def test_each_step_of_a_sealed_zone_is_one_logged_action(sample_project, village):
    project = sample_project
    fid = zone_store.create_zone(project, village.geometry, tier="sealed", kind="unit", name=village["name"],
                                 unit_codes=[village["code"]], last_case_at="2026-11-01T20:00:00",
                                 at="2026-11-01T08:00:00")
    assert zone_store.zone_countdown(project, fid, "2026-11-05").projected_downgrade == dt.date(2026, 11, 8)
    with pytest.raises(UserError, match="核酸"):
        zone_store.downgrade(project, fid, on="2026-11-08")  # day 7 reached, but no round yet
    zone_store.record_test_round(project, fid, "2026-11-08", "阴性")
    assert zone_store.downgrade(project, fid, on="2026-11-08") == "controlled"
    controlled = zone_store.zone_countdown(project, fid, "2026-11-10")
    assert (controlled.projected_downgrade, controlled.next_tier) == (dt.date(2026, 11, 11), "precaution")
    assert zone_store.downgrade(project, fid, on="2026-11-11") == "precaution"
    with pytest.raises(UserError, match="最低等级"):
        zone_store.downgrade(project, fid, on="2026-11-12")
    zone_store.lift(project, fid, at="2026-11-12")
    with pytest.raises(UserError, match="已解除"):
        zone_store.change_tier(project, fid, "sealed")

    log = zone_log(project, fid)
    assert list(log["action"]) == ["create", "record_test_round", "downgrade", "downgrade", "lift"]
    assert set(log["user"]) == {project.user}
    steps = [(snapshot(b).get("tier"), snapshot(a).get("tier")) for b, a in zip(log["before"], log["after"],
                                                                                  strict=True)]
    assert steps[2:4] == [("sealed", "controlled"), ("controlled", "precaution")]
    assert snapshot(log["after"].iloc[1])["test_rounds"] == '[{"date": "2026-11-08", "result": "negative"}]'
    assert snapshot(log["after"].iloc[-1])["status"] == "lifted"
    assert "MULTIPOLYGON" in log["after"].iloc[0]


def test_an_early_downgrade_needs_force_and_every_edit_is_logged(sample_project, village):
    fid = zone_store.create_zone(sample_project, village.geometry, tier="sealed", kind="unit", at="2026-11-19")
    with pytest.raises(UserError, match="预计可降级日期：2026-11-26"):
        zone_store.downgrade(sample_project, fid, on="2026-11-20")
    assert zone_store.downgrade(sample_project, fid, on="2026-11-20", force=True) == "controlled"
    zone_store.change_tier(sample_project, fid, "sealed", at="2026-11-21")
    zone_store.modify_zone(sample_project, fid, name="改名后的区域")
    log = zone_log(sample_project, fid)
    assert list(log["action"]) == ["create", "downgrade", "tier_change", "modify"]
    assert snapshot(log["after"].iloc[-1])["name"] == "改名后的区域"
    assert snapshot(log["after"].iloc[-1])["tier"] == "sealed"


def test_a_new_case_inside_a_zone_restarts_its_clock_once(sample_project):
    cases = sample_project.read_layer("cases")
    infected = cases[cases["category"].isin([c.value for c in INFECTED])]
    case = infected.sort_values("reported_at").iloc[-1]
    circle = merged_circles([case.geometry.coords[0]], 500)
    fid = zone_store.create_zone(sample_project, circle, tier="sealed", kind="circle", radius_m=500,
                                 at="2026-11-01T00:00:00")
    inside = infected[infected.geometry.within(circle)]
    assert zone_store.register_new_cases(sample_project) == {fid: inside["reported_at"].max()}
    assert zone_store.register_new_cases(sample_project) == {}  # nothing newer the second time
    clock = zone_store.zone_countdown(sample_project, fid, AS_OF)
    assert clock.clock_from == dt.date.fromisoformat(inside["reported_at"].max()[:10])
    assert list(zone_log(sample_project, fid)["action"]) == ["create", "new_case"]


# -- proposals and the zone list -------------------------------------------------------------------------------


def test_the_unit_of_the_latest_case_is_proposed_sealed_and_applying_logs_every_zone(sample_project):
    cases = sample_project.read_layer("cases")
    latest = cases[cases["category"].isin([c.value for c in INFECTED])].sort_values("reported_at").iloc[-1]
    units = zone_store.control_units(sample_project)
    home = units[units.geometry.contains(latest.geometry)]["code"].iloc[0]
    proposal = zone_store.propose(sample_project, as_of=AS_OF)
    sealed = [z for z in proposal.zones if z.tier == "sealed"]
    assert [z for z in sealed if home in z.unit_codes][0].unit_codes == (home,)
    assert sample_project.count("control_zones") == 0  # proposing writes nothing

    fids = zone_store.apply_proposal(sample_project, proposal)
    stored = sample_project.read_layer("control_zones").loc[fids]
    assert list(stored["tier"]) == [z.tier for z in proposal.zones]
    assert list(stored["kind"]) == [z.kind for z in proposal.zones]
    assert list(stored["note"]) == [z.reason for z in proposal.zones]
    assert json.loads(stored["unit_codes"].iloc[0]) == list(proposal.zones[0].unit_codes)
    log = zone_log(sample_project)
    assert list(log["action"]) == ["create"] * len(fids) + ["apply_proposal"]
    assert json.loads(log["after"].iloc[-1])["fids"] == fids


def test_zone_list_shows_each_zones_countdown(sample_project):
    fids = zone_store.apply_proposal(sample_project, zone_store.propose(sample_project, as_of=AS_OF))
    rows = zone_store.zone_rows(sample_project, dt.date(2026, 11, 21))
    assert list(rows.columns) == zone_store.ROW_COLUMNS
    assert sorted(rows["fid"]) == fids
    assert list(rows["tier"]) == sorted(rows["tier"], key=PRESETS["2022_9th"].rank)
    for row in rows[rows["tier"] == "sealed"].itertuples():
        last_case = dt.date.fromisoformat(row.last_case_at[:10])
        assert row.tier_label == "封控区" and row.next_tier == "controlled"
        assert row.days_since_last_case == (dt.date(2026, 11, 21) - last_case).days
        assert row.projected_downgrade == last_case + dt.timedelta(days=7)
        assert not row.ready and row.population > 0
    rest = rows[rows["name"] == "其余地区"].iloc[0]
    assert rest["tier"] == "precaution" and rest["projected_downgrade"] is None
    assert rows["population"].sum() == pytest.approx(730_000, rel=0.01)


def test_lifted_zones_leave_the_effective_surface(sample_project, village):
    zone_store.create_zone(sample_project, village.geometry, tier="controlled", kind="unit")
    sealed = zone_store.create_zone(sample_project, village.geometry, tier="sealed", kind="unit")
    assert list(zone_store.effective_tier_layer(sample_project)["tier"]) == ["sealed"]
    zone_store.lift(sample_project, sealed)
    surface = zone_store.effective_tier_layer(sample_project)
    assert list(surface["tier"]) == ["controlled"]
    assert shapely.symmetric_difference(surface.geometry.iloc[0], village.geometry).area < 1e-12


def test_changes_since_a_day_list_added_upgraded_downgraded_and_lifted_zones(sample_project, village, audit_clock):
    spot = village.geometry
    audit_clock("2026-11-18T09:00:00")
    fids = {tier: zone_store.create_zone(sample_project, spot, tier=tier, kind="drawn", name=tier)
            for tier in ("sealed", "controlled", "precaution")}
    audit_clock("2026-11-20T09:00:00")
    zone_store.downgrade(sample_project, fids["sealed"], force=True)
    zone_store.change_tier(sample_project, fids["controlled"], "sealed")
    zone_store.lift(sample_project, fids["precaution"])
    added = zone_store.create_zone(sample_project, shapely.Point(spot.centroid).buffer(0.01), tier="sealed",
                                   kind="drawn", name="new")
    changes = zone_store.changes_since(sample_project, "2026-11-20")
    assert list(zip(changes["fid"], changes["change"], strict=True)) == [
        (added, "added"), (fids["controlled"], "upgraded"), (fids["sealed"], "downgraded"),
        (fids["precaution"], "lifted")]
    assert zone_store.changes_since(sample_project, "2026-11-21").empty


def test_undoing_a_downgrade_restores_the_original_countdown(sample_project):
    """A zone stepped down and then put back by undo counts its clock as before the step."""
    from data.zone_store import create_zone, downgrade, zone_countdown
    from gis.zoning.shapes import circle_polygon

    fid = create_zone(sample_project, circle_polygon(112.60, 35.09, 300), tier="sealed", kind="circle",
                      last_case_at="2026-11-01T08:00:00", at="2026-11-03T08:00:00")
    before = zone_countdown(sample_project, fid, "2026-11-20")
    snapshot = sample_project.read_layer("control_zones").loc[fid]
    downgrade(sample_project, fid, on="2026-11-20", force=True)
    with sample_project.transaction() as edit:  # what the zone panel's undo does
        edit.update("control_zones", fid, {k: snapshot[k] for k in ("tier", "started_at")}, action="undo")
    assert zone_countdown(sample_project, fid, "2026-11-20") == before
