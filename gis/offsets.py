"""GCJ-02 (AutoNavi/Tencent) and BD-09 (Baidu) coordinates: forward and inverse, vectorised.

These are obfuscations of WGS84 that PROJ does not know. The forward formulas are the widely used
public ones (same constants as the eviltransform and coordtransform projects); points outside China's
rough bounding box are left unchanged, as those implementations do. The inverses iterate the forward
formula until the last correction is below 1e-6 degrees, which leaves an error under 1e-8 degrees
(about a millimetre; see the tests).

All functions take scalars or array-likes of longitude and latitude (in that order) and return a
``(lon, lat)`` pair of float arrays (0-d for scalars).

>>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
>>> round(float(lon), 6), round(float(lat), 6)
(121.531542, 31.175304)
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_MAX_ITERATIONS = 30
_TOLERANCE_DEG = 1e-6
# Each step shrinks the error about 150-fold, so once a correction is below 1e-6 degrees the
# remaining error is below 1e-8 degrees (about 1 mm).


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def in_china(lon, lat) -> np.ndarray:
    """True where the point lies in the box the GCJ-02 offset applies to."""
    lon, lat = _arrays(lon, lat)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    # sin(3t) = 3 sin t - 4 sin^3 t spares three of the twelve sines (a third of the run time).
    s2x = np.sin(2.0 * np.pi * x)
    sx3 = np.sin(np.pi / 3.0 * x)
    sy3 = np.sin(np.pi / 3.0 * y)
    common = 20.0 * (4.0 * s2x - 4.0 * s2x * s2x * s2x)
    d_lat = common + 20.0 * (3.0 * sy3 - 4.0 * sy3 * sy3 * sy3) + 40.0 * sy3
    d_lat += 160.0 * np.sin(np.pi / 12.0 * y) + 320.0 * np.sin(np.pi / 30.0 * y)
    d_lon = common + 20.0 * (3.0 * sx3 - 4.0 * sx3 * sx3 * sx3) + 40.0 * sx3
    d_lon += 150.0 * np.sin(np.pi / 12.0 * x) + 300.0 * np.sin(np.pi / 30.0 * x)
    sqrt_abs_x = np.sqrt(np.abs(x))
    xy = x * y
    d_lat *= 2.0 / 3.0
    d_lat += -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * sqrt_abs_x
    d_lon *= 2.0 / 3.0
    d_lon += 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * sqrt_abs_x
    rad_lat = lat * (np.pi / 180.0)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat *= (180.0 / (_A * (1.0 - _EE) * np.pi)) * (magic * sqrt_magic)
    d_lon *= (180.0 / (_A * np.pi)) * sqrt_magic / np.cos(rad_lat)
    inside = in_china(lon, lat)
    if not inside.all():
        d_lon, d_lat = np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)
    return d_lon, d_lat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> GCJ-02."""
    lon, lat = _arrays(lon, lat)
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon: np.ndarray, lat: np.ndarray, guess_lon: np.ndarray, guess_lat: np.ndarray):
    """Solve forward(x) = (lon, lat) by fixed-point iteration from a first guess."""
    x, y = guess_lon.copy(), guess_lat.copy()
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(x, y)
        e_lon, e_lat = lon - f_lon, lat - f_lat
        x += e_lon
        y += e_lat
        if np.all(np.abs(e_lon) < _TOLERANCE_DEG) and np.all(np.abs(e_lat) < _TOLERANCE_DEG):
            break
    return x, y


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS84, iterated to sub-centimetre agreement with the forward formula."""
    lon, lat = _arrays(lon, lat)
    d_lon, d_lat = _gcj_delta(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, lon - d_lon, lat - d_lat)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> GCJ-02, iterated to sub-centimetre agreement with the forward formula."""
    lon, lat = _arrays(lon, lat)
    g_lon, g_lat = _bd09_to_gcj02_approx(lon, lat)
    return _invert(gcj02_to_bd09, lon, lat, g_lon, g_lat)


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 -> BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
"""The offset datums by the names users give them (see :func:`gis.crs.parse_crs`)."""
