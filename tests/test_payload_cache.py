"""The map's layer payloads are kept in the project: opening it again draws from them while the data is as it
was, and never once it changed — an edit, an import, a delete, a program like QGIS writing the GeoPackage — on
both stores. A project open read-only, a file the user may not write and a busy writer all still get their
map; what is kept is written in one transaction or not at all."""

import json
import os
import sqlite3
import stat
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import payload_cache
from data.importers.pipeline import import_file
from data.map_payload import MAP_LAYERS, layer_payload, unpack
from data.payload_cache import CACHE_TABLE, cached_payload, wait_written
from data.project import Project
from data.zone_store import zone_record
from gis.crs import STORAGE_CRS
from gis.offsets import wgs84_to_gcj02

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger zone of 叶县
ORIGIN = (430_000, 3_720_000)
CELL_M = 2000
VILLAGES = ["昆阳社区", "阳光里社区", "东湖村", "西湖村"]


def gk(xs_m, ys_m) -> np.ndarray:
    points = shapely.points(ORIGIN[0] + np.asarray(xs_m, float), ORIGIN[1] + np.asarray(ys_m, float))
    return gpd.GeoSeries(points, crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS).values


def county(target) -> Project:
    """叶县 in Gauss-Krüger metres: four 2 km villages, one grid each, 300 cases, an isolation site."""
    squares = gpd.GeoSeries([shapely.box(ORIGIN[0] + i * CELL_M, ORIGIN[1], ORIGIN[0] + (i + 1) * CELL_M,
                                         ORIGIN[1] + CELL_M) for i in range(len(VILLAGES))],
                            crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS).values
    codes = [f"410422100{i:03d}" for i in range(len(VILLAGES))]
    units = gpd.GeoDataFrame({"code": codes, "name": VILLAGES, "level": "village", "population": [1500, 1800, 900, 700]},
                             geometry=squares, crs=STORAGE_CRS)
    grids = gpd.GeoDataFrame({"code": [f"{c}01" for c in codes], "name": [f"{v}第一网格" for v in VILLAGES],
                              "unit_code": codes}, geometry=squares, crs=STORAGE_CRS)
    rng = np.random.default_rng(3)
    cases = gpd.GeoDataFrame({"case_no": [f"YX-{i:04d}" for i in range(300)],
                              "category": rng.choice(["confirmed", "asymptomatic", "close_contact"], 300),
                              "reported_at": "2026-03-11T08:00:00"},
                             geometry=gk(rng.uniform(50, 4 * CELL_M - 50, 300), rng.uniform(50, CELL_M - 50, 300)),
                             crs=STORAGE_CRS)
    site = gpd.GeoDataFrame({"name": ["叶县宾馆隔离点"], "rooms": [80], "status": ["active"]},
                            geometry=gk([1000], [1000]), crs=STORAGE_CRS)
    project = Project.create(target, name="叶县", county_code="410422")
    with project.transaction() as edit:
        edit.insert("admin_units", units)
        edit.insert("grids", grids)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", site)
    return project


def opened(target) -> dict[str, tuple[bytes, bool]]:
    """Every layer's payload as a window opening ``target`` asks for it, once what it built is written."""
    project = Project.open(target)
    try:
        payloads = {name: cached_payload(project, name, "gcj02") for name in MAP_LAYERS}
    finally:
        project.close()
    assert wait_written(60)
    return payloads


def built(payloads) -> set[str]:
    return {name for name, (_, was_built) in payloads.items() if was_built}


@pytest.fixture
def kept(store):
    """叶县 on either store, opened once so that every layer's payload is kept: (target, project)."""
    project = county(store)
    assert built(opened(store)) == set(MAP_LAYERS)
    return store, project


def test_a_second_open_draws_every_layer_from_what_the_first_kept(kept):
    target, kept = kept
    again = opened(target)
    assert built(again) == set()
    for name, (payload, _) in again.items():
        assert payload == layer_payload(kept, name, "gcj02"), name
    header, arrays = unpack(again["cases"][0])
    assert header["count"] == 300 and len(arrays["x"]) == 300


def test_an_edit_builds_again_the_layer_it_changed_and_the_grids_that_count_its_cases(kept):
    target, kept = kept
    fid = int(kept.read_layer("cases", where="category = ?", params=("confirmed",)).index[0])
    with kept.transaction() as edit:
        edit.update("cases", fid, {"category": "close_contact"})  # one infection fewer in its grid
    again = opened(target)
    assert built(again) == {"cases", "grids"}
    assert again["grids"][0] == layer_payload(kept, "grids", "gcj02")
    header, _ = unpack(again["grids"][0])
    assert sum(header["props"]["infections"]) == sum(kept.value_counts("cases", "category").get(c, 0)
                                                     for c in ("confirmed", "asymptomatic"))
    assert built(opened(target)) == set()  # and kept again


def test_an_import_and_a_delete_build_the_layer_again(kept, tmp_path):
    target, kept = kept
    lon, lat = wgs84_to_gcj02(shapely.get_x(gk([300, 2300], [500, 700])), shapely.get_y(gk([300, 2300], [500, 700])))
    path = tmp_path / "新增密接.csv"
    pd.DataFrame({"编号": ["MJ-0001", "MJ-0002"], "类别": ["密接", "密接"], "经度": lon, "纬度": lat}).to_csv(
        path, index=False, encoding="utf-8-sig")
    assert import_file(kept, "cases", path, crs="gcj02", mapping={"编号": "case_no", "类别": "category"}).imported == 2
    again = opened(target)
    assert built(again) == {"cases", "grids"} and unpack(again["cases"][0])[0]["count"] == 302

    with kept.transaction() as edit:
        edit.delete("isolation_sites", [1])
    again = opened(target)
    assert built(again) == {"isolation_sites"} and unpack(again["isolation_sites"][0])[0]["count"] == 0


def test_an_edit_by_another_program_builds_the_layer_again(tmp_path):
    """As QGIS edits a GeoPackage through GDAL: the row changes and gpkg_contents.last_change is stamped."""
    project = county(tmp_path / "叶县.gpkg")
    opened(project.path)
    with sqlite3.connect(project.path) as conn:
        conn.execute("UPDATE admin_units SET name = '昆阳街道' WHERE fid = 1")
        conn.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 second') "
                     "WHERE table_name = 'admin_units'")
    again = opened(project.path)
    assert built(again) == {"admin_units"}
    assert unpack(again["admin_units"][0])[0]["props"]["name"][0] == "昆阳街道"

    with sqlite3.connect(project.path) as conn:  # a program that stamps nothing: the rows it adds still count
        conn.execute("INSERT INTO cases (geom, category) SELECT geom, 'confirmed' FROM cases WHERE fid = 1")
    assert built(opened(project.path)) == {"cases", "grids"}


def test_a_database_edit_by_another_client_builds_the_layer_again(pg_url, pg_target):
    import psycopg

    schema = pg_target.rsplit("schema=", 1)[1]
    county(pg_target)
    opened(pg_target)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # psql or QGIS: an attribute only
        conn.execute(f"UPDATE \"{schema}\".cases SET status = 'hospital' WHERE fid = 5")
    assert built(opened(pg_target)) == {"cases", "grids"}


def test_a_project_open_read_only_draws_its_map_and_writes_nothing(store):
    project = county(store)
    project.read_only = True
    payloads = {name: cached_payload(project, name, "wgs84") for name in MAP_LAYERS}
    assert wait_written(60) and built(payloads) == set(MAP_LAYERS)
    assert payloads["cases"][0] == layer_payload(project, "cases")
    assert built({name: cached_payload(project, name, "wgs84") for name in MAP_LAYERS}) == set(MAP_LAYERS)

    opened(store)  # kept by an editing window: a read-only one uses it
    assert built({name: cached_payload(project, name, "gcj02") for name in MAP_LAYERS}) == set()


def test_a_file_the_user_may_not_write_still_draws(tmp_path):
    project = county(tmp_path / "叶县.gpkg")
    before = project.path.read_bytes()
    project.path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        if os.access(project.path, os.W_OK):  # root may write anyway: the project is opened read-only then
            project.read_only = True
        payloads = {name: cached_payload(project, name, "wgs84") for name in MAP_LAYERS}
        assert wait_written(60) and built(payloads) == set(MAP_LAYERS)
        assert payloads["grids"][0] == layer_payload(project, "grids")
        assert cached_payload(project, "grids", "wgs84")[1]  # nothing was kept
    finally:
        project.path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert project.path.read_bytes() == before


def test_a_busy_writer_is_never_waited_for_and_the_payload_is_kept_after_it(tmp_path, monkeypatch):
    monkeypatch.setattr(payload_cache, "RETRY_S", 0.05)
    project = county(tmp_path / "叶县.gpkg")
    other = sqlite3.connect(project.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing (QGIS saving its edits)
    payload, was_built = cached_payload(project, "cases", "wgs84")  # returns at once, whatever the writer does
    assert was_built and not wait_written(0.3)
    other.execute("COMMIT")
    other.close()
    assert wait_written(10)
    assert cached_payload(project, "cases", "wgs84") == (payload, False)


def test_a_payload_built_while_the_data_changed_is_not_kept(tmp_path, monkeypatch):
    project = county(tmp_path / "叶县.gpkg")
    edited = threading.Event()

    def build_during_an_edit():
        with project.transaction() as edit:
            edit.update("cases", 1, {"status": "hospital"})
        edited.set()
        return layer_payload(project, "cases")

    cached_payload(project, "cases", "wgs84", build_during_an_edit)
    assert edited.is_set() and wait_written(10)
    assert cached_payload(project, "cases", "wgs84")[1]  # built again: nothing stale was kept


def test_a_failed_write_leaves_the_project_as_it_was(tmp_path):
    """The old payload is replaced in the same transaction that writes the new one: a write failing half-way
    leaves the old one (of the old data, so unused) and a sound file."""
    project = county(tmp_path / "叶县.gpkg")
    opened(project.path)
    with project.transaction() as edit:
        edit.update("cases", 2, {"status": "hospital"})
    with sqlite3.connect(project.path) as conn:
        before = conn.execute(f"SELECT layer, version, payload FROM {CACHE_TABLE} ORDER BY 1").fetchall()

    cached_payload(project, "cases", "wgs84", build=lambda: {"not": "bytes"})  # the write replacing it fails
    assert wait_written(10)
    with sqlite3.connect(project.path) as conn:
        assert conn.execute(f"SELECT layer, version, payload FROM {CACHE_TABLE} ORDER BY 1").fetchall() == before
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert cached_payload(project, "cases", "wgs84")[1]


def test_a_window_opening_the_project_again_draws_the_same_map_from_what_it_kept(cordon_app, qtbot, tmp_path,
                                                                                  monkeypatch):
    from data.stats_store import grid_infections
    from desktop import map_widget
    from desktop.map_widget import MapWidget

    path = tmp_path / "叶县.gpkg"
    county(path).close()
    asked = {}  # layer -> whether the window's payload was built (not taken from the project)

    def cached(project, name, datum, build=None):
        payload, built_now = cached_payload(project, name, datum, build)
        asked[name] = built_now
        return payload, built_now

    monkeypatch.setattr(map_widget, "cached_payload", cached)
    widget = MapWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()

    def shown(project) -> dict:
        asked.clear()
        with qtbot.waitSignal(widget.layersDrawn, timeout=30_000) as drawn:
            widget.set_project(project)
        assert wait_written(60)
        return drawn.args[0]

    def infections() -> list:
        box = []
        widget.page().runJavaScript("JSON.stringify([1, 2, 3, 4].map((fid) => cordon.featureProps('grids', fid)"
                                    ".infections))", 0, box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=10_000)
        return json.loads(box[0])

    first = shown(Project.open(path))
    assert set(asked.values()) == {True}
    project = Project.open(path)
    second = shown(project)
    assert set(asked.values()) == {False} and set(asked) == set(MAP_LAYERS)
    assert second["counts"] == first["counts"] and second["failed"] == []
    assert second["counts"]["cases"] == 300 and second["counts"]["grids"] == 4
    assert infections() == grid_infections(project).reindex([1, 2, 3, 4]).tolist()

    qtbot.waitUntil(lambda: widget._shading is not None, timeout=10_000)  # case edits still patch the grids
    fetched = []
    source = widget.scheme.layer_source
    widget.scheme.layer_source = lambda name, datum: (fetched.append(name), source(name, datum))[1]
    fid = int(project.read_layer("cases", where="category = ?", params=("close_contact",)).index[0])
    with qtbot.waitSignal(widget.layersDrawn, timeout=30_000) as drawn, project.transaction() as edit:
        edit.update("cases", fid, {"category": "confirmed"})
    assert sorted(drawn.args[0]["patched"]) == ["cases", "grids"] and fetched == []
    assert infections() == grid_infections(project).reindex([1, 2, 3, 4]).tolist()
    widget.close()


def test_nothing_is_kept_in_a_geopackage_opened_from_a_network_share(tmp_path):
    """SQLite's locks are not to be trusted over SMB/NFS: what can wait is not written there."""
    path = tmp_path / "叶县.gpkg"
    county(path).close()
    shared = Path("/" + str(path))  # as a share path (//server/...) names it; the same file here
    assert built(opened(shared)) == set(MAP_LAYERS)
    assert built(opened(shared)) == set(MAP_LAYERS)
    with sqlite3.connect(path) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (CACHE_TABLE,)).fetchone()


def test_layers_the_page_does_not_edit_travel_projected_in_centimetre_steps_and_zones_to_the_bit(tmp_path):
    project = county(tmp_path / "yx.gpkg")
    with project.transaction() as edit:
        edit.insert("control_zones", zone_record(shapely.Polygon(gk([100, 1900, 1000], [100, 300, 1700])),
                                                 tier="sealed", kind="drawn", name="叶县封控区"))
    for name in ("grids", "admin_units", "cases", "control_zones"):
        payload = layer_payload(project, name)
        header, arrays = unpack(payload)
        stored = shapely.get_coordinates(project.read_layer(name).geometry.values)
        if name == "control_zones":  # the page edits their vertices: as stored, to the bit
            assert np.array_equal(arrays["x"], stored[:, 0]) and np.array_equal(arrays["y"], stored[:, 1])
            assert "worldScale" not in header
            continue
        kinds = {b["name"]: b["dtype"] for b in header["buffers"]}
        assert kinds.get("x", kinds.get("dx")) == ("Int32" if name == "cases" else "Int16")  # Float64's half, quarter
        assert header["worldScale"] == 2**31  # Web Mercator already: the page projects nothing
        east_m = np.abs(arrays["x"] - stored[:, 0]) * 111_320 * np.cos(np.radians(stored[:, 1]))
        north_m = np.abs(arrays["y"] - stored[:, 1]) * 110_574
        assert east_m.max() < 0.01 and north_m.max() < 0.01  # within 1 cm on the ground


def test_payloads_kept_in_the_previous_layout_are_built_again(tmp_path):
    target = tmp_path / "yx.gpkg"
    county(target)
    assert built(opened(target)) == set(MAP_LAYERS)
    with sqlite3.connect(target) as conn:  # as a Cordon before projected coordinates kept them (layout 2)
        conn.execute(f"UPDATE {CACHE_TABLE} SET version = '2' || substr(version, 2)")
    again = opened(target)
    assert built(again) == set(MAP_LAYERS)
    assert unpack(again["cases"][0])[0]["worldScale"] == 2**31
