"""Control circles, snapping to units, the effective tier surface, proposals, zone reports and the change map."""

import datetime as dt
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from gis.crs import STORAGE_CRS, metric_crs_for
from gis.errors import UserError
from gis.zoning.changes import zone_changes
from gis.zoning.circles import control_circles, merged_circles
from gis.zoning.effective import effective_tiers
from gis.zoning.proposals import propose_zones
from gis.zoning.report import zone_report
from gis.zoning.schemes import PRESETS
from gis.zoning.snapping import covered_shares, covered_units, snap_to_units

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid: areas measured on it, independent of any projection
PLACES = {"漠河": (122.54, 52.97), "乌鲁木齐": (87.62, 43.83), "喀什": (75.99, 39.47), "拉萨": (91.13, 29.65),
          "济源": (112.60, 35.07), "上海": (121.47, 31.23), "三亚": (109.51, 18.25), "抚远": (134.29, 48.36)}
CELL_M = 1000.0
CENTRE = (112.60, 35.10)


def geodesic_area(geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0])


def metric_to_storage(geometries, crs):
    return gpd.GeoSeries(geometries, crs=crs).to_crs(STORAGE_CRS)


@pytest.fixture
def units():
    """A 3 x 3 block of 1 km square villages around ``CENTRE``: codes V00..V22 (row, column), centre V11."""
    crs = metric_crs_for(CENTRE[0])
    x0, y0 = gpd.GeoSeries([shapely.Point(CENTRE)], crs=STORAGE_CRS).to_crs(crs).iloc[0].coords[0]
    boxes, codes = [], []
    for row in range(3):
        for col in range(3):
            left, bottom = x0 + (col - 1.5) * CELL_M, y0 + (row - 1.5) * CELL_M
            boxes.append(shapely.box(left, bottom, left + CELL_M, bottom + CELL_M))
            codes.append(f"V{row}{col}")
    return gpd.GeoDataFrame({"code": codes, "name": [f"{c}村" for c in codes],
                             "population": [1000 + i for i in range(9)], "households": [300 + i for i in range(9)]},
                            geometry=metric_to_storage(boxes, crs).values, crs=STORAGE_CRS, index=range(101, 110))


def offset_point(lon_lat, east_m, north_m):
    """The point ``east_m``/``north_m`` metres from ``lon_lat``, in the storage CRS."""
    crs = metric_crs_for(lon_lat[0])
    x, y = gpd.GeoSeries([shapely.Point(lon_lat)], crs=STORAGE_CRS).to_crs(crs).iloc[0].coords[0]
    return metric_to_storage([shapely.Point(x + east_m, y + north_m)], crs).iloc[0]


def cases_at(points, categories, reported):
    return gpd.GeoDataFrame({"category": categories, "reported_at": reported}, geometry=list(points), crs=STORAGE_CRS)


# -- circles ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_500_m_circle_has_the_area_of_pi_r_squared_anywhere_in_china(place):
    circles = control_circles([PLACES[place]], small_m=500, large_m=1000)
    assert geodesic_area(circles.small) == pytest.approx(math.pi * 500**2, rel=0.005)
    assert geodesic_area(circles.large) == pytest.approx(math.pi * 1000**2, rel=0.005)


def test_circles_are_nested_and_overlapping_ones_of_the_same_size_merge():
    near = offset_point(CENTRE, 1200, 0)  # 1.2 km apart: 500 m circles stay apart, 1 km circles merge
    far = offset_point(CENTRE, 20_000, 0)
    circles = control_circles([CENTRE, near.coords[0], far.coords[0]], small_m=500, large_m=1000)
    assert len(circles.small.geoms) == 3 and len(circles.large.geoms) == 2
    assert circles.large.buffer(1e-9).contains(circles.small)
    merged = next(g for g in circles.large.geoms if g.contains(shapely.Point(CENTRE)))
    assert merged.contains(near)
    assert math.pi * 1000**2 < geodesic_area(merged) < 2 * math.pi * 1000**2  # the overlap counts once


def test_circle_radii_must_be_positive_and_the_large_one_larger():
    with pytest.raises(UserError, match="小圈"):
        control_circles([CENTRE], small_m=1000, large_m=500)
    assert merged_circles([], 500).is_empty


# -- snapping --------------------------------------------------------------------------------------------------


def test_centroid_rule_takes_units_whose_centre_is_inside(units):
    circle = merged_circles([CENTRE], 700)  # short of the side neighbours' centres, 1 km away
    assert list(covered_units(circle, units)["code"]) == ["V11"]
    bigger = merged_circles([CENTRE], 1050)
    assert list(covered_units(bigger, units)["code"]) == ["V01", "V10", "V11", "V12", "V21"]


def test_share_rule_measures_the_covered_part_of_each_unit_in_metres(units):
    strip = shapely.union_all([units.geometry.loc[105], units.geometry.loc[106]])  # V11 and V12 whole
    cut = offset_point(CENTRE, -CELL_M, 0).x  # the middle of V10
    half_of_v10 = units.geometry.loc[104].intersection(shapely.box(-180, -90, cut, 90))
    zone = shapely.union(strip, half_of_v10)
    shares = dict(zip(units["code"], covered_shares(zone, units.geometry), strict=True))
    assert shares["V11"] == pytest.approx(1.0, abs=1e-4) and shares["V00"] == pytest.approx(0, abs=1e-4)
    assert shares["V10"] == pytest.approx(0.5, abs=0.01)
    at_half = covered_units(zone, units, rule="share", threshold=shares["V10"] - 0.01)
    assert list(at_half["code"]) == ["V10", "V11", "V12"]
    assert list(covered_units(zone, units, rule="share", threshold=0.99)["code"]) == ["V11", "V12"]


def test_snapped_zone_follows_the_units_boundaries(units):
    snapped = snap_to_units(merged_circles([CENTRE], 1050), units)
    expected = shapely.union_all(snapped.units.geometry.values)
    assert snapped.outline.geom_type == "MultiPolygon"
    assert shapely.symmetric_difference(snapped.outline, expected).area < 1e-12
    assert list(snapped.units.index) == [102, 104, 105, 106, 108]  # the caller's own rows


def test_unknown_snapping_rule_and_bad_threshold_are_user_errors(units):
    with pytest.raises(UserError, match="centroid"):
        covered_units(merged_circles([CENTRE], 500), units, rule="nearest")
    with pytest.raises(UserError, match="阈值"):
        covered_units(merged_circles([CENTRE], 500), units, rule="share", threshold=1.5)


# -- effective tiers -------------------------------------------------------------------------------------------


def test_where_zones_overlap_the_highest_tier_wins(units):
    zones = gpd.GeoDataFrame({"tier": ["precaution", "controlled", "sealed"]}, geometry=[
        shapely.union_all(units.geometry.values),  # the whole block
        shapely.union_all(units.geometry.loc[[104, 105, 106]].values),  # the middle row
        units.geometry.loc[105],  # the centre
    ], crs=STORAGE_CRS)
    surface = effective_tiers(zones, PRESETS["2022_9th"]).set_index("tier")
    assert list(surface.index) == ["sealed", "controlled", "precaution"]
    assert list(surface["tier_label"]) == ["封控区", "管控区", "防范区"]
    centre, east, corner = (units.geometry.loc[i].representative_point() for i in (105, 106, 101))
    assert [tier for tier in surface.index if surface.geometry[tier].contains(centre)] == ["sealed"]
    assert [tier for tier in surface.index if surface.geometry[tier].contains(east)] == ["controlled"]
    assert [tier for tier in surface.index if surface.geometry[tier].contains(corner)] == ["precaution"]
    parts = surface.geometry.values
    assert shapely.area(shapely.intersection(parts[0], parts[1])) < 1e-12
    assert shapely.area(shapely.union_all(parts)) == pytest.approx(zones.geometry.iloc[0].area)


def test_effective_surface_refuses_tiers_the_scheme_lacks(units):
    zones = gpd.GeoDataFrame({"tier": ["high"]}, geometry=[units.geometry.iloc[0]], crs=STORAGE_CRS)
    with pytest.raises(UserError, match="high"):
        effective_tiers(zones, PRESETS["2022_9th"])


# -- proposals -------------------------------------------------------------------------------------------------


def test_a_case_inside_a_known_unit_makes_exactly_that_unit_the_top_tier(units):
    case = offset_point(CENTRE, 300, 0)  # in V11, 200 m from V12 and 800 m from V10
    cases = cases_at([case, offset_point(CENTRE, -1200, 0), offset_point(CENTRE, 0, 1200)],
                     ["confirmed", "close_contact", "confirmed"],
                     ["2026-11-20T09:00:00", "2026-11-20T09:00:00", "2026-11-01T09:00:00"])  # contact; old case
    proposal = propose_zones(cases, units, PRESETS["2022_9th"], as_of=dt.date(2026, 11, 20), small_m=500,
                             large_m=1000, snap_rule="centroid")
    tiers = [(z.tier, z.unit_codes) for z in proposal.zones]
    assert tiers[0] == ("sealed", ("V11",))
    assert [t for t, _ in tiers].count("sealed") == 1
    assert proposal.zones[0].population == 1004 and proposal.zones[0].last_case_at == "2026-11-20T09:00:00"
    assert (proposal.days, proposal.cases_used) == (7, 1)  # the 9th edition's 7 quiet days


def test_small_circle_units_become_the_second_tier_and_the_rest_the_lowest(units):
    cases = cases_at([offset_point(CENTRE, 300, 0)], ["asymptomatic"], ["2026-11-18T09:00:00"])
    proposal = propose_zones(cases, units, PRESETS["2022_9th"], as_of="2026-11-20", small_m=500, large_m=1000,
                             snap_rule="share", threshold=0.1)
    by_tier = {}
    for zone in proposal.zones:
        by_tier.setdefault(zone.tier, []).extend(zone.unit_codes)
    assert by_tier["sealed"] == ["V11"]
    assert by_tier["controlled"] == ["V12"]  # the 500 m circle covers 0.2 of V12 and none of the others
    assert sorted(by_tier["precaution"]) == ["V00", "V01", "V02", "V10", "V20", "V21", "V22"]
    assert [z.tier for z in proposal.zones] == sorted((z.tier for z in proposal.zones),
                                                       key=PRESETS["2022_9th"].rank)
    assert sum(z.population for z in proposal.zones) == int(units["population"].sum())
    frame = proposal.to_frame()
    assert frame.crs == STORAGE_CRS and set(frame["kind"]) == {"unit"}


def test_two_tier_scheme_proposes_only_high_and_low(units):
    cases = cases_at([offset_point(CENTRE, 300, 0)], ["confirmed"], ["2026-11-20T09:00:00"])
    proposal = propose_zones(cases, units, PRESETS["2022_nov"], as_of="2026-11-20")
    assert {z.tier for z in proposal.zones} == {"high", "low"}
    assert [z.unit_codes for z in proposal.zones if z.tier == "high"] == [("V11",)]
    assert proposal.days == 5


def test_no_recent_infection_proposes_nothing(units):
    cases = cases_at([offset_point(CENTRE, 300, 0)], ["confirmed"], ["2026-10-01T09:00:00"])
    assert propose_zones(cases, units, PRESETS["2022_9th"], as_of="2026-11-20").zones == ()


# -- report ----------------------------------------------------------------------------------------------------


def test_zone_report_lists_what_is_inside(units):
    zone = units.geometry.loc[105]
    inside, outside = offset_point(CENTRE, 100, 100), offset_point(CENTRE, 2000, 0)
    points = lambda **cols: gpd.GeoDataFrame(cols, geometry=[inside, outside], crs=STORAGE_CRS)  # noqa: E731
    grids = gpd.GeoDataFrame({"code": ["G1", "G2"], "population": [600, 404], "households": [200, 104]},
                             geometry=[zone.intersection(shapely.box(0, 0, CENTRE[0], 90)),
                                       zone.intersection(shapely.box(CENTRE[0], 0, 180, 90))], crs=STORAGE_CRS)
    cases = gpd.GeoDataFrame({"category": ["confirmed", "close_contact", "close_contact", "confirmed"]},
                             geometry=[inside, inside, inside, outside], crs=STORAGE_CRS)
    report = zone_report(zone, units=units, grids=grids, isolation_sites=points(name=["甲隔离点", "乙隔离点"]),
                         facilities=points(name=["采样点", "检查站"]), cases=cases)
    assert list(report.units["code"]) == ["V11"] and list(report.grids["code"]) == ["G1", "G2"]
    assert (report.population, report.households) == (1004, 304)
    assert list(report.isolation_sites["name"]) == ["甲隔离点"] and list(report.facilities["name"]) == ["采样点"]
    assert report.cases_by_category == {"confirmed": 1, "asymptomatic": 0, "suspected": 0, "close_contact": 2,
                                        "secondary_contact": 0}


# -- changes ---------------------------------------------------------------------------------------------------


def test_changes_since_a_date_classify_each_zone_by_its_net_change(units):
    def snap(tier, status="active"):
        return json.dumps({"tier": tier, "status": status})

    audit = pd.DataFrame([  # at, layer, fid, before, after
        ("2026-11-18T10:00:00", "control_zones", 1, None, snap("sealed")),  # added before the date
        ("2026-11-20T10:00:00", "control_zones", 2, None, snap("sealed")),
        ("2026-11-20T11:00:00", "control_zones", 3, snap("controlled"), snap("sealed")),
        ("2026-11-20T12:00:00", "control_zones", 4, snap("sealed"), snap("controlled")),
        ("2026-11-20T12:30:00", "control_zones", 4, snap("controlled"), snap("precaution")),
        ("2026-11-21T09:00:00", "control_zones", 5, snap("precaution"), snap("precaution", "lifted")),
        ("2026-11-21T09:00:00", "control_zones", 6, snap("sealed"), snap("controlled")),
        ("2026-11-21T09:30:00", "control_zones", 6, snap("controlled"), snap("sealed")),  # back where it was
        ("2026-11-21T10:00:00", "cases", 1, None, "{}"),
    ], columns=["at", "layer", "fid", "before", "after"])
    zones = gpd.GeoDataFrame({
        "name": [f"区域{i}" for i in range(1, 7)],
        "tier": ["sealed", "sealed", "sealed", "precaution", "precaution", "sealed"],
        "status": ["active"] * 4 + ["lifted", "active"],
    }, geometry=list(units.geometry.values[:6]), crs=STORAGE_CRS, index=range(1, 7))
    changes = zone_changes(audit, zones, PRESETS["2022_9th"], dt.date(2026, 11, 20))
    assert list(zip(changes["fid"], changes["change"], strict=True)) == [
        (2, "added"), (3, "upgraded"), (4, "downgraded"), (5, "lifted")]
    assert list(changes["change_label"]) == ["新增", "升级", "降级", "解除"]
    assert changes.set_index("fid").loc[4, ["tier_before", "tier_after"]].tolist() == ["sealed", "precaution"]
    assert changes.crs == STORAGE_CRS and changes.geometry.notna().all()


def test_geodesic_reference_agrees_with_the_metric_crs(units):
    # The 1 km cells were drawn in the local Gauss-Krüger zone; on the ellipsoid they are still 1 km^2.
    assert np.allclose([geodesic_area(g) for g in units.geometry], CELL_M**2, rtol=0.002)
