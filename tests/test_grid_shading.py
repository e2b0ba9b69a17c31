"""The map's grid shading kept up to date edit by edit (data.grid_shading): after any edit of a few cases, the counts
it holds are those ``stats --by grid`` gives, and it names exactly the grids whose count the edit changed — also for
another desk's change, which carries the rows as they are now and nothing of what they were."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.changes import DELETED, Change
from data.grid_shading import GridShading
from data.project import Project
from data.stats_store import case_counts
from gis.crs import STORAGE_CRS

GAUSS_KRUGER_111E = "EPSG:4546"  # CGCS2000 3-degree Gauss-Krüger zone of 汝阳县
ORIGIN = (420_000, 3_780_000)
GRID_M = 1000


def gk_points(xs_m, ys_m) -> np.ndarray:
    points = [shapely.Point(ORIGIN[0] + x, ORIGIN[1] + y) for x, y in zip(xs_m, ys_m, strict=True)]
    return gpd.GeoSeries(points, crs=GAUSS_KRUGER_111E).to_crs(STORAGE_CRS).values


def gk_box(col: int, row: int) -> shapely.Polygon:
    square = shapely.box(ORIGIN[0] + col * GRID_M, ORIGIN[1] + row * GRID_M,
                         ORIGIN[0] + (col + 1) * GRID_M, ORIGIN[1] + (row + 1) * GRID_M)
    return gpd.GeoSeries([square], crs=GAUSS_KRUGER_111E).to_crs(STORAGE_CRS).iloc[0]


@pytest.fixture
def ruyang(store) -> Project:
    """汝阳县: a 3 × 2 block of 1 km grids (two share the code 城关-05), 300 cases, some with a recorded grid code
    that is wrong or names the shared code."""
    codes = ["410326100001G01", "410326100001G02", "410326100002G01", "410326100002G02", "城关-05", "城关-05"]
    grids = gpd.GeoDataFrame({"code": codes, "name": [f"城关镇第{i + 1}网格" for i in range(6)],
                              "unit_code": ["410326100001"] * 2 + ["410326100002"] * 4},
                             geometry=[gk_box(i % 3, i // 3) for i in range(6)], crs=STORAGE_CRS)
    rng = np.random.default_rng(11)
    n = 300
    recorded = rng.choice([None, "410326100001G01", "410326100002G02", "城关-05", "错码"], n)
    cases = gpd.GeoDataFrame({"case_no": [f"RY-{i:03d}" for i in range(n)], "grid_code": recorded,
                              "category": rng.choice(["confirmed", "asymptomatic", "suspected", "close_contact"], n),
                              "reported_at": "2026-04-02T09:00:00"},
                             geometry=gk_points(rng.uniform(-200, 3200, n), rng.uniform(0, 2000, n)), crs=STORAGE_CRS)
    project = Project.create(store, name="汝阳县", county_code="410326")
    with project.transaction() as edit:
        edit.insert("grids", grids, log_each=False)
        edit.insert("cases", cases, log_each=False)
    return project


def stats_by_grid(project: Project) -> dict[int, int]:
    return case_counts(project, by="grid")["infections"].astype(int).to_dict()


def test_edits_of_a_few_cases_recount_only_the_grids_they_move_cases_out_of_or_into(ruyang):
    shading = GridShading.read(ruyang)
    assert shading.counts.to_dict() == stats_by_grid(ruyang)
    heard = []
    ruyang.subscribe(heard.append)
    cases = ruyang.read_layer("cases")
    confirmed = cases.index[cases["category"] == "confirmed"].tolist()
    contact = cases.index[cases["category"] == "close_contact"].tolist()

    edits = [
        lambda edit: edit.update("cases", confirmed[0], {"category": "close_contact"}),  # leaves its grid
        lambda edit: edit.update("cases", contact[0], {"category": "asymptomatic"}),  # joins its grid
        lambda edit: edit.update("cases", confirmed[1], None, geometry=gk_points([2500], [1500])[0]),  # moves
        lambda edit: edit.update("cases", confirmed[2], {"grid_code": "410326100002G02"}),  # a code, maybe wrong
        lambda edit: edit.update("cases", confirmed[3], {"address": "城关镇东大街12号"}),  # nothing counted
        lambda edit: edit.delete("cases", [confirmed[4]]),
        lambda edit: edit.insert("cases", gpd.GeoDataFrame(
            {"case_no": ["RY-新1"], "category": ["confirmed"], "grid_code": ["城关-05"]},
            geometry=gk_points([1500], [1500]), crs=STORAGE_CRS)),
    ]
    for make in edits:
        before = stats_by_grid(ruyang)
        with ruyang.transaction() as edit:
            make(edit)
        after = stats_by_grid(ruyang)
        changed = shading.apply(heard[-1].changes)
        assert changed == {fid: n for fid, n in after.items() if n != before[fid]}
        assert shading.counts.to_dict() == after
        assert shading.apply(heard[-1].changes) == {}  # taken twice: nothing more changes


def test_another_desks_change_without_the_rows_before_counts_the_same(ruyang):
    shading = GridShading.read(ruyang)
    cases = ruyang.read_layer("cases")
    moved = cases.index[cases["category"] == "asymptomatic"][:3].tolist()
    with ruyang.transaction() as edit:
        for fid in moved:
            edit.update("cases", fid, {"category": "close_contact"}, geometry=gk_points([100], [100])[0])
        edit.delete("cases", [int(cases.index[-1])])
    # as another desk hears it: the rows as they are now, no "before"
    now = ruyang.states("cases", moved)
    shading.apply([Change("cases", fid, "updated", after=now[fid]) for fid in moved]
                  + [Change("cases", int(cases.index[-1]), DELETED)])
    assert shading.counts.to_dict() == stats_by_grid(ruyang)
