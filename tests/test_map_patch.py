"""A desk's edit reaches the map as a patch: the few features a changeset touched are sent to the page and
merged into its copy of the layer, without fetching the whole layer again (a county's cases are 100k points)."""

import base64
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import zone_store
from data.project import Project
from gis.crs import STORAGE_CRS
from tests.gauss_kruger import SurveyPlane

PLANE = SurveyPlane("EPSG:4547", (452_000, 3_686_000))  # CGCS2000 Gauss-Krüger 114°E, where 舞钢市 lies
gk, gk_cell = PLANE.points, PLANE.box
CASES = 1200
GRID_COLUMNS, GRID_ROWS = 50, 41  # 2,050 grids: more than the page draws from a cached image of their fills
DRAW_TIMEOUT_MS = 30_000


def gk_box(x_m: float, y_m: float, size_m: float) -> shapely.Polygon:
    return gk_cell(x_m, y_m, size_m, size_m)


@pytest.fixture
def county(tmp_path) -> Project:
    """舞钢市 in Gauss-Krüger metres: three villages in 2,050 grids, 1,200 cases imported in bulk, two isolation
    sites, two zones."""
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
    width, height = 9000 / GRID_COLUMNS, 3000 / GRID_ROWS
    cells = [(c, r) for r in range(GRID_ROWS) for c in range(GRID_COLUMNS)]
    grids = gpd.GeoDataFrame({"code": [f"410481101{int(c * width // 3000):03d}G{i:04d}" for i, (c, r) in enumerate(cells)],
                              "name": [f"第{i + 1}网格" for i in range(len(cells))]},
                             geometry=[gk_cell(c * width, r * height, width, height) for c, r in cells], crs=STORAGE_CRS)
    project = Project.create(tmp_path / "舞钢市.gpkg", name="舞钢市", county_code="410481")
    with project.transaction() as edit:
        edit.insert("admin_units", units, log_each=False)
        edit.insert("grids", grids, log_each=False)
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
    assert report["failed"] == [] and "cases" in report["patched"]
    assert report["counts"]["cases"] == CASES
    assert js(qtbot, shown, f"cordon.featureProps('cases', {fid})")["category"] == after
    neighbour = int(county.read_layer("cases", where="case_no = ?", params=("WG-0701",)).index[0])
    assert js(qtbot, shown, f"cordon.featureProps('cases', {neighbour})")["category"] == county.read_layer(
        "cases", where="fid = ?", params=(neighbour,))["category"].iloc[0]
    assert shown.fetched == []  # neither the cases nor the grids (their shading) are fetched whole
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


ZONE_LABELS = "[...document.querySelectorAll('.cordon-zone-label')].map((e) => [e.textContent, e.dataset.seen || ''])"


def test_an_edited_zone_is_drawn_again_alone_with_its_new_outline_and_label(shown, qtbot, county):
    first, second = county.read_layer("control_zones").index.tolist()
    with county.transaction() as edit:
        edit.update("control_zones", first, {"name": "尚店村封控区"})
        edit.update("control_zones", second, {"name": "八台社区封控区"})
    qtbot.waitUntil(lambda: sorted(label for label, _ in js(qtbot, shown, ZONE_LABELS)) == ["八台社区封控区", "尚店村封控区"],
                    timeout=DRAW_TIMEOUT_MS)
    js(qtbot, shown, "document.querySelectorAll('.cordon-zone-label').forEach((e) => { e.dataset.seen = 'yes'; })")

    def edit():
        with county.transaction() as edit:
            edit.update("control_zones", first, {"name": "尚店村封控区（扩大）"}, geometry=gk_box(300, 300, 1800))

    report = drawn_after(qtbot, shown, edit)
    assert report["patched"] == ["control_zones"] and report["counts"]["control_zones"] == 2
    labels = [["八台社区封控区", "yes"], ["尚店村封控区（扩大）", ""]]  # one label new (the old one fades out)
    qtbot.waitUntil(lambda: sorted(js(qtbot, shown, ZONE_LABELS)) == labels, timeout=2000)
    assert js(qtbot, shown, f"cordon.featureProps('control_zones', {first})")["name"] == "尚店村封控区（扩大）"
    assert js(qtbot, shown, f"cordon.featureProps('control_zones', {second})")["name"] == "八台社区封控区"
    assert "control_zones" not in shown.fetched and shown.map_page.console_errors == []


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


# -- grid shading: infections per grid, patched grid by grid ---------------------------------------------------

GRID_FILL_ALPHA = """(() => {  // the alpha of the grids' canvas at a lon/lat: a shaded grid is opaque there
  const [west, south, east, north] = cordon.view().bounds, merc = (lat) => Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360));
  const canvas = document.querySelector('.leaflet-grids-pane canvas'), ratio = window.devicePixelRatio || 1;
  const x = ((%(lon)r - west) / (east - west)) * canvas.width, y = ((merc(north) - merc(%(lat)r)) / (merc(north) - merc(south))) * canvas.height;
  return canvas.getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data[3];
})()"""


def grid_fill_alpha(qtbot, widget, grid: shapely.Geometry) -> int:
    centre = shapely.point_on_surface(grid)
    return js(qtbot, widget, GRID_FILL_ALPHA % {"lon": centre.x, "lat": centre.y})


def page_infections(qtbot, widget, grid_fids) -> dict[int, int]:
    shown = js(qtbot, widget, f"{list(grid_fids)}.map((fid) => cordon.featureProps('grids', fid).infections)")
    return dict(zip(grid_fids, shown, strict=True))


def sent_patches(monkeypatch, widget) -> list:
    """What the widget sends the page from now on: [(layers fetched whole, patches)]."""
    sent, ask = [], widget.call
    monkeypatch.setattr(widget, "call", lambda f, *args, **kw: (sent.append(args) if f == "reloadLayers" else None)
                        or ask(f, *args, **kw))
    return sent


def test_a_confirmed_case_made_a_close_contact_takes_one_off_its_grid_and_sends_only_that_grid(
        shown, qtbot, county, monkeypatch):
    from data.map_payload import payload_fids
    from data.stats_store import grid_infections, located_cases

    counts = grid_infections(county)
    cases = located_cases(county, ["case_no"])
    alone = cases[(cases["category"] == "confirmed") & cases["grid_fid"].map(counts).eq(1)].iloc[0]
    fid, grid = int(alone.name), int(alone["grid_fid"])
    outline = county.read_layer("grids", where="fid = ?", params=(grid,)).geometry.iloc[0]
    qtbot.wait(500)  # the page has cached the image of the grids' fills meanwhile
    assert page_infections(qtbot, shown, [grid]) == {grid: 1}
    assert grid_fill_alpha(qtbot, shown, outline) > 100  # shaded
    sent = sent_patches(monkeypatch, shown)

    def edit():
        with county.transaction() as edit:
            edit.update("cases", fid, {"category": "close_contact"})

    report = drawn_after(qtbot, shown, edit)
    assert report["failed"] == [] and sorted(report["patched"]) == ["cases", "grids"]
    (whole, patches), = sent
    (grids_payload,) = [base64.b64decode(payload) for name, payload, _removed in patches if name == "grids"]
    assert whole == [] and payload_fids(grids_payload) == [grid]  # one grid sent, no layer fetched whole
    assert shown.fetched == []
    assert page_infections(qtbot, shown, [grid]) == {grid: 0}
    assert grid_fill_alpha(qtbot, shown, outline) == 0  # no longer shaded on screen
    everyone = grid_infections(county)
    assert page_infections(qtbot, shown, everyone.index.tolist()) == everyone.to_dict()
    assert js(qtbot, shown, f"cordon.featureProps('cases', {fid})")["category"] == "close_contact"

    zoom = js(qtbot, shown, "cordon.view().zoom")
    minx, miny, maxx, maxy = county.extent("grids")  # zoomed out: the fills come from a coarser cached image
    shown.fit_bounds((2 * minx - maxx, 2 * miny - maxy, 2 * maxx - minx, 2 * maxy - miny))
    qtbot.waitUntil(lambda: js(qtbot, shown, "cordon.view().zoom") <= zoom - 1, timeout=5000)
    qtbot.wait(300)
    other = cases[(cases["category"] == "confirmed") & cases["grid_fid"].map(everyone).eq(1)
                  & (cases["grid_fid"] != grid)].iloc[0]
    outline = county.read_layer("grids", where="fid = ?", params=(int(other["grid_fid"]),)).geometry.iloc[0]
    assert grid_fill_alpha(qtbot, shown, outline) > 100

    def edit_other():
        with county.transaction() as edit:
            edit.update("cases", int(other.name), {"category": "secondary_contact"})

    drawn_after(qtbot, shown, edit_other)
    assert grid_fill_alpha(qtbot, shown, outline) == 0
    assert shown.map_page.console_errors == []


def test_a_case_edit_the_shading_does_not_count_sends_no_grid(shown, qtbot, county, monkeypatch):
    fid = int(county.read_layer("cases", where="category = ?", params=("confirmed",)).index[0])
    sent = sent_patches(monkeypatch, shown)

    def edit():
        with county.transaction() as edit:
            edit.update("cases", fid, {"address": "矿建街道12号院", "case_no": "WG-复核"})

    report = drawn_after(qtbot, shown, edit)
    assert report["patched"] == ["cases"] and [p[0] for p in sent[0][1]] == ["cases"]
    assert shown.fetched == []


def test_a_case_edited_while_the_map_loads_is_counted_in_its_grid_once_drawn(cordon_app, qtbot, county):
    from data.stats_store import grid_infections
    from desktop.map_widget import MapWidget

    widget = MapWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    contacts = county.read_layer("cases", where="category = ?", params=("close_contact",)).index[:3].tolist()
    widget.set_project(county)
    widget.show()
    for fid in contacts:  # while the page is still asking for its layers
        with county.transaction() as edit:
            edit.update("cases", int(fid), {"category": "confirmed"})
        qtbot.wait(30)
    everyone = grid_infections(county)
    qtbot.waitUntil(lambda: widget.is_ready and js(qtbot, widget, "cordon.featureCounts().grids || 0") == len(everyone),
                    timeout=DRAW_TIMEOUT_MS)
    qtbot.waitUntil(lambda: page_infections(qtbot, widget, everyone.index.tolist()) == everyone.to_dict(),
                    timeout=DRAW_TIMEOUT_MS)
    with county.transaction() as edit:  # and edits after it is drawn are patched onto the right counts
        edit.update("cases", int(contacts[0]), {"category": "close_contact"})
    everyone = grid_infections(county)
    qtbot.waitUntil(lambda: page_infections(qtbot, widget, everyone.index.tolist()) == everyone.to_dict(),
                    timeout=DRAW_TIMEOUT_MS)
    assert widget.map_page.console_errors == []
    widget.close()


def test_edits_patched_in_are_kept_in_the_project_for_the_next_open_once_they_stop(shown, qtbot, county):
    from data.map_payload import unpack
    from data.payload_cache import kept_payload
    from data.stats_store import grid_infections, located_cases

    counts = grid_infections(county)
    cases = located_cases(county, ["case_no"])
    alone = cases[(cases["category"] == "confirmed") & cases["grid_fid"].map(counts).eq(1)].iloc[0]
    fid, grid = int(alone.name), int(alone["grid_fid"])
    shown._keep_timer.setInterval(300)  # (a desk stops editing for KEEP_AFTER_MS)

    def edit():
        with county.transaction() as edit:
            edit.update("cases", fid, {"category": "close_contact"})

    report = drawn_after(qtbot, shown, edit)
    assert sorted(report["patched"]) == ["cases", "grids"] and shown.fetched == []
    assert kept_payload(county, "cases", "wgs84") is None  # what the project kept is of the cases before the edit
    qtbot.waitUntil(lambda: None not in (kept_payload(county, "cases", "wgs84"), kept_payload(county, "grids", "wgs84")),
                    timeout=10_000)
    header, arrays = unpack(kept_payload(county, "cases", "wgs84"))  # the next open draws the edit from there
    code = int(arrays["category"][np.flatnonzero(arrays["fid"] == fid)[0]])
    assert header["categories"][code] == "close_contact"
    header, _ = unpack(kept_payload(county, "grids", "wgs84"))
    assert header["props"]["infections"][header["fids"].index(grid)] == 0
