"""Basemaps: a local MBTiles file served offline, AutoNavi's GCJ-02 shift, a quiet notice without network."""

import io
import sqlite3

import pytest
from PIL import Image

from data.basemaps import MBTiles, page_spec
from gis.errors import UserError
from gis.offsets import wgs84_to_gcj02
from tests.test_map_page import DRAW_TIMEOUT_MS, js, wait_for_zones


def _mbtiles(path, z=10, x=830, y=408):
    """A one-tile raster MBTiles (the tile at XYZ z/x/y, stored in TMS row order)."""
    image = io.BytesIO()
    Image.new("RGB", (256, 256), (30, 120, 200)).save(image, "PNG")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("maxzoom", "12"), ("name", "t")])
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, image.getvalue()))
    conn.close()
    return path


def test_mbtiles_rows_are_flipped_from_tms(tmp_path):
    tiles = MBTiles(_mbtiles(tmp_path / "t.mbtiles"))
    kind, data = tiles.tile(10, 830, 408)
    assert kind == b"image/png" and data.startswith(b"\x89PNG")
    assert tiles.tile(10, 830, (1 << 10) - 1 - 408) is None


def test_vector_mbtiles_and_missing_tianditu_key_are_refused_clearly(tmp_path):
    path = _mbtiles(tmp_path / "v.mbtiles")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE metadata SET value='pbf' WHERE name='format'")
    conn.close()
    with pytest.raises(UserError, match="栅格"):
        MBTiles(path)
    with pytest.raises(UserError, match="天地图需要密钥"):
        page_spec("tianditu_vec", tianditu_keys=[])
    assert page_spec("tianditu_vec", tianditu_keys=["k1", "k2"])["keys"] == ["k1", "k2"]


@pytest.fixture
def window(cordon_app, qtbot, sample_project):
    from desktop.main_window import MainWindow

    win = MainWindow(sample_project)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        win.show()
    yield win
    win.close()


def test_local_mbtiles_basemap_is_served_through_the_app(window, qtbot, tmp_path):
    window.map.set_basemap("mbtiles", mbtiles=str(_mbtiles(tmp_path / "b.mbtiles")))
    qtbot.waitUntil(lambda: any("cordon://app/tiles/" in u for u in window.map.recorder.requests), timeout=10_000)
    assert window.map.recorder.network_requests() == []


def test_autonavi_basemap_shifts_overlays_and_drawn_shapes_come_back_true(window, qtbot):
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        window.map.set_basemap("amap")
    assert window.map.datum == "gcj02"
    assert any("datum=gcj02" in u for u in window.map.recorder.requests)
    g_lon, g_lat = wgs84_to_gcj02(112.60, 35.09)
    window.map.call("drawCircle", float(g_lon), float(g_lat), 400)  # where the user sees it on AutoNavi
    wait_for_zones(qtbot, window, 1)
    centre = window.project.read_layer("control_zones").geometry.iloc[0].centroid
    assert (centre.x, centre.y) == pytest.approx((112.60, 35.09), abs=2e-6)


def test_an_unreachable_basemap_shows_a_quiet_notice_and_the_map_stays(window, qtbot):
    window.map.call("setBasemap", {"kind": "tiles", "urls": ["https://tiles.example.com/{z}/{x}/{y}.png"]})
    text = "(document.getElementById('cordon-notice') || {}).textContent || ''"
    qtbot.waitUntil(lambda: "在线底图无法加载" in js(qtbot, window.map, text), timeout=15_000)
    assert js(qtbot, window.map, "cordon.featureCounts().admin_units") == window.project.count("admin_units")
    assert any("tiles.example.com" in u for u in window.map.recorder.blocked)  # nothing left the machine


def test_opening_a_project_keeps_the_autonavi_datum(window, qtbot):
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        window.map.set_basemap("amap")
    window.map.recorder.requests.clear()
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        window.open_project(window.project)
    layer_requests = [u for u in window.map.recorder.requests if "/layer/" in u]
    assert layer_requests and all("datum=gcj02" in u for u in layer_requests)
