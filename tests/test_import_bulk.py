"""Importing a table of cases too big for one chunk: read, checked and written chunk by chunk in one transaction,
every rejected row still named, the layer's indexes whole afterwards, and a cancelled import leaving nothing."""

import sqlite3

import numpy as np
import pytest
import shapely

from data import gpkg
from data.importers.pipeline import BULK_ROWS, ImportCancelled, import_file
from data.importers.tables import CHUNK_ROWS
from data.project import Project
from gis.crs import parse_crs, to_storage_xy
from gis.glossary import CaseCategory

ROWS = BULK_ROWS + 5_000  # three chunks, and enough rows to be written as a bulk load
BAD_CATEGORY_ROW = CHUNK_ROWS + 1_000  # spreadsheet row numbers: the header is row 1
BAD_LONGITUDE_ROW = 2 * CHUNK_ROWS + 77
CATEGORIES = ("确诊", "无症状", "密接", "次密接")


@pytest.fixture(scope="module")
def cases_csv(tmp_path_factory):
    """Cases around 叶县 in GCJ-02 (AutoNavi) with Chinese headers, a wrong category in the second chunk and
    an unknown longitude in the third."""
    path = tmp_path_factory.mktemp("bulk") / "病例.csv"
    rng = np.random.default_rng(11)
    lon = 113.2 + rng.random(ROWS) * 0.3
    lat = 33.45 + rng.random(ROWS) * 0.3
    lines = ["编号,类别,报告时间,地址,经度,纬度"]
    for i in range(ROWS):
        row = i + 2
        category = "待核实" if row == BAD_CATEGORY_ROW else CATEGORIES[i % 4]
        longitude = "不详" if row == BAD_LONGITUDE_ROW else f"{lon[i]:.6f}"
        lines.append(f"C{i:06d},{category},2026-11-{1 + i % 28:02d} 08:30,叶县昆阳街道第{i % 300}号,{longitude},{lat[i]:.6f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lon, lat


def _indexes(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' "
                            "ORDER BY name").fetchall()


def test_a_big_table_lands_whole_with_every_rejected_row_named(tmp_path, cases_csv):
    csv_path, lon, lat = cases_csv
    target = tmp_path / "county.gpkg"
    Project.create(target, name="叶县", county_code="410422").close()
    indexes = _indexes(target)
    seen = []

    project = Project.open(target)
    report = import_file(project, "cases", csv_path, crs="gcj02", progress=lambda percent, _label: seen.append(percent))

    assert report.imported == ROWS - 2
    assert [p.row for p in report.rejected] == [BAD_CATEGORY_ROW, BAD_LONGITUDE_ROW]
    category, longitude = report.rejected
    assert "类别" in category.zh and "待核实" in category.zh and "可用" in category.zh
    assert "经度" in longitude.zh and "不详" in longitude.zh
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 5  # progress moves chunk by chunk

    cases = project.read_layer("cases")
    assert len(cases) == ROWS - 2 and cases.index.is_monotonic_increasing
    last = cases.iloc[-1]  # the last row of the file, converted from GCJ-02 like any other
    x, y = to_storage_xy([float(f"{lon[-1]:.6f}")], [float(f"{lat[-1]:.6f}")], parse_crs("gcj02"))
    assert (last["case_no"], last["category"], last["reported_at"]) == (
        f"C{ROWS - 1:06d}", CaseCategory.from_label(CATEGORIES[(ROWS - 1) % 4]).value,
        f"2026-11-{1 + (ROWS - 1) % 28:02d}T08:30:00")
    assert (last.geometry.x, last.geometry.y) == pytest.approx((x[0], y[0]), abs=1e-9)
    assert project.value_counts("cases", "category")["confirmed"] == len(cases[cases["category"] == "confirmed"])
    project.close()
    assert _indexes(target) == indexes  # the layer's indexes, built again after the bulk load, as they were made


def test_a_cancelled_big_import_leaves_the_project_as_it_was(tmp_path, cases_csv):
    csv_path, _lon, _lat = cases_csv
    target = tmp_path / "county.gpkg"
    Project.create(target, name="叶县", county_code="410422").close()
    indexes = _indexes(target)
    project = Project.open(target)
    chunks_read = []

    def cancelled():
        return len(chunks_read) > 1

    def progress(_percent, label):
        if label == "检查属性值":
            chunks_read.append(label)

    with pytest.raises(ImportCancelled):
        import_file(project, "cases", csv_path, crs="gcj02", progress=progress, cancelled=cancelled)
    assert project.count("cases") == 0
    assert project.last_fid("cases") == 0
    project.close()
    assert _indexes(target) == indexes


def test_point_blobs_packed_at_once_are_the_geopackage_points_written_one_by_one():
    points = shapely.points([113.25, -0.0, 180.0, 1e-300], [33.5, 0.0, -90.0, 5e300])
    packed = gpkg.encode_geometries(points, 4490)
    one_by_one = [gpkg.encode_geometries(np.array([p, shapely.box(0, 0, 1, 1)], dtype=object), 4490)[0]
                  for p in points]  # a mixed array takes the general path
    assert packed == one_by_one
    assert gpkg.decode_geometries(packed).tolist() == points.tolist()
