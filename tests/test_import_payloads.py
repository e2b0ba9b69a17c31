"""A command-line import keeps the map's payloads of the layers it changed in the project, so the first open after
it draws them from there instead of building them; they are exactly what the map would build, and layers the import
did not touch are left alone."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.grid_shading import GridShading
from data.importers.pipeline import import_file
from data.map_payload import layer_payload, unpack
from data.payload_cache import cached_payload
from data.project import Project
from gis.crs import STORAGE_CRS
from main import main

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger zone of 叶县 (CM 114°E)
ORIGIN = (330_000, 3_720_000)  # metres: west of the central meridian, about 113.2°E 33.6°N
GRID_M = 1000


def gk_box(col: int, row: int):
    square = shapely.box(ORIGIN[0] + col * GRID_M, ORIGIN[1] + row * GRID_M,
                         ORIGIN[0] + (col + 1) * GRID_M, ORIGIN[1] + (row + 1) * GRID_M)
    return gpd.GeoSeries([square], crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS).iloc[0]


@pytest.fixture
def yexian(store, tmp_path):
    """叶县: a 4 × 3 block of 1 km grids (with a courtyard cut out of one) and a CSV of 400 cases in GCJ-02 with
    Chinese headers, some with a grid code (one wrong), one without coordinates (rejected)."""
    boxes = [gk_box(i % 4, i // 4) for i in range(12)]
    boxes[5] = boxes[5].difference(boxes[5].centroid.buffer(0.002))  # a hole: its cases count nowhere
    grids = gpd.GeoDataFrame({"code": [f"410422100{i:03d}" for i in range(12)], "name": [f"昆阳第{i + 1}网格" for i in
                                                                                      range(12)]},
                             geometry=boxes, crs=STORAGE_CRS)
    project = Project.create(store, name="叶县", county_code="410422")
    with project.transaction() as edit:
        edit.insert("grids", grids, log_each=False)
    points = gpd.GeoSeries(shapely.points(np.random.default_rng(3).uniform(0, 1, (400, 2)) * [4 * GRID_M, 3 * GRID_M]
                                          + ORIGIN), crs=GAUSS_KRUGER_114E).to_crs("EPSG:4326")
    lines = ["编号,类别,网格编码,经度,纬度"]
    for i, point in enumerate(points):
        lon, lat = point.x + 0.0055, point.y - 0.0012  # roughly what AutoNavi's GCJ-02 shift adds here
        code = ("410422100003" if i % 7 == 0 else f"410422100{i % 12:03d}") if i % 3 == 0 else ""
        lines.append(f"YX-{i:04d},{['确诊', '无症状', '密接', '疑似'][i % 4]},{code},"
                     + ("不详," if i == 17 else f"{lon:.6f},") + f"{lat:.6f}")
    csv = tmp_path / "病例.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return store, csv


def assert_same_payload(kept: bytes, built: bytes) -> None:
    (kept_header, kept_arrays), (built_header, built_arrays) = unpack(kept), unpack(built)
    assert kept_header == built_header
    assert kept_arrays.keys() == built_arrays.keys()
    for name, values in built_arrays.items():
        assert np.array_equal(kept_arrays[name], values), name


def test_after_an_import_the_first_open_draws_the_changed_layers_from_the_kept_payloads(yexian):
    target, csv = yexian
    report = import_file(Project.open(target), "cases", csv, crs="gcj02", keep_payloads=True)
    assert report.imported == 399 and [problem.row for problem in report.rejected] == [19]

    reopened = Project.open(target)
    shading = GridShading.read(reopened)
    assert shading.counts.sum() > 0 and shading.counts.iloc[5] < shading.counts.max()
    for name, build in (("cases", lambda: layer_payload(reopened, "cases")),
                        ("grids", lambda: layer_payload(reopened, "grids", infections=shading.counts))):
        kept, built_now = cached_payload(reopened, name, "wgs84", build)
        assert not built_now, f"{name} was built again on the first open"
        assert_same_payload(kept, build())
    assert cached_payload(reopened, "facilities", "wgs84")[1], "a layer the import did not change was kept"


def test_the_import_command_keeps_them_too(tmp_path):
    target = tmp_path / "叶县.gpkg"
    Project.create(target, name="叶县", county_code="410422").close()
    csv = tmp_path / "设施.csv"
    csv.write_text("名称,类型,经度,纬度\n叶县人民医院,定点医院,113.3571,33.6262\n昆阳街道卫生院,发热门诊,113.3489,33.6318\n",
                   encoding="utf-8")
    assert main(["import", str(target), str(csv), "--layer", "facilities", "--crs", "wgs84"]) == 0

    project = Project.open(target)
    kept, built_now = cached_payload(project, "facilities", "wgs84")
    assert not built_now
    header, _ = unpack(kept)
    assert header["count"] == 2 and sorted(header["props"]["name"]) == ["叶县人民医院", "昆阳街道卫生院"]
