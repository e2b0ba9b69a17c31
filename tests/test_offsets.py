"""GCJ-02 / BD-09 against published reference vectors (eviltransform, coordtransform/hutool)."""

import numpy as np
import pytest

from gis import offsets

# (function, input lon, lat, expected lon, lat) from public implementations' own tests.
FORWARD = [
    (offsets.wgs84_to_gcj02, 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (offsets.wgs84_to_gcj02, 116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
    (offsets.wgs84_to_gcj02, 116.404, 39.915, 116.41024449916938, 39.91640428150164),
    (offsets.gcj02_to_bd09, 116.404, 39.915, 116.41036949371029, 39.92133699351022),
    (offsets.wgs84_to_bd09, 122.99395597, 44.99804071, 123.00636516028885, 45.0063690918959),
]
# Reference inverses are one-step approximations; ours iterate, so agree within the 0.5 m target.
INVERSE = [
    (offsets.bd09_to_gcj02, 116.404, 39.915, 116.39762729119315, 39.90865673957631),
    (offsets.bd09_to_wgs84, 116.404, 39.915, 116.3913836995125, 39.907253214522164),
]
DEG_PER_M = 1.0 / 111_320.0


@pytest.mark.parametrize(("func", "lon", "lat", "exp_lon", "exp_lat"), FORWARD)
def test_forward_matches_reference_to_1e6_degrees(func, lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = func(lon, lat)
    assert abs(got_lon - exp_lon) < 1e-6 and abs(got_lat - exp_lat) < 1e-6


@pytest.mark.parametrize(("func", "lon", "lat", "exp_lon", "exp_lat"), INVERSE)
def test_inverse_agrees_with_reference_within_half_a_metre(func, lon, lat, exp_lon, exp_lat):
    got_lon, got_lat = func(lon, lat)
    assert abs(got_lon - exp_lon) < 0.5 * DEG_PER_M and abs(got_lat - exp_lat) < 0.5 * DEG_PER_M


@pytest.mark.parametrize(("forward", "inverse"), [
    (offsets.wgs84_to_gcj02, offsets.gcj02_to_wgs84),
    (offsets.gcj02_to_bd09, offsets.bd09_to_gcj02),
    (offsets.wgs84_to_bd09, offsets.bd09_to_wgs84),
])
def test_inverse_round_trips_to_well_under_half_a_metre_across_china(forward, inverse):
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(73.5, 135.0, 20_000), rng.uniform(18.0, 53.5, 20_000)
    back_lon, back_lat = inverse(*forward(lon, lat))
    error_m = np.hypot((back_lon - lon) * np.cos(np.radians(lat)), back_lat - lat) / DEG_PER_M
    assert error_m.max() < 0.01


def test_one_step_inverse_would_not_be_enough():
    """The offset is hundreds of metres and the naive inverse is metres off: iteration matters."""
    lon, lat = 121.5272106, 31.1774276
    g_lon, g_lat = offsets.wgs84_to_gcj02(lon, lat)
    assert abs(g_lon - lon) / DEG_PER_M > 300
    naive_lon = g_lon - (offsets.wgs84_to_gcj02(g_lon, g_lat)[0] - g_lon)
    assert abs(naive_lon - lon) / DEG_PER_M > 1.0
    assert abs(offsets.gcj02_to_wgs84(g_lon, g_lat)[0] - lon) / DEG_PER_M < 0.001


def test_points_outside_china_are_unchanged():
    lon, lat = offsets.wgs84_to_gcj02([-74.006, 2.35], [40.7128, 48.85])
    np.testing.assert_array_equal(lon, [-74.006, 2.35])
    np.testing.assert_array_equal(lat, [40.7128, 48.85])
