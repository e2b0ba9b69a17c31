"""Basemaps: the offline default, online XYZ services, and local MBTiles files.

Online services are only reached when the user picks one; AutoNavi (高德) tiles are in GCJ-02, so while
that basemap is shown every overlay is shifted to GCJ-02 (``datum``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from gis.errors import UserError


@dataclass(frozen=True)
class Basemap:
    """An online or offline basemap. ``urls`` are Leaflet tile templates drawn in order (base, labels)."""

    key: str
    zh: str
    en: str
    datum: str = "wgs84"
    urls: tuple[str, ...] = ()
    subdomains: str = "abc"
    hosts: tuple[str, ...] = ()
    needs_key: bool = False
    max_zoom: int = 18
    attribution: str = ""
    extra: dict = field(default_factory=dict)


_TDT = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}")

BASEMAPS: dict[str, Basemap] = {b.key: b for b in (
    Basemap("offline", "离线（仅项目图层）", "Offline (project layers only)"),
    Basemap("osm", "OpenStreetMap", "OpenStreetMap", urls=("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
            hosts=("tile.openstreetmap.org",), max_zoom=19, attribution="© OpenStreetMap contributors"),
    Basemap("tianditu_vec", "天地图 矢量", "Tianditu vector", needs_key=True, subdomains="01234567",
            urls=(_TDT.replace("{layer}", "vec"), _TDT.replace("{layer}", "cva")), hosts=("tianditu.gov.cn",),
            attribution="天地图"),
    Basemap("tianditu_img", "天地图 影像", "Tianditu imagery", needs_key=True, subdomains="01234567",
            urls=(_TDT.replace("{layer}", "img"), _TDT.replace("{layer}", "cia")), hosts=("tianditu.gov.cn",),
            attribution="天地图"),
    Basemap("amap", "高德地图（GCJ-02）", "AutoNavi (GCJ-02)", datum="gcj02", subdomains="1234",
            urls=("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",),
            hosts=("is.autonavi.com",), attribution="© 高德地图"),
)}


def page_spec(key: str, *, tianditu_keys: list[str] | None = None, mbtiles: MBTiles | None = None) -> dict:
    """What the map page needs to show basemap ``key`` (``"mbtiles"`` for a local file)."""
    if key == "mbtiles":
        if mbtiles is None:
            raise UserError("请先选择 MBTiles 文件。", "Choose an MBTiles file first.")
        return {"kind": "tiles", "urls": ["cordon://app/tiles/{z}/{x}/{y}"], "maxZoom": mbtiles.max_zoom,
                "attribution": mbtiles.attribution, "datum": "wgs84"}
    basemap = BASEMAPS[key]
    if basemap.key == "offline":
        return {"kind": "offline", "datum": "wgs84"}
    keys = [k.strip() for k in (tianditu_keys or []) if k.strip()]
    if basemap.needs_key and not keys:
        raise UserError("天地图需要密钥：请在 编辑 → 设置 → 底图 中填写一个或多个天地图密钥。",
                        "Tianditu needs a key: enter one or more Tianditu keys under Edit → Settings → Basemap.")
    return {"kind": "tiles", "urls": list(basemap.urls), "subdomains": basemap.subdomains, "maxZoom": basemap.max_zoom,
            "attribution": basemap.attribution, "keys": keys or None, "datum": basemap.datum}


class MBTiles:
    """A local MBTiles raster file (tiles stored in TMS row order: y_tms = 2^z - 1 - y)."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            self.metadata = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            conn.close()
        except sqlite3.Error as exc:
            raise UserError(f"无法读取 MBTiles 文件 {self.path.name}：{exc}",
                            f"Cannot read the MBTiles file {self.path.name}: {exc}") from exc
        fmt = self.metadata.get("format", "png").lower()
        if fmt not in ("png", "jpg", "jpeg", "webp"):
            raise UserError(f"{self.path.name} 是 {fmt} 格式的瓦片；只支持栅格（png/jpg/webp）。",
                            f"{self.path.name} holds {fmt} tiles; only raster tiles (png/jpg/webp) are supported.")
        self.content_type = {"png": b"image/png", "jpg": b"image/jpeg", "jpeg": b"image/jpeg", "webp": b"image/webp"}[fmt]
        self.max_zoom = int(self.metadata.get("maxzoom", 18))
        self.attribution = self.metadata.get("attribution", self.path.stem)

    def tile(self, z: int, x: int, y: int) -> tuple[bytes, bytes] | None:
        """(content type, image bytes) of XYZ tile z/x/y, or None if the file has no such tile."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                               (z, x, (1 << z) - 1 - y)).fetchone()
        finally:
            conn.close()
        return (self.content_type, bytes(row[0])) if row else None
