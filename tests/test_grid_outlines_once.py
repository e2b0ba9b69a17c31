"""The map's grids are drawn and named from what their shading read (the layer read once, not twice): the payload
is the one a whole read of the layer gives, on both stores and with rows another program (GDAL, as QGIS writes)
added; a payload with fields the shading did not read reads the layer itself."""

import geopandas as gpd
import pyogrio
import shapely
from test_map_payload_reading import add_grids_as_qgis_does, gk, outlines, ruyang

from data import gpkg
from data.grid_shading import GridShading
from data.map_payload import layer_payload, unpack
from gis.crs import STORAGE_CRS


def shaded(project):
    """The grids as the map reads them, once (codes and names), and their shading from that read."""
    grids = project.read_outlines("grids", ["code", "name"])
    return grids, GridShading.read(project, grids[:3])


def test_grids_drawn_from_what_the_shading_read_are_the_layer_as_read(store):
    project = ruyang(store)
    grids, shading = shaded(project)
    for datum in ("wgs84", "gcj02"):
        shared = layer_payload(project, "grids", datum, infections=shading.counts, read=grids)
        assert shared == layer_payload(project, "grids", datum, infections=shading.counts)
    header, _ = unpack(shared)
    assert header["props"] == {"name": ["第一网格", "第二网格"], "infections": [1, 2]}
    # every field (an exported map): more than the shading read, so the layer is read
    full = unpack(layer_payload(project, "grids", infections=shading.counts, read=grids, details=True))[0]
    assert full["props"]["worker"] == ["王芳", None] and full["props"]["households"] == [310, None]


def test_rows_another_program_added_are_drawn_from_the_shadings_read(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    add_grids_as_qgis_does(project)
    grids, shading = shaded(project)
    whole = layer_payload(project, "grids", infections=shading.counts)
    assert layer_payload(project, "grids", infections=shading.counts, read=grids) == whole
    header = unpack(whole)[0]
    assert header["props"]["name"][2:] == ["第三网格（QGIS）", "第四网格（未画）"]
    assert header["props"]["infections"] == [1, 2, 0, 0]


def test_outlines_of_every_form_are_drawn_as_stored(tmp_path):
    """Many parts with holes, an empty outline, and one GDAL wrote with heights (3D) all reach the page as the
    layer holds them."""
    project = ruyang(tmp_path / "汝阳县.gpkg")
    holed = shapely.box(0, 0, 900, 900).difference(shapely.box(100, 100, 200, 200)).difference(
        shapely.box(500, 500, 600, 600))
    islands = shapely.MultiPolygon([holed, *(shapely.box(1000 + 50 * i, 0, 1030 + 50 * i, 30) for i in range(40))])
    raised = shapely.force_3d(gk(shapely.MultiPolygon([shapely.box(0, 3000, 500, 3500)])), 120.0)
    added = gpd.GeoDataFrame({"code": ["G03", "G04", "G05"], "name": ["群岛网格", "空网格", "高程网格"],
                              "version": [1, 1, 1]},
                             geometry=[gk(islands), shapely.MultiPolygon(), raised], crs=STORAGE_CRS)
    pyogrio.write_dataframe(added.iloc[:2], project.path, layer="grids", append=True, promote_to_multi=True)
    drawn_as_stored(project, "grids", infections=GridShading.read(project).counts)
    pyogrio.write_dataframe(added.iloc[2:], project.path, layer="grids", append=True, promote_to_multi=True)
    with project._conn() as conn:  # GDAL kept the heights
        assert shapely.has_z(gpkg.decode_geometries([conn.execute("SELECT geom FROM grids WHERE fid = 5")
                                                     .fetchone()[0]])[0])
    grids, shading = shaded(project)
    header = drawn_as_stored(project, "grids", infections=shading.counts, read=grids)
    assert header["props"]["name"][2:] == ["群岛网格", "空网格", "高程网格"]
    drawn_as_stored(project, "admin_units")


def drawn_as_stored(project, name: str, **kwargs) -> dict:
    header, arrays = unpack(layer_payload(project, name, **kwargs))
    stored = project.read_layer(name).geometry.values
    drawn = outlines(arrays)
    assert header["fids"] == project.read_layer(name).index.tolist() and len(drawn) == len(stored)
    for got, want in zip(drawn, stored, strict=True):
        assert shapely.equals_exact(got, shapely.force_2d(want), 1e-6) or (got.is_empty and want.is_empty)
    return header
