"""A desk's edit reaches the map as a patch: the few features a changeset touched are sent to the page and
merged into its copy of the layer, without fetching the whole layer again (a county's cases are 100k points)."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import zone_store
from data.project import Project
from gis.crs import STORAGE_CRS

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger zone of 舞钢市
ORIGIN = (452_000, 3_686_000)
CASES = 1200
DRAW_TIMEOUT_MS = 30_000


def gk(xs_m, ys_m) -> gpd.GeoSeries:
    points = [shapely.Point(ORIGIN[0] + x, ORIGIN[1] + y) for x, y in zip(xs_m, ys_m, strict=True)]
    return gpd.GeoSeries(points, crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)


def gk_box(x_m: float, y_m: float, size_m: float) -> shapely.Polygon:
    corners = gk([x_m, x_m + size_m], [y_m, y_m + size_m])
    return shapely.box(corners.iloc[0].x, corners.iloc[0].y, corners.iloc[1].x, corners.iloc[1].y)


@pytest.fixture
def county(tmp_path) -> Project:
    """舞钢市 in Gauss-Krüger metres: three villages, 1,200 cases imported in bulk, two isolation sites, two zones."""
    names = ["尚店村", "枣林村", "八台社区"]
    units = gpd.GeoDataFrame({"code": [f"410481101{i:03d}" for i in range(3)], "name": names,
                              "level": ["village", "village", "community"], "population": [2100, 1700, 3900]},
                             geometry=[gk_box(i * 3000, 0, 3000) for i in range(3)], crs=STORAGE_CRS)
    rng = np.random.default_rng(5)
    categories = rng.choice(["confirmed", "asymptomatic", "close_contact", "secondary_contact"], CASES)
    cases = gpd.GeoDataFrame({"case_no": [f"WG-{i:04d}" for i in range(CASES)], "category": categories,
                              "reported_at": "2026-03-11T08:00:00"},
                             geometry=gk(rng.uniform(0, 9000, CASES), rng.uniform(0, 3000, CASES)).values,
                             crs=STORAGE_CRS)
    sites = gpd.GeoDataFrame({"name": ["舞钢宾馆隔离点", "矿山招待所"], "rooms": [60, 35], "occupied": [20, 3],
                              "status": ["active", "active"]}, geometry=gk([1500, 7500], [1500, 1500]).values,
                             crs=STORAGE_CRS)
    project = Project.create(tmp_path / "舞钢市.gpkg", name="舞钢市", county_code="410481")
    with project.transaction() as edit:
        edit.insert("admin_units", units, log_each=False)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", sites)
    for x in (500, 6500):
        zone_store.create_zone(project, gk_box(x, 500, 1200), tier="sealed", kind="drawn")
    return project


@pytest.fixture
def shown(cordon_app, qtbot, county):
    """The map widget drawing the county, with every whole-layer fetch it makes listed in ``fetched``."""
    from desktop.map_widget import MapWidget

    widget = MapWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.fetched = []
    source = widget.scheme.layer_source
    widget.scheme.layer_source = lambda name, datum: (widget.fetched.append(name), source(name, datum))[1]
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        widget.set_project(county)
        widget.show()
    widget.fetched.clear()
    yield widget
    widget.close()


def js(qtbot, view, expression):
    box = []
    view.page().runJavaScript(f"JSON.stringify(({expression}) ?? null)", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def drawn_after(qtbot, widget, change) -> dict:
    """The page's report once what ``change()`` committed is drawn."""
    with qtbot.waitSignal(widget.layersDrawn, timeout=DRAW_TIMEOUT_MS) as drawn:
        change()
    return drawn.args[0]


def test_one_case_edited_is_patched_into_the_map_without_fetching_every_case(shown, qtbot, county):
    fid = int(county.read_layer("cases", where="case_no = ?", params=("WG-0700",)).index[0])
    before = js(qtbot, shown, f"cordon.featureProps('cases', {fid})")["category"]
    after = "confirmed" if before != "confirmed" else "close_contact"

    def edit():
        with county.transaction() as edit:
            edit.update("cases", fid, {"category": after})

    report = drawn_after(qtbot, shown, edit)
    assert report["failed"] == [] and report["patched"] == ["cases"]
    assert report["counts"]["cases"] == CASES
    assert js(qtbot, shown, f"cordon.featureProps('cases', {fid})")["category"] == after
    neighbour = int(county.read_layer("cases", where="case_no = ?", params=("WG-0701",)).index[0])
    assert js(qtbot, shown, f"cordon.featureProps('cases', {neighbour})")["category"] == county.read_layer(
        "cases", where="fid = ?", params=(neighbour,))["category"].iloc[0]
    assert "cases" not in shown.fetched  # grid shading is fetched whole, the cases are not
    assert shown.map_page.console_errors == []


def test_a_deleted_zone_leaves_the_map_and_a_lifted_one_too(shown, qtbot, county):
    first, second = county.read_layer("control_zones").index.tolist()
    assert js(qtbot, shown, "cordon.featureCounts().control_zones") == 2

    def delete():
        with county.transaction() as edit:
            edit.delete("control_zones", [first])

    report = drawn_after(qtbot, shown, delete)
    assert report["patched"] == ["control_zones"] and report["counts"]["control_zones"] == 1
    assert js(qtbot, shown, f"cordon.featureProps('control_zones', {first})") is None
    assert js(qtbot, shown, f"cordon.featureProps('control_zones', {second})")["tier"] == "sealed"

    def lift():
        with county.transaction() as edit:
            edit.update("control_zones", second, {"status": "lifted", "lifted_at": "2026-03-20T08:00:00"})

    assert drawn_after(qtbot, shown, lift)["counts"]["control_zones"] == 0
    assert "control_zones" not in shown.fetched


def test_an_inserted_site_is_added_with_its_name(shown, qtbot, county):
    site = gpd.GeoDataFrame({"name": ["<b>尹集镇</b>卫生院隔离点"], "rooms": [40], "occupied": [0], "status": ["active"]},
                            geometry=gk([4000], [2500]).values, crs=STORAGE_CRS)
    fids = []

    def insert():
        with county.transaction() as edit:
            fids.extend(edit.insert("isolation_sites", site))

    report = drawn_after(qtbot, shown, insert)
    assert report["patched"] == ["isolation_sites"] and report["counts"]["isolation_sites"] == 3
    assert js(qtbot, shown, f"cordon.featureProps('isolation_sites', {fids[0]})")["name"] == "<b>尹集镇</b>卫生院隔离点"
    assert js(qtbot, shown, "cordon.featureProps('isolation_sites', 1)")["name"] == "舞钢宾馆隔离点"
    assert shown.fetched == []


def test_a_bulk_import_still_fetches_the_whole_layer(shown, qtbot, county):
    more = gpd.GeoDataFrame({"case_no": [f"WG-B{i:03d}" for i in range(50)], "category": "close_contact"},
                            geometry=gk(np.linspace(100, 8900, 50), np.full(50, 2000.0)).values, crs=STORAGE_CRS)

    def import_():
        with county.transaction() as edit:
            edit.insert("cases", more, log_each=False)

    report = drawn_after(qtbot, shown, import_)
    assert report["patched"] == [] and report["counts"]["cases"] == CASES + 50
    assert "cases" in shown.fetched
    assert pd.Series(shown.fetched).value_counts()["cases"] == 1


def test_a_patch_holds_what_the_whole_layer_holds_for_its_features(county):
    from data.map_payload import layer_payload, payload_fids, unpack

    heard = []
    county.subscribe(heard.append)
    zone = int(county.read_layer("control_zones").index[0])
    with county.transaction() as edit:
        edit.update("control_zones", zone, {"name": "尚店村封控区（扩大）"}, geometry=gk_box(300, 300, 1800))
        edit.update("cases", 5, {"category": "asymptomatic"})
    (changeset,) = heard
    for layer in ("control_zones", "cases"):
        (change,) = changeset.of(layer)
        patch_header, patch = unpack(layer_payload(county, layer, "gcj02", states={change.fid: change.after}))
        whole_header, whole = unpack(layer_payload(county, layer, "gcj02"))
        at = payload_fids(layer_payload(county, layer, "gcj02")).index(change.fid)
        assert {k: v for k, v in patch_header.items() if k not in ("buffers", "count", "fids", "props")} == {
            k: v for k, v in whole_header.items() if k not in ("buffers", "count", "fids", "props")}
        for field, values in patch_header.get("props", {}).items():
            assert values == [whole_header["props"][field][at]], field
        if layer == "cases":
            for key in ("x", "y", "category", "fid"):
                assert patch[key].tolist() == [whole[key][at]], key
        else:
            first, last = whole["rings"][whole["polygons"][whole["multis"][at]]], whole["rings"][
                whole["polygons"][whole["multis"][at + 1]]]
            assert patch["x"].tolist() == whole["x"][first:last].tolist()
            assert patch["y"].tolist() == whole["y"][first:last].tolist()
            assert patch["labelX"].tolist() == [whole["labelX"][at]]
