"""The QGIS anchor of the benchmarks: QGIS drawing the same GeoPackage files as Cordon, in the same run.

The benchmarks call :func:`measure` (from the app's Python); it runs this file with the system Python that has
Debian's ``python3-qgis`` (``/usr/bin/python3``; QGIS is not importable from the app's environment) in a
subprocess with ``QT_QPA_PLATFORM=offscreen``. That process initialises one ``QgsApplication`` and, for each
file:

* **open -> drawn** (after one untimed open and draw of a warm-up file: QGIS loads its providers then): a new ``QgsVectorLayer`` (OGR provider) for each map layer of the file, then one
  ``QgsMapRendererParallelJob`` (QGIS's default: layers on threads) over all of them at the widget's size in
  Web Mercator, at the extent Leaflet fits to the county (zoom snapped to 0.25, as the map page does), until
  ``waitForFinished()``; ``repeats`` times (the first run is the cold one);
* **pan / zoom frames**, at that city view and at street view (z15 over a given point): the extent shifted
  by (±300, ±200) px (there and back) or zoomed in/out by one level, each frame a full new render job.

Styling is the simplest that draws what the page draws: points as small filled circles, polygons outlined
without fill. QGIS keeps nothing between jobs here (no ``QgsMapRendererCache``), so every frame redraws every
layer, as its canvas does on a pan or zoom; between opens only the OGR provider's connection pool may keep
the GeoPackage open, and the OS file cache is warm for both programs alike.

    /usr/bin/python3 bench/qgis_anchor.py SPEC.json     # prints one line: ANCHOR {json}
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QGIS_PYTHON = "/usr/bin/python3"
MERCATOR_RES_Z0 = 156543.03392804097  # metres per pixel at zoom 0 (Web Mercator, 256 px tiles)
STREET_ZOOM = 15
PAN_PX = (300, 200)


def available() -> str | None:
    """The QGIS version importable by :data:`QGIS_PYTHON`, or None when QGIS is not installed."""
    try:
        run = subprocess.run([QGIS_PYTHON, "-c", "from qgis.core import Qgis; print(Qgis.QGIS_VERSION)"],
                             capture_output=True, text=True, timeout=120, env=_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (run.stdout.strip() or None) if run.returncode == 0 else None


def measure(jobs: list[dict], *, layers: list[str], size: tuple[int, int], repeats: int, frames: int,
            warm_up: str | None = None) -> dict:
    """QGIS's figures for each job ``{"key", "path", "bounds": [minx, miny, maxx, maxy] (lon/lat), "street":
    [lon, lat] or None}`` (a job may set its own "repeats" and "frames"): ``{key: {"opens": [s...], "frames":
    {view: {"zoom": [ms...], "pan": [ms...], "z0"}}}}`` plus ``"version"`` and ``"renderer"``. Raises
    RuntimeError with QGIS's output when the subprocess fails. ``warm_up``: a GeoPackage opened and drawn first
    (not timed), so that the first timed open is that of the file, not QGIS loading its providers."""
    spec = {"jobs": jobs, "layers": layers, "size": list(size), "repeats": repeats, "frames": frames,
            "warm_up": warm_up}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(spec, file)
    try:
        run = subprocess.run([QGIS_PYTHON, __file__, file.name], capture_output=True, text=True, env=_env())
    finally:
        os.unlink(file.name)
    lines = [line for line in run.stdout.splitlines() if line.startswith("ANCHOR ")]
    if run.returncode != 0 or not lines:
        raise RuntimeError(f"QGIS anchor failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    return json.loads(lines[-1][len("ANCHOR "):])


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CPL_LOG"] = os.devnull  # GDAL's warnings about the GeoPackage version, once per layer
    return env


# ------------------------------------------------------------------------------------------------ QGIS side


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


def _fit_zoom(bounds: list[float], size: tuple[int, int]) -> float:
    """The zoom Leaflet's fitBounds picks for ``bounds`` (lon/lat) at ``size`` px, snapped down to 0.25."""
    x0, y0 = _mercator(bounds[0], bounds[1])
    x1, y1 = _mercator(bounds[2], bounds[3])
    res = max((x1 - x0) / size[0], (y1 - y0) / size[1])
    return math.floor(4 * math.log2(MERCATOR_RES_Z0 / res)) / 4


def _extent(centre: tuple[float, float], zoom: float, size: tuple[int, int]):
    from qgis.core import QgsRectangle

    res = MERCATOR_RES_Z0 / 2 ** zoom
    half_w, half_h = size[0] * res / 2, size[1] * res / 2
    return QgsRectangle(centre[0] - half_w, centre[1] - half_h, centre[0] + half_w, centre[1] + half_h), res


def _style(layer) -> None:
    from qgis.core import QgsFillSymbol, QgsMarkerSymbol, QgsSingleSymbolRenderer, QgsWkbTypes

    if layer.geometryType() == QgsWkbTypes.PointGeometry:
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "size": "1.6", "color": "#d7301f",
                                               "outline_color": "#ffffff", "outline_width": "0.1"})
    else:
        symbol = QgsFillSymbol.createSimple({"style": "no", "outline_color": "#555555", "outline_width": "0.2"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def _open(path: str, names: list[str]) -> list:
    from qgis.core import QgsVectorLayer

    out = []
    for name in names:
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if layer.isValid():
            _style(layer)
            out.append(layer)
    return out


def _render(layers: list, extent, size: tuple[int, int]) -> float:
    """One full render job of ``layers`` at ``extent``: seconds until finished."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    settings = QgsMapSettings()
    settings.setLayers(list(reversed(layers)))  # QGIS lists the top layer first; the cases go on top
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setOutputSize(QSize(*size))
    settings.setExtent(extent)
    start = time.perf_counter()
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return time.perf_counter() - start


def _frames(layers: list, centre: tuple[float, float], zoom: float, size: tuple[int, int], n: int) -> dict:
    """Zoom in/out by one level and pan there and back, ``n`` of each, every frame a full render (ms)."""
    out = {"zoom": [], "pan": [], "z0": zoom}
    for i in range(n):
        extent, _ = _extent(centre, zoom + (0 if i % 2 else 1), size)
        out["zoom"].append(_render(layers, extent, size) * 1000)
    _, res = _extent(centre, zoom, size)
    for i in range(n):
        shifted = centre if i % 2 else (centre[0] + PAN_PX[0] * res, centre[1] - PAN_PX[1] * res)  # east, south
        extent, _ = _extent(shifted, zoom, size)
        out["pan"].append(_render(layers, extent, size) * 1000)
    return out


def _run(spec: dict) -> dict:
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    size, names = tuple(spec["size"]), spec["layers"]
    result = {"version": Qgis.QGIS_VERSION, "renderer": "QgsMapRendererParallelJob"}
    if spec.get("warm_up"):
        _render(_open(spec["warm_up"], names), _extent((0, 0), 10, size)[0], size)
    for job in spec["jobs"]:
        bounds = job["bounds"]
        zoom = _fit_zoom(bounds, size)
        x0, y0 = _mercator(bounds[0], bounds[1])
        x1, y1 = _mercator(bounds[2], bounds[3])
        city = ((x0 + x1) / 2, (y0 + y1) / 2)
        opens, layers = [], []
        repeats, frames = job.get("repeats", spec["repeats"]), job.get("frames", spec["frames"])
        for _ in range(repeats):
            start = time.perf_counter()
            layers = _open(job["path"], names)
            extent, _ = _extent(city, zoom, size)
            _render(layers, extent, size)
            opens.append(time.perf_counter() - start)
        entry = {"opens": opens, "layers": [layer.name() for layer in layers],
                 "features": {layer.name(): layer.featureCount() for layer in layers}, "frames": {}}
        if frames:
            entry["frames"]["city"] = _frames(layers, city, zoom, size, frames)
            if job.get("street"):
                entry["frames"]["street"] = _frames(layers, _mercator(*job["street"]), STREET_ZOOM, size, frames)
        result[job["key"]] = entry
        print(f"QGIS {job['key']}: opens {[round(s, 2) for s in opens]} s (median {statistics.median(opens):.2f})",
              file=sys.stderr, flush=True)
    del layers  # before QGIS goes: a layer outliving exitQgis() crashes on deletion
    app.exitQgis()
    return result


if __name__ == "__main__":
    print("ANCHOR " + json.dumps(_run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))), flush=True)
