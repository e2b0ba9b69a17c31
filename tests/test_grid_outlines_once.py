"""The map's grids are drawn from the outlines their shading read (read once, not twice): the payload is the one
a whole read of the layer gives, on both stores and with rows another program (GDAL, as QGIS writes) added; a grid
added after the shading was read is still drawn, named and counted."""

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from test_map_payload_reading import gk, ruyang

from data.grid_shading import GridShading
from data.map_payload import layer_payload, unpack
from gis.crs import STORAGE_CRS


def test_grids_drawn_from_the_shadings_outlines_are_the_layer_as_read(store):
    project = ruyang(store)
    shading = GridShading.read(project)
    for datum in ("wgs84", "gcj02"):
        shared = layer_payload(project, "grids", datum, infections=shading.counts, outlines=shading.outlines)
        assert shared == layer_payload(project, "grids", datum, infections=shading.counts)
    header, _ = unpack(shared)
    assert header["props"] == {"name": ["第一网格", "第二网格"], "infections": [1, 2]}
    assert project.read_fields("grids", ["name", "households"]) == ([1, 2], {"name": ["第一网格", "第二网格"],
                                                                           "households": [310, None]})


def test_rows_another_program_added_and_a_grid_added_after_the_shading(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    added = gpd.GeoDataFrame({"code": ["G03", "G04"], "name": ["第三网格（QGIS）", "第四网格（未画）"],
                              "households": [95, None], "version": [1, 1]},
                             geometry=[gk(shapely.MultiPolygon([shapely.box(0, 1000, 1000, 2000),
                                                                shapely.box(3000, 1000, 4000, 2000)])),
                                       shapely.MultiPolygon()], crs=STORAGE_CRS)
    pyogrio.write_dataframe(added, project.path, layer="grids", append=True, promote_to_multi=True)
    shading = GridShading.read(project)
    whole = layer_payload(project, "grids", infections=shading.counts)
    assert layer_payload(project, "grids", infections=shading.counts, outlines=shading.outlines) == whole
    assert unpack(whole)[0]["props"]["name"][2:] == ["第三网格（QGIS）", "第四网格（未画）"]

    later = gpd.GeoDataFrame({"code": ["G05"], "name": ["第五网格"]}, geometry=[gk(shapely.box(0, 2000, 900, 2900))],
                             crs=STORAGE_CRS)
    with project.transaction() as edit:
        edit.insert("grids", later, log_each=False)
    header, _ = unpack(layer_payload(project, "grids", infections=shading.counts, outlines=shading.outlines))
    assert header["fids"] == [1, 2, 3, 4, 5] and header["props"]["name"][-1] == "第五网格"
    assert header["props"]["infections"] == [1, 2, 0, 0, 0]
    assert layer_payload(project, "grids", infections=pd.Series(header["props"]["infections"], index=header["fids"])
                         ) == layer_payload(project, "grids", infections=shading.counts, outlines=shading.outlines)
