"""Coordinate systems users name, Gauss-Krüger zones, and conversion into storage."""

import numpy as np
import pytest
from pyproj import CRS

from gis import crs as gcrs
from gis.errors import UserError


@pytest.mark.parametrize(("text", "epsg", "offset"), [
    ("wgs84", 4326, None), ("WGS-84", 4326, None), ("cgcs2000", 4490, None), ("EPSG:4547", 4547, None),
    ("4526", 4526, None), ("gcj02", 4326, "gcj02"), ("高德", 4326, "gcj02"), ("bd09", 4326, "bd09"),
    ("xian1980", 4610, None), ("beijing1954", 4214, None),
])
def test_parse_crs_understands_what_users_type(text, epsg, offset):
    parsed = gcrs.parse_crs(text)
    assert parsed.crs.to_epsg() == epsg and parsed.offset == offset


def test_unknown_crs_message_lists_the_choices():
    with pytest.raises(UserError) as err:
        gcrs.parse_crs("mars")
    assert "gcj02" in err.value.zh and "EPSG" in err.value.en


@pytest.mark.parametrize(("lon", "width", "prefix", "epsg", "name_part"), [
    (112.6, 3, False, 4547, "CM 114E"), (112.6, 3, True, 4526, "zone 38"),
    (75.2, 3, False, 4534, "CM 75E"), (134.9, 3, True, 4533, "zone 45"),
    (112.6, 6, False, 4508, "CM 111E"), (112.6, 6, True, 4497, "zone 19"),
])
def test_gauss_kruger_zone_codes_match_epsg_names(lon, width, prefix, epsg, name_part):
    code = gcrs.gauss_kruger_epsg(lon, zone_width=width, prefix=prefix)
    assert code == epsg and name_part in CRS.from_epsg(code).name


def test_prefixed_easting_reveals_its_zone():
    assert gcrs.gauss_kruger_zone_from_x(38_512_345.6) == 38
    assert gcrs.gauss_kruger_zone_from_x(512_345.6) is None


def test_gauss_kruger_metres_convert_back_to_the_central_meridian():
    lon, lat = gcrs.to_storage_xy([38_500_000.0], [3_880_000.0], gcrs.parse_crs("EPSG:4526"))
    assert lon[0] == pytest.approx(114.0, abs=1e-9) and 34.9 < lat[0] < 35.2


def test_gcj02_input_is_undone_to_true_position():
    lon, lat = gcrs.to_storage_xy([121.531541859215], [31.17530398364597], gcrs.parse_crs("gcj02"))
    assert lon[0] == pytest.approx(121.5272106, abs=1e-7) and lat[0] == pytest.approx(31.1774276, abs=1e-7)


def test_from_storage_reapplies_the_offset():
    lon, lat = gcrs.from_storage_xy(np.array([121.5272106]), np.array([31.1774276]), gcrs.parse_crs("gcj02"))
    assert lon[0] == pytest.approx(121.531541859215, abs=1e-7)


def test_metric_crs_is_the_local_gauss_kruger_zone():
    assert gcrs.metric_crs_for(112.6).to_epsg() == 4547
    assert gcrs.metric_crs_for(87.6).to_epsg() == gcrs.gauss_kruger_epsg(87.6)
