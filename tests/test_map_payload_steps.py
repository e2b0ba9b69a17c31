"""Grid outlines travel to the page as Int16 steps from vertex to vertex (data.map_payload._steps), with the vertices
no step reaches given whole: long straight edges (a 2 km grid has four vertices), rings far apart, holes. They come
back as sent, in Python and in a real QWebEngineView on 鲁山县 (Gauss-Krüger metres, no codes, nothing else)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.map_payload import FAR, _steps, _vertices, _world, layer_payload, unpack
from data.project import Project
from gis.crs import STORAGE_CRS
from tests.gauss_kruger import SurveyPlane
from tests.test_map_density import shown_widget
from tests.test_map_frames import PURPLE, near, screen_colour
from tests.test_map_tools import click, js

PLANE = SurveyPlane("EPSG:4547", (352_000, 3_740_000))  # 鲁山县, CGCS2000 Gauss-Krüger 114°E
BLOCK_M = 2000  # grids of 2 km: each edge is one step of ~100,000 world steps, beyond Int16
INFECTED = (1, 1)  # the grid (column, row) holding the cases, and a 600 m hole


def test_steps_come_back_as_the_vertices_they_were_made_from_far_jumps_included():
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.integers(-30_000, 30_000, (5000, 2)), axis=0)
    walk[1000:] += 400_000  # a ring far away
    walk[2500] += 5_000_000  # one long edge out and back
    x, y = (walk + [1_700_000_000, 800_000_000]).astype("<i4").T
    steps = _steps(x, y)
    assert steps["dx"].dtype == np.int16 and steps["dy"].dtype == np.int16
    assert 3 <= len(steps["farX"]) < 20 and (steps["dx"] == FAR).sum() == len(steps["farX"])
    back = _vertices(steps["dx"], steps["dy"], steps["farX"], steps["farY"])
    assert np.array_equal(back[0], x) and np.array_equal(back[1], y)


@pytest.fixture
def blocks(tmp_path) -> Project:
    """Twelve 2 km grids in a 4 × 3 block; twelve confirmed cases in grid INFECTED (its darkest shade), which has a 600 m hole."""
    cells = [(c, r) for r in range(3) for c in range(4)]
    outlines = [PLANE.box(c * BLOCK_M, r * BLOCK_M, BLOCK_M, BLOCK_M) for c, r in cells]
    holed = cells.index(INFECTED)
    hole = PLANE.box(INFECTED[0] * BLOCK_M + 700, INFECTED[1] * BLOCK_M + 700, 600, 600)
    outlines[holed] = outlines[holed].difference(hole)
    grids = gpd.GeoDataFrame({"name": [f"第{i + 1}网格" for i in range(len(cells))]}, geometry=outlines,
                             crs=STORAGE_CRS)
    at = (INFECTED[0] * BLOCK_M + 1500, INFECTED[1] * BLOCK_M + 1500)
    cases = gpd.GeoDataFrame({"case_no": [f"LS-{i}" for i in range(12)], "category": "confirmed",
                              "reported_at": "2026-05-06T10:00:00"},
                             geometry=PLANE.points(np.full(12, at[0]) + np.arange(12), np.full(12, at[1])).values,
                             crs=STORAGE_CRS)
    project = Project.create(tmp_path / "鲁山县.gpkg", name="鲁山县", county_code="410423")
    with project.transaction() as edit:
        edit.insert("grids", grids, log_each=False)
        edit.insert("cases", cases, log_each=False)
    return project


def test_grid_outlines_of_long_edges_and_holes_reach_python_as_stored(blocks):
    payload = layer_payload(blocks, "grids")
    header, arrays = unpack(payload)
    kinds = {b["name"]: b["dtype"] for b in header["buffers"]}
    assert kinds["dx"] == "Int16" and "x" not in kinds
    stored = shapely.get_coordinates(blocks.read_layer("grids").geometry.values)
    assert np.array_equal(np.column_stack(_world(arrays["x"], arrays["y"])),
                          np.column_stack(_world(stored[:, 0], stored[:, 1])))  # the same world steps


def test_the_page_draws_and_finds_grids_sent_as_steps_where_they_are(cordon_app, qtbot, blocks):
    widget = shown_widget(qtbot, blocks)
    grids = blocks.read_layer("grids")
    left, bottom = INFECTED[0] * BLOCK_M, INFECTED[1] * BLOCK_M
    far_corner = PLANE.lon_lat(left + 1950, bottom + 1950)
    by_the_hole = PLANE.lon_lat(left + 500, bottom + 1000)
    in_the_hole = PLANE.lon_lat(left + 1000, bottom + 1000)
    assert near(screen_colour(qtbot, widget, *far_corner), PURPLE)
    assert near(screen_colour(qtbot, widget, *by_the_hole), PURPLE)
    assert not near(screen_colour(qtbot, widget, *in_the_hole), PURPLE, 40)
    shaded = grids[grids.geometry.contains(shapely.Point(*far_corner))]
    assert shaded["name"].iloc[0] == f"第{INFECTED[1] * 4 + INFECTED[0] + 1}网格"
    for place in (far_corner, PLANE.lon_lat(3 * BLOCK_M + 1950, 2 * BLOCK_M + 1950)):  # and the block's far corner
        x, y = js(qtbot, widget, f"cordon.pointOf({place[0]}, {place[1]})")
        with qtbot.waitSignal(widget.featureClicked, timeout=5000) as clicked:
            click(qtbot, widget, round(x), round(y))
        assert clicked.args == ["grids", int(grids[grids.geometry.contains(shapely.Point(*place))].index[0])]
    assert widget.map_page.console_errors == []
    widget.close()
