"""Point layers are read straight into typed arrays: every GeoPackage point blob a program may write (Cordon's
own, GDAL's with an envelope, big-endian, 3D, empty, NULL) lands where the general decoder puts it, on both
stores, with gaps in the fids; the map payload of the cases carries the same points and categories."""

import sqlite3
import struct

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data import gpkg
from data.map_payload import WORLD_SCALE, layer_payload, unpack
from data.project import Project
from gis.crs import STORAGE_CRS

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger zone of 舞钢市
CATEGORIES = ["confirmed", "asymptomatic", "close_contact", "secondary_contact"]


def gdal_blob(point: shapely.Point, *, envelope: bool, big_endian: bool) -> bytes:
    """A point blob as GDAL or another program may write it: with an xy envelope, in either byte order."""
    order = ">" if big_endian else "<"
    flags = (0 if big_endian else 0x01) | (0x02 if envelope else 0)
    header = struct.pack(f"{order}2sBBi", b"GP", 0, flags, 4490)
    if envelope:
        header += struct.pack(f"{order}4d", point.x, point.x, point.y, point.y)
    return header + shapely.to_wkb(point, byte_order=0 if big_endian else 1, flavor="iso")


@pytest.fixture
def cases(store) -> Project:
    """400 cases around 舞钢市 (Gauss-Krüger metres), a few deleted, imported in bulk on either store."""
    rng = np.random.default_rng(11)
    points = gpd.GeoSeries(shapely.points(452_000 + rng.uniform(0, 9000, 400), 3_686_000 + rng.uniform(0, 3000, 400)),
                           crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)
    frame = gpd.GeoDataFrame({"case_no": [f"WG-{i:04d}" for i in range(400)],
                              "category": rng.choice(CATEGORIES + ["其他"], 400), "grid_code": "410481101001"},
                             geometry=points.values, crs=STORAGE_CRS)
    project = Project.create(store, name="舞钢市", county_code="410481")
    with project.transaction() as edit:
        edit.insert("cases", frame, log_each=False)
        edit.delete("cases", [3, 4, 200])
    return project


def expected(project: Project) -> tuple[list, np.ndarray, np.ndarray, list]:
    """fids, x, y and categories of the cases as the general reader gives them."""
    layer = project.read_layer("cases")
    geoms = layer.geometry.values
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    x = np.where(empty, np.nan, shapely.get_x(geoms))
    y = np.where(empty, np.nan, shapely.get_y(geoms))
    return list(layer.index), x, y, list(layer["category"])


def test_cases_read_as_arrays_equal_the_general_reader_with_gaps_in_the_fids(cases):
    fids, x, y, category = expected(cases)
    got_fids, got_x, got_y, codes = cases.read_point_codes("cases", "category", CATEGORIES)
    assert list(got_fids) == fids and 3 not in fids and len(fids) == 397
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)
    assert list(codes) == [CATEGORIES.index(c) if c in CATEGORIES else 255 for c in category]
    _, _, _, frame = cases.read_points("cases", ["case_no", "category"])
    assert list(frame["category"]) == category and frame["case_no"].iloc[0] == "WG-0000"

    header, arrays = unpack(layer_payload(cases, "cases"))
    assert header["count"] == 397 and list(arrays["fid"]) == fids
    half_step = 0.5 * 360 / WORLD_SCALE + 1e-12  # the page is sent whole steps of 2^-31 of the world (under 2 cm)
    np.testing.assert_allclose(arrays["x"], x, rtol=0, atol=half_step)
    np.testing.assert_allclose(arrays["y"], y, rtol=0, atol=half_step)
    named = header["categories"]
    assert list(arrays["category"]) == [named.index(c) if c in named else 255 for c in category]


def test_only_the_rows_a_condition_holds_for_are_read_with_their_points_and_fields(cases):
    """What a dashboard tab reads when only some categories count: the same rows, points and fields as the
    general reader filtered alike, fids with gaps, on both stores."""
    layer = cases.read_layer("cases", where="category IN (?, ?)", params=["close_contact", "其他"])
    fids, x, y, frame = cases.read_points("cases", ["case_no", "category"], where="category IN (?, ?)",
                                          params=["close_contact", "其他"])
    assert list(fids) == list(layer.index) and 0 < len(fids) < 397
    np.testing.assert_array_equal(x, shapely.get_x(layer.geometry.values))
    np.testing.assert_array_equal(y, shapely.get_y(layer.geometry.values))
    assert list(frame["case_no"]) == list(layer["case_no"]) and set(frame["category"]) == {"close_contact", "其他"}
    assert len(cases.read_points("cases", ["case_no"], where="category = ?", params=["none such"])[0]) == 0


def test_blobs_written_by_other_programs_are_read_where_the_general_decoder_puts_them(tmp_path):
    """As QGIS would leave a layer edited through GDAL: envelopes, big-endian, a 3D point, an empty point, a NULL."""
    project = Project.create(tmp_path / "舞钢市.gpkg", name="舞钢市", county_code="410481")
    points = [shapely.Point(113.52 + i * 0.001, 33.29 + i * 0.002) for i in range(6)]
    with project.transaction() as edit:
        edit.insert("cases", gpd.GeoDataFrame({"category": ["confirmed"] * 6}, geometry=points, crs=STORAGE_CRS))
    blobs = {2: gdal_blob(points[1], envelope=True, big_endian=False),
             3: gdal_blob(points[2], envelope=False, big_endian=True),
             4: gdal_blob(shapely.Point(113.6, 33.3, 120.5), envelope=True, big_endian=True),
             5: gpkg.encode_geometries([shapely.Point()], 4490)[0], 6: None}
    with sqlite3.connect(project.path) as conn:
        conn.executemany("UPDATE cases SET geom = ? WHERE fid = ?", [(blob, fid) for fid, blob in blobs.items()])
    fids, x, y, _ = project.read_point_codes("cases", "category", CATEGORIES)
    assert list(fids) == [1, 2, 3, 4, 5, 6]
    np.testing.assert_array_equal(x[:4], [points[0].x, points[1].x, points[2].x, 113.6])
    np.testing.assert_array_equal(y[:4], [points[0].y, points[1].y, points[2].y, 33.3])
    assert np.isnan(x[4:]).all() and np.isnan(y[4:]).all()
    assert project.read_points("cases", ["category"])[1][1] == points[1].x
    fids, x, _, _ = project.read_points("cases", ["category"], where="fid >= ?", params=[3])
    assert list(fids) == [3, 4, 5, 6] and list(x[:2]) == [points[2].x, 113.6] and np.isnan(x[2:]).all()


def test_a_geopackage_read_span_by_span_gives_the_same_rows_points_and_codes(tmp_path, monkeypatch):
    """A big layer is read a span of fids at a time (to hold less memory): spans that end in a gap, hold only
    deleted rows, or cut between blobs of other programs change nothing the reader gives."""
    from data.stores import gpkg_store

    monkeypatch.setattr(gpkg_store, "POINT_CHUNK", 16)
    project = Project.create(tmp_path / "舞钢市.gpkg", name="舞钢市", county_code="410481")
    rng = np.random.default_rng(5)
    points = gpd.GeoSeries(shapely.points(452_000 + rng.uniform(0, 9000, 100), 3_686_000 + rng.uniform(0, 3000, 100)),
                           crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)
    frame = gpd.GeoDataFrame({"case_no": [f"WG-{i:04d}" for i in range(100)],
                              "category": rng.choice(CATEGORIES + ["其他"], 100)}, geometry=points.values, crs=STORAGE_CRS)
    with project.transaction() as edit:
        edit.insert("cases", frame, log_each=False)
    whole = project.read_point_codes("cases", "category", CATEGORIES)
    assert list(whole[0]) == list(range(1, 101))  # no gap: fids as a span

    with project.transaction() as edit:
        edit.delete("cases", [16, 17, *range(33, 49), 100])  # a span's end, a whole span, the last row
    with sqlite3.connect(project.path) as conn:  # an envelope-carrying blob on each side of a span's edge
        conn.executemany("UPDATE cases SET geom = ? WHERE fid = ?",
                         [(gdal_blob(points.iloc[i - 1], envelope=True, big_endian=i == 64), i) for i in (64, 65)])
    fids, x, y, category = expected(project)
    got_fids, got_x, got_y, codes = project.read_point_codes("cases", "category", CATEGORIES)
    assert list(got_fids) == fids and len(fids) == 81
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)
    assert list(codes) == [CATEGORIES.index(c) if c in CATEGORIES else 255 for c in category]
    layer = project.read_layer("cases", where="category = ?", params=["close_contact"])
    got_fids, got_x, _, got = project.read_points("cases", ["case_no"], where="category = ?", params=["close_contact"])
    assert list(got_fids) == list(layer.index) and list(got["case_no"]) == list(layer["case_no"])
    np.testing.assert_array_equal(got_x, shapely.get_x(layer.geometry.values))
