"""The zone panel's rules and readers, without a display: which tiers control circles get, where a proposal is
looked at, the cases circles go around and snapping a zone to units."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data import zone_store
from gis.glossary import INFECTED, CaseCategory
from gis.zoning.circles import circle_tiers, merged_circles
from gis.zoning.schemes import PRESETS


@pytest.mark.parametrize(("scheme", "tiers"), [("2022_9th", ("controlled", "precaution")),
                                               ("risk_levels", ("medium", "low")), ("2022_nov", ("low", "low"))])
def test_circles_take_the_second_and_third_tier_or_the_lowest(scheme, tiers):
    assert circle_tiers(PRESETS[scheme]) == tiers


def test_proposed_rings_take_the_circle_tiers(sample_project):
    proposal = zone_store.propose(sample_project, as_of="2026-11-20")
    rings = [z for z in proposal.zones if "管控圈" in z.name and not z.is_rest_of_county]
    assert rings and {z.tier for z in rings} <= set(circle_tiers(zone_store.load_scheme(sample_project)))


def test_a_proposal_is_looked_at_where_accepting_changes_something_not_the_whole_county(sample_project):
    diff = zone_store.compare_proposal(sample_project, zone_store.propose(sample_project, as_of="2026-11-20"))
    west, south, east, north = diff.focus_bounds()
    changed = [line.geometry for line in diff.items if line.applicable and not line.proposed.is_rest_of_county]
    assert changed and all(shapely.box(west, south, east, north).contains(g) for g in changed)
    county = sample_project.county_outline().bounds
    assert (east - west) * (north - south) < (county[2] - county[0]) * (county[3] - county[1])


@pytest.fixture
def circle_zone(sample_project):
    cases = sample_project.read_layer("cases")
    case = cases[cases["category"] == CaseCategory.CONFIRMED.value].iloc[0]
    return zone_store.create_zone(sample_project, merged_circles([(case.geometry.x, case.geometry.y)], 800).geoms[0], tier="sealed",
                                  kind="circle", radius_m=800)


def test_circles_around_chosen_cases_count_from_the_last_infection_among_them(sample_project):
    cases = sample_project.read_layer("cases")
    infected = cases[cases["category"].isin([c.value for c in INFECTED]) & cases["reported_at"].notna()]
    contacts = cases[cases["category"] == CaseCategory.CLOSE_CONTACT.value]
    chosen = [*infected.index[:3], *contacts.index[:2]]
    points, last = zone_store.circle_cases(sample_project, chosen)
    assert isinstance(points, gpd.GeoSeries) and len(points) == 5
    assert last == infected["reported_at"].iloc[:3].max()
    assert zone_store.circle_cases(sample_project, contacts.index[:2])[1] is None


def test_a_circle_snapped_to_units_becomes_their_unit_zone(sample_project, circle_zone):
    fid = int(circle_zone)
    snapped = zone_store.snapped_zone(sample_project, fid, level="unit", rule="centroid", threshold=0.5)
    assert len(snapped.units)
    zone_store.replace_with_units(sample_project, fid, snapped)
    zone = sample_project.read_layer("control_zones").loc[fid]
    assert zone["kind"] == "unit" and pd.isna(zone["radius_m"]) and zone["tier"] == "sealed"
    assert json.loads(zone["unit_codes"]) == snapped.units["code"].astype(str).tolist()
