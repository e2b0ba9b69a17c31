"""A local MBTiles raster basemap under a print, warped into the map frame's Gauss-Krüger coordinates.

Each pixel of the output image is traced back to the tile pixel under it: frame coordinates -> WGS84
longitude/latitude (-> GCJ-02 for a file whose metadata says ``datum = gcj02``, as AutoNavi tile packages
are) -> Web Mercator tile pixel at a zoom matching the output resolution (nearest neighbour). Tiles are
stored in TMS row order: y_tms = 2^z - 1 - y.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image
from pyproj import CRS, Transformer

from data.basemaps import MBTiles
from data.printing.mapframe import MapFrame
from gis import offsets
from gis.crs import WGS84

BASEMAP_DPI = 150
TILE_PX = 256
MAX_TILES = 400  # per image; the zoom is lowered until the frame needs no more
_EQUATOR_M_PER_PX = 2 * math.pi * 6378137 / TILE_PX  # ground metres per pixel at zoom 0


def frame_basemap(path, frame: MapFrame, crs: CRS, size_mm: tuple[float, float]) -> np.ndarray:
    """An RGBA image (rows top to bottom, uint8) of the MBTiles file at ``path`` covering ``frame``
    (projected in ``crs``) at about 150 dpi on a frame ``size_mm`` large; transparent where there are no tiles."""
    tiles = MBTiles(path)
    width, height = (max(2, round(side / 25.4 * BASEMAP_DPI)) for side in size_mm)
    x0, y0, x1, y1 = frame.bounds
    xs = x0 + (np.arange(width) + 0.5) * (x1 - x0) / width
    ys = y1 - (np.arange(height) + 0.5) * (y1 - y0) / height
    lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(*np.meshgrid(xs, ys))
    if str(tiles.metadata.get("datum", "")).lower().replace("-", "") == "gcj02":
        lon, lat = offsets.FROM_WGS84["gcj02"](lon, lat)
    zoom = _zoom_for(tiles, (x1 - x0) / width, lon, lat)
    px, py = _tile_pixels(lon, lat, zoom)
    tx0, ty0 = int(px.min() // TILE_PX), int(py.min() // TILE_PX)
    mosaic = _mosaic(tiles, zoom, tx0, ty0, int(px.max() // TILE_PX), int(py.max() // TILE_PX))
    ix = np.clip(px.astype(np.int64) - tx0 * TILE_PX, 0, mosaic.shape[1] - 1)
    iy = np.clip(py.astype(np.int64) - ty0 * TILE_PX, 0, mosaic.shape[0] - 1)
    return mosaic[iy, ix]


def _tile_pixels(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Global Web Mercator pixel coordinates (XYZ, y down) of lon/lat at ``zoom``."""
    size = TILE_PX * 2**zoom
    phi = np.radians(np.clip(lat, -85.05, 85.05))
    px = (np.asarray(lon) + 180.0) / 360.0 * size
    py = (1 - np.log(np.tan(phi) + 1 / np.cos(phi)) / math.pi) / 2 * size
    return px, py


def _zoom_for(tiles: MBTiles, metres_per_px: float, lon: np.ndarray, lat: np.ndarray) -> int:
    """The zoom whose pixels are no coarser than the output's, within the file's zooms and the tile budget."""
    wanted = math.ceil(math.log2(_EQUATOR_M_PER_PX * math.cos(math.radians(float(np.mean(lat)))) / metres_per_px))
    zoom = int(np.clip(wanted, int(tiles.metadata.get("minzoom", 0)), tiles.max_zoom))
    while zoom > 0:
        px, py = _tile_pixels(lon, lat, zoom)
        count = (px.max() // TILE_PX - px.min() // TILE_PX + 1) * (py.max() // TILE_PX - py.min() // TILE_PX + 1)
        if count <= MAX_TILES:
            break
        zoom -= 1
    return zoom


def _mosaic(tiles: MBTiles, zoom: int, tx0: int, ty0: int, tx1: int, ty1: int) -> np.ndarray:
    """Tiles x tx0..tx1, y ty0..ty1 (XYZ) of ``zoom`` pasted into one RGBA array."""
    mosaic = np.zeros(((ty1 - ty0 + 1) * TILE_PX, (tx1 - tx0 + 1) * TILE_PX, 4), dtype=np.uint8)
    for ty in range(ty0, ty1 + 1):
        for tx in range(tx0, tx1 + 1):
            found = tiles.tile(zoom, tx, ty)
            if found is None:
                continue
            image = np.asarray(Image.open(io.BytesIO(found[1])).convert("RGBA").resize((TILE_PX, TILE_PX)))
            row, col = (ty - ty0) * TILE_PX, (tx - tx0) * TILE_PX
            mosaic[row:row + TILE_PX, col:col + TILE_PX] = image
    return mosaic
