"""The map's grids are drawn and named from what their shading read (the layer read once, not twice): the payload
is the one a whole read of the layer gives, on both stores and with rows another program (GDAL, as QGIS writes)
added; a payload with fields the shading did not read reads the layer itself."""

import geopandas as gpd
import pyogrio
import shapely
from test_map_payload_reading import gk, ruyang

from data.grid_shading import GridShading
from data.map_payload import layer_payload, unpack
from gis.crs import STORAGE_CRS


def test_grids_drawn_from_what_the_shading_read_are_the_layer_as_read(store):
    project = ruyang(store)
    shading = GridShading.read(project)
    for datum in ("wgs84", "gcj02"):
        shared = layer_payload(project, "grids", datum, infections=shading.counts, read=shading.grids)
        assert shared == layer_payload(project, "grids", datum, infections=shading.counts)
    header, _ = unpack(shared)
    assert header["props"] == {"name": ["第一网格", "第二网格"], "infections": [1, 2]}
    # every field (an exported map): more than the shading read, so the layer is read
    full = unpack(layer_payload(project, "grids", infections=shading.counts, read=shading.grids, details=True))[0]
    assert full["props"]["worker"] == ["王芳", None] and full["props"]["households"] == [310, None]


def test_rows_another_program_added_are_drawn_from_the_shadings_read(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    added = gpd.GeoDataFrame({"code": ["G03", "G04"], "name": ["第三网格（QGIS）", "第四网格（未画）"],
                              "households": [95, None], "version": [1, 1]},
                             geometry=[gk(shapely.MultiPolygon([shapely.box(0, 1000, 1000, 2000),
                                                                shapely.box(3000, 1000, 4000, 2000)])),
                                       shapely.MultiPolygon()], crs=STORAGE_CRS)
    pyogrio.write_dataframe(added, project.path, layer="grids", append=True, promote_to_multi=True)
    shading = GridShading.read(project)
    whole = layer_payload(project, "grids", infections=shading.counts)
    assert layer_payload(project, "grids", infections=shading.counts, read=shading.grids) == whole
    header = unpack(whole)[0]
    assert header["props"]["name"][2:] == ["第三网格（QGIS）", "第四网格（未画）"]
    assert header["props"]["infections"] == [1, 2, 0, 0]
