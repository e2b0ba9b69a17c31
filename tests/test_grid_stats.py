"""Cases per grid, village and town; the epidemic curve; reporting deadlines; the mass-testing plan.

Counts are checked against a plain point-in-polygon loop over the sample county.
"""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data.stats_store import case_counts, epidemic_curve, located_cases, mass_testing_plan, overdue_reports
from gis.deadlines import overdue_steps, reporting_steps
from gis.glossary import CaseCategory
from gis.grid_stats import containing, count_by_category, locate_points
from gis.testing_plan import SamplingAssumptions, sampling_plan, sampling_points_needed

CATEGORIES = CaseCategory.values()


def loop_counts(cases, polygons_by_code, start=None, end=None):
    """Independent count: for each case, the first polygon whose ``covers`` holds, one point at a time."""
    counts = {code: dict.fromkeys(CATEGORIES, 0) for code in polygons_by_code}
    for case in cases.itertuples():
        day = dt.date.fromisoformat(case.reported_at[:10])
        if (start and day < start) or (end and day > end):
            continue
        for code, polygon in polygons_by_code.items():
            if polygon.covers(case.geometry):
                counts[code][case.category] += 1
                break
    return counts


def as_dict(table):
    return {row["code"]: {c: row[c] for c in CATEGORIES} for _, row in table.iterrows()}


@pytest.fixture
def layers(sample_project):
    return {name: sample_project.read_layer(name) for name in ("cases", "grids", "admin_units")}


def test_town_counts_match_a_point_in_polygon_loop(sample_project, layers):
    towns = layers["admin_units"].query("level == 'town'")
    expected = loop_counts(layers["cases"], dict(zip(towns.code, towns.geometry, strict=True)))
    counts = case_counts(sample_project, by="town")
    assert as_dict(counts) == expected
    assert list(counts.columns) == ["code", "name", *CATEGORIES, "infections", "contacts", "total"]
    assert counts["total"].sum() == len(layers["cases"])
    assert counts.set_index("code").loc["419001001000", "name"] == "沁园街道"


def test_grid_and_village_counts_match_the_loop_in_a_date_window(sample_project, layers):
    start, end = dt.date(2026, 11, 8), dt.date(2026, 11, 14)
    grids = layers["grids"]
    by_grid = case_counts(sample_project, by="grid", start=start, end=end)
    assert as_dict(by_grid) == loop_counts(layers["cases"], dict(zip(grids.code, grids.geometry, strict=True)),
                                           start, end)
    units = layers["admin_units"].query("level in ['village', 'community']")
    by_village = case_counts(sample_project, by="village", start=start, end=end)
    assert as_dict(by_village) == loop_counts(layers["cases"], dict(zip(units.code, units.geometry, strict=True)),
                                              start, end)
    assert len(by_grid) == len(grids) and len(by_village) == len(units)  # every unit listed, zeros included
    assert 0 < by_grid["total"].sum() < len(layers["cases"])


def test_a_wrong_grid_code_is_corrected_by_the_map(sample_project, layers):
    fid, case = next(layers["cases"].iterrows())
    grids = layers["grids"]
    elsewhere = grids[~grids.intersects(case.geometry)].iloc[0].code
    before = case_counts(sample_project, by="grid")
    with sample_project.transaction() as edit:
        edit.update("cases", fid, {"grid_code": elsewhere})
    assert located_cases(sample_project).loc[fid, "grid_code"] == case.grid_code
    pd.testing.assert_frame_equal(case_counts(sample_project, by="grid"), before)


def test_points_outside_every_grid_fall_back_to_village_and_town_polygons():
    towns = gpd.GeoDataFrame({"code": ["T1"], "level": ["town"], "parent_code": ["C"]},
                             geometry=[shapely.box(0, 0, 2, 1)], crs=4490)
    villages = gpd.GeoDataFrame({"code": ["V1", "V2"], "level": ["village", "community"], "parent_code": ["T1", "T1"]},
                                geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4490)
    grids = gpd.GeoDataFrame({"code": ["G1"], "unit_code": ["V1"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490)
    points = shapely.points([(0.5, 0.5), (1.5, 0.5), (5, 5), (0.5, 0.5)])
    located = locate_points(points, grids, pd.concat([towns, villages]), ["G1", None, None, "G9"])
    assert located.to_dict("list") == {"grid_code": ["G1", None, None, "G1"], "unit_code": ["V1", "V2", None, "V1"],
                                       "town_code": ["T1", "T1", None, "T1"], "grid_fid": [0, None, None, 0],
                                       "unit_fid": [0, 1, None, 0], "town_fid": [0, 0, None, 0]}


def test_count_by_category_lists_every_unit():
    table = count_by_category(["A", "A", None, "B"], ["confirmed", "close_contact", "confirmed", "confirmed"],
                              ["A", "B", "C"])
    assert table.loc["A", "confirmed"] == 1 and table.loc["A", "total"] == 2
    assert table.loc["C"].sum() == 0


def test_epidemic_curve_counts_every_day_by_category(sample_project, layers):
    curve = epidemic_curve(sample_project)
    reported = pd.to_datetime(layers["cases"].reported_at).dt.normalize()
    assert list(curve.columns) == CATEGORIES
    assert list(curve.index) == list(pd.date_range(reported.min(), reported.max()))  # quiet days included
    expected = pd.crosstab(reported, layers["cases"].category).reindex(columns=CATEGORIES, fill_value=0)
    pd.testing.assert_frame_equal(curve.loc[expected.index], expected, check_names=False, check_dtype=False,
                                  check_index_type=False)
    assert curve.sum().sum() == len(layers["cases"])


def test_epidemic_curve_of_a_town_covers_the_same_days_and_only_its_cases(sample_project):
    counts = case_counts(sample_project, by="town").set_index("code")
    busiest = counts["total"].idxmax()
    curve = epidemic_curve(sample_project, busiest)
    assert len(curve) == len(epidemic_curve(sample_project))
    assert curve.sum().to_dict() == counts.loc[busiest, CATEGORIES].to_dict()
    assert epidemic_curve(sample_project, "419001").sum().sum() == counts["total"].sum()


def test_epidemic_curve_of_an_unknown_unit_is_a_user_error(sample_project):
    from gis.errors import UserError

    with pytest.raises(UserError, match="没有代码"):
        epidemic_curve(sample_project, "999")


# --- reporting deadlines ---------------------------------------------------------------------------------


def deadline_cases():
    t = pd.Timestamp
    return pd.DataFrame({
        "category": ["confirmed", "asymptomatic", "close_contact"],
        "discovered_at": [t("2026-11-20 10:00"), t("2026-11-19 08:00"), t("2026-11-20 10:00")],
        "reported_online_at": [pd.NaT, t("2026-11-19 09:00"), pd.NaT],
        "lab_result_at": [t("2026-11-20 21:00"), t("2026-11-19 21:00"), pd.NaT],
        "investigated_at": [pd.NaT, pd.NaT, pd.NaT],
    }, index=[11, 12, 13])


def test_deadlines_count_from_discovery():
    steps = reporting_steps(deadline_cases(), pd.Timestamp("2026-11-20 11:00")).set_index(["case", "step"])
    assert steps.loc[(11, "reported_online_at"), "deadline"] == pd.Timestamp("2026-11-20 12:00")
    assert steps.loc[(11, "reported_online_at"), "state"] == "pending"
    assert steps.loc[(11, "lab_result_at"), "state"] == "done"  # 11 h after discovery, within 12 h
    assert steps.loc[(12, "reported_online_at"), "state"] == "done"
    assert steps.loc[(12, "lab_result_at"), "state"] == "late"  # 13 h
    assert steps.loc[(12, "investigated_at"), "state"] == "overdue"  # 27 h, none recorded
    assert 13 not in steps.index.get_level_values("case")  # contacts have no reporting deadlines


def test_overdue_list_at_a_given_time():
    overdue = overdue_steps(deadline_cases(), pd.Timestamp("2026-11-20 12:30"))
    assert list(zip(overdue["case"], overdue["step"], strict=True)) == [(12, "investigated_at"),
                                                                          (11, "reported_online_at")]
    assert overdue["hours_over"].tolist() == pytest.approx([4.5, 0.5])
    assert overdue["label"].tolist() == ["流行病学调查", "网络直报"]


def test_sample_county_has_a_few_overdue_reports(sample_project):
    overdue = overdue_reports(sample_project, dt.datetime(2026, 11, 20, 23, 59, 59))
    assert 1 <= len(overdue) <= 5
    assert set(overdue.columns) >= {"case_no", "category", "grid_code", "step", "label", "deadline", "hours_over"}
    assert (overdue["hours_over"] > 0).all()
    cases = sample_project.read_layer("cases").set_index("case_no")
    for row in overdue.itertuples():
        assert pd.isna(cases.loc[row.case_no, row.step])


# --- mass testing plan ------------------------------------------------------------------------------------


def test_sampling_points_needed_for_two_days():
    assert sampling_points_needed(12_000) == 5  # 12,000 / (100 x 12 x 2) = 5
    assert sampling_points_needed(12_001) == 6
    assert sampling_points_needed(12_000, SamplingAssumptions(people_per_point_hour=250, hours_per_day=8)) == 3


def test_sampling_plan_compares_with_sites_inside_each_unit():
    units = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["甲", "乙"], "population": [12_000, 2_000]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4490)
    sites = gpd.GeoSeries(shapely.points([(0.2, 0.2), (0.4, 0.4), (1.5, 0.5), (9, 9)]), crs=4490)
    plan = sampling_plan(units, sites).set_index("code")
    assert plan.loc["A", ["points_needed", "points_present", "points_missing"]].tolist() == [5, 2, 3]
    assert plan.loc["B", ["points_needed", "points_present", "points_missing"]].tolist() == [1, 1, 0]


def test_mass_testing_plan_for_the_sample_towns(sample_project):
    plan = mass_testing_plan(sample_project, by="town")
    assert len(plan) == 16
    assert plan["points_present"].sum() == 60  # every sampling site lies in one town
    assert (plan["points_needed"] == np.ceil(plan["population"] / 2400)).all()


def test_each_point_is_placed_in_the_lowest_polygon_covering_it_as_a_pair_by_pair_test_places_it():
    """Gauss-Krüger grids of 汝阳县 (CM 111°E): a block of 1 km squares, one with a courtyard cut out, one of two
    parts, plus a larger overlapping 'old' grid; points inside, on shared edges and corners, in the courtyard, off
    the map, missing and empty."""
    def gk(geom):
        return gpd.GeoSeries([shapely.affinity.translate(geom, 420_000, 3_780_000)], crs="EPSG:4546").to_crs(
            "EPSG:4490").iloc[0]

    squares = [shapely.box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000) for r in range(3) for c in range(4)]
    squares[5] = squares[5].difference(shapely.box(1300, 1300, 1700, 1700))
    squares[10] = shapely.MultiPolygon([squares[10], shapely.box(5000, 0, 6000, 1000)])
    polygons = np.array([gk(s) for s in squares] + [gk(shapely.box(500, 500, 2500, 2500))], dtype=object)
    rng = np.random.default_rng(4)
    metres = np.vstack([rng.uniform(-500, 6500, (3000, 2)),  # inside, outside, in the courtyard
                        np.array([(c * 1000, r * 1000) for r in range(4) for c in range(5)]),  # corners
                        np.array([(c * 1000, 500) for c in range(5)])])  # on shared edges
    points = np.array([gk(shapely.Point(x, y)) for x, y in metres] + [None, shapely.Point()], dtype=object)

    expected = [next((i for i, polygon in enumerate(polygons) if point is not None and polygon.intersects(point)), -1)
                for point in points]
    assert containing(points, polygons).tolist() == expected
    assert containing(points, polygons, shapely.STRtree(polygons)).tolist() == expected
    assert {-1, 5, 10, 12} <= set(expected)  # some off the map, in the courtyard's grid, in both parts, in the old one
