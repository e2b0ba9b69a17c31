"""The map's layer payloads read the polygon and point layers as plain lists (Project.read_values, no frame made):
what they carry is what the layer holds as read_layer gives it — every non-personal property with None where it is
missing, lifted zones left out, outlines with their holes and parts — on both stores, and for rows another program
(GDAL, as QGIS writes) added with its own geometry blobs, empty ones included."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from data import gpkg
from data.grid_shading import GridShading
from data.map_payload import layer_payload, unpack
from data.project import Project
from gis.crs import STORAGE_CRS

GAUSS_KRUGER_111E = "EPSG:4546"  # CGCS2000 3-degree Gauss-Krüger zone of 汝阳县 (CM 111°E)
ORIGIN = (420_000, 3_780_000)


def gk(geom):
    """A shape drawn in metres from the origin, in the storage CRS."""
    moved = shapely.affinity.translate(geom, *ORIGIN)
    return gpd.GeoSeries([moved], crs=GAUSS_KRUGER_111E).to_crs(STORAGE_CRS).iloc[0]


def ruyang(target) -> Project:
    """汝阳县城关镇: a town of two parts (one with a village cut out of it), villages (one without a population),
    three zones (active, lifted, no status), grids and a few cases."""
    town = shapely.MultiPolygon([shapely.box(0, 0, 4000, 3000).difference(shapely.box(1000, 1000, 2000, 2000)),
                                 shapely.box(5000, 0, 6000, 1000)])
    units = gpd.GeoDataFrame(
        {"code": ["410326100", "410326100001", "410326100002"], "name": ["城关镇", "东关村", "西关社区"],
         "level": ["town", "village", "community"], "parent_code": [None, "410326100", "410326100"],
         "population": [52_000, None, 8_400]},
        geometry=[gk(town), gk(shapely.box(1000, 1000, 2000, 2000)), gk(shapely.box(5000, 0, 6000, 1000))],
        crs=STORAGE_CRS)
    zones = gpd.GeoDataFrame(
        {"name": ["东关村封控区", "西关社区管控区", "城关镇防范区"], "tier": ["sealed", "controlled", "precaution"],
         "status": ["active", "lifted", None], "radius_m": [1234.5678901234567, 500.0, None]},
        geometry=[gk(shapely.box(1100, 1100, 1900, 1900)), gk(shapely.box(5100, 100, 5900, 900)),
                  gk(shapely.Point(3000, 500).buffer(300))], crs=STORAGE_CRS)
    grids = gpd.GeoDataFrame({"code": ["G01", "G02"], "name": ["第一网格", "第二网格"], "worker": ["王芳", None],
                              "households": [310, None]},
                             geometry=[gk(shapely.box(0, 0, 2000, 1000)), gk(shapely.box(2000, 0, 4000, 1000))],
                             crs=STORAGE_CRS)
    cases = gpd.GeoDataFrame({"category": ["confirmed", "asymptomatic", "close_contact", "confirmed"],
                              "grid_code": ["G01", None, "G01", "G09"], "person_name": ["张三", "李四", "王五", "赵六"]},
                             geometry=[gk(shapely.Point(x, 500)) for x in (300, 2500, 600, 3900)], crs=STORAGE_CRS)
    project = Project.create(target, name="汝阳县", county_code="410326")
    with project.transaction() as edit:
        for name, frame in (("admin_units", units), ("control_zones", zones), ("grids", grids), ("cases", cases)):
            edit.insert(name, frame, log_each=False)
    return project


def plain(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value


def expected(project: Project, name: str) -> gpd.GeoDataFrame:
    frame = project.read_layer(name)
    return frame[frame["status"].fillna("active") != "lifted"] if name == "control_zones" else frame


def outlines(arrays: dict) -> np.ndarray:
    coords = np.column_stack([arrays["x"], arrays["y"]])
    offsets = (arrays["rings"], arrays["polygons"], arrays["multis"])
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)


def check_layer(project: Project, name: str, tolerance: float, **kwargs) -> dict:
    header, arrays = unpack(layer_payload(project, name, **kwargs))
    frame = expected(project, name)
    assert header["fids"] == frame.index.tolist()
    for field in project_fields(name):
        assert header["props"][field] == [plain(v) for v in frame[field].tolist()], field
    drawn = outlines(arrays)
    for got, stored in zip(drawn, frame.geometry.values, strict=True):
        assert shapely.equals_exact(got, stored, tolerance) or (got.is_empty and stored.is_empty)
    return header


def project_fields(name: str) -> list[str]:
    from data.schema import layer_spec

    return [f.name for f in layer_spec(name).fields if not f.personal]


def test_payloads_carry_what_the_layers_hold(store):
    project = ruyang(store)
    units = check_layer(project, "admin_units", 1e-6, details=True)  # outlines: in centimetre steps
    assert unpack(layer_payload(project, "admin_units"))[0]["worldScale"] == 2**31  # (their check sees degrees again)
    assert units["props"]["population"] == [52_000, None, 8_400]
    zones = check_layer(project, "control_zones", 0)  # zone outlines travel as Float64 degrees: exactly
    assert zones["props"]["name"] == ["东关村封控区", "城关镇防范区"]  # the lifted zone is not drawn
    assert zones["props"]["radius_m"] == [1234.5678901234567, None]  # every digit, missing as None
    counts = GridShading.read(project).counts
    grids = check_layer(project, "grids", 1e-6, infections=counts, details=True)
    assert grids["props"]["infections"] == [1, 2] and grids["props"]["worker"] == ["王芳", None]
    # the app's page holds what it draws and labels with, and asks for a unit's or grid's other fields on a click
    brief_units, brief_grids = (unpack(layer_payload(project, name, infections=counts if name == "grids" else None))[0]
                                for name in ("admin_units", "grids"))
    assert brief_units["brief"] and brief_units["props"] == {"name": units["props"]["name"],
                                                             "level": units["props"]["level"]}
    assert brief_grids["brief"] and brief_grids["props"] == {"name": grids["props"]["name"], "infections": [1, 2]}
    assert "brief" not in zones


def add_grids_as_qgis_does(project: Project) -> None:
    """Two grids appended by GDAL (as QGIS writes them): 第三网格（QGIS） of two parts, and 第四网格（未画） with an
    empty outline."""
    added = gpd.GeoDataFrame({"code": ["G03", "G04"], "name": ["第三网格（QGIS）", "第四网格（未画）"],
                              "households": [95, None], "version": [1, 1]},
                             geometry=[gk(shapely.MultiPolygon([shapely.box(0, 1000, 1000, 2000),
                                                                shapely.box(3000, 1000, 4000, 2000)])),
                                       shapely.MultiPolygon()], crs=STORAGE_CRS)
    pyogrio.write_dataframe(added, project.path, layer="grids", append=True, promote_to_multi=True)


def test_rows_added_by_another_program_are_read_with_their_own_blobs(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    add_grids_as_qgis_does(project)
    with project._conn() as conn:  # GDAL's blobs: an envelope for the drawn outline, the empty flag for the other
        flags = [blob[3] for (blob,) in conn.execute("SELECT geom FROM grids WHERE code IN ('G03', 'G04') ORDER BY fid")]
    assert flags[0] & 0b1110 and flags[1] & 0x10

    header = check_layer(project, "grids", 1e-6, infections=GridShading.read(project).counts, details=True)
    assert header["props"]["name"][-2:] == ["第三网格（QGIS）", "第四网格（未画）"]
    assert header["props"]["households"][-2:] == [95, None]


def test_features_another_program_emptied_are_sent_with_nothing_to_draw(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    zone, case = project.states("control_zones", [1]), project.states("cases", [2])
    zone[1]["geometry"], case[2]["geometry"] = shapely.MultiPolygon(), shapely.Point()  # as QGIS may leave them

    header, arrays = unpack(layer_payload(project, "control_zones", states=zone))  # a patch of the zone alone
    assert header["fids"] == [1] and outlines(arrays)[0].is_empty and np.isnan(arrays["labelX"]).all()
    _, patched = unpack(layer_payload(project, "cases", states=case))
    with project._conn() as conn:  # the whole layer, read with that point emptied, gives it the same place
        conn.execute("UPDATE cases SET geom = ? WHERE fid = 2", (gpkg.encode_geometries([shapely.Point()], 4490)[0],))
    _, whole = unpack(layer_payload(project, "cases"))
    assert patched["fid"].tolist() == [2] and whole["fid"][1] == 2
    assert (patched["x"][0], patched["y"][0]) == (whole["x"][1], whole["y"][1])


def test_outlines_are_read_from_the_blobs_as_shapely_reads_them(tmp_path):
    project = ruyang(tmp_path / "汝阳县.gpkg")
    add_grids_as_qgis_does(project)  # GDAL's blobs: an envelope, the empty flag
    with project._conn() as conn:
        blobs = {name: [blob for (blob,) in conn.execute(f"SELECT geom FROM {name} ORDER BY fid")]
                 for name in ("admin_units", "grids", "control_zones")}
    odd = [shapely.box(0, 0, 1, 1), shapely.Polygon(), shapely.MultiPolygon(),  # Polygon and MultiPolygon, empty too
           shapely.Polygon([(0, 0), (4, 0), (4, 4)], [[(1, 1), (2, 1), (2, 2)], [(3, 2), (3.5, 2), (3.5, 2.5)]]),
           None]  # (NULL)
    blobs["odd"] = gpkg.encode_geometries(odd, 4490)
    for name, read in blobs.items():
        geoms = gpkg.decode_geometries(read)
        coords, offsets = gpkg.polygon_arrays(read)
        _, want_coords, want_offsets = shapely.to_ragged_array(geoms)
        assert np.array_equal(coords, want_coords), name
        assert [o.tolist() for o in offsets] == [o.tolist() for o in want_offsets], name

    big_endian = b"GP\x00\x01" + (4490).to_bytes(4, "little") + shapely.to_wkb(
        shapely.MultiPolygon([odd[0]]), byte_order=0)  # no envelope
    with_z = gpkg.encode_geometries([shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)])], 4490)
    for others in ([big_endian], with_z, gpkg.encode_geometries([shapely.Point(1, 2)], 4490), [blobs["odd"][3][:-8]]):
        assert gpkg.polygon_arrays(blobs["odd"][:1] + others) is None  # left to shapely
    with project._conn() as conn:  # and read by it: the layer's payload is the same
        conn.execute("UPDATE grids SET geom = ? WHERE code = 'G01'", (big_endian,))
    assert project.read_outlines("grids", ["name"])[3] is None
    check_layer(project, "grids", 1e-6, infections=GridShading.read(project).counts, details=True)
