"""Importing real-world files into a project: what lands, what is repaired, what is refused and why."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from data.importers.pipeline import ImportCancelled, import_file
from gis.crs import metric_crs_for
from gis.errors import UserError
from gis.offsets import wgs84_to_gcj02

ROOT = Path(__file__).resolve().parent.parent
# True (WGS84/CGCS2000) positions of three places inside the sample county.
PLACES = [("沁园隔离点", 112.590, 35.090), ("梨林卫生院", 112.720, 35.080), ("承留宾馆", 112.520, 35.030)]


def _write_xlsx(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def _snapshot(project):
    return {name: project.count(name) for name in ("admin_units", "grids", "isolation_sites", "cases", "audit_log")}


def test_gbk_shapefile_without_cpg_in_gauss_kruger_lands_with_right_names_and_place(sample_project, tmp_path):
    villages = gpd.GeoDataFrame(
        {"村名": ["王庄村", "李家沟社区"], "人口": [1200, 3400], "户数": [400, 1100]},
        geometry=[shapely.box(112.60, 35.10, 112.62, 35.12), shapely.box(112.62, 35.10, 112.64, 35.12)],
        crs=4490,
    ).to_crs(4526)  # CGCS2000 3-degree Gauss-Krüger zone 38, easting with zone prefix
    shp = tmp_path / "村界.shp"
    villages.to_file(shp, engine="pyogrio", encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    assert "王庄村".encode("gbk") in shp.with_suffix(".dbf").read_bytes()

    report = import_file(sample_project, "admin_units", shp)

    assert (report.imported, report.repaired, report.rejected) == (2, 0, [])
    stored = sample_project.read_layer("admin_units", where="name IN (?, ?)", params=("王庄村", "李家沟社区"))
    assert sorted(stored["name"]) == ["李家沟社区", "王庄村"]
    assert set(stored["level"]) == {"village", "community"}  # inferred from the names
    assert stored["population"].sum() == 4600
    bounds = shapely.total_bounds(stored.geometry.values)
    np.testing.assert_allclose(bounds, [112.60, 35.10, 112.64, 35.12], atol=1e-7)
    assert any("GBK" in zh for zh, _ in report.notes)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_with_chinese_headers_in_gcj02_is_moved_to_true_positions(sample_project, tmp_path, suffix):
    rows = []
    for name, lon, lat in PLACES:
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        rows.append([name, f"{float(g_lon):.8f}", f"{float(g_lat):.8f}", 120, 30, "启用"])
    header = ["名称", "经度", "纬度", "房间数", "已用房间", "状态"]
    path = tmp_path / f"隔离点{suffix}"
    if suffix == ".csv":
        lines = [",".join(header)] + [",".join(map(str, r)) for r in rows]
        path.write_bytes("\n".join(lines).encode("gbk"))  # as Excel on Chinese Windows saves it
    else:
        _write_xlsx(path, header, rows)

    report = import_file(sample_project, "isolation_sites", path, crs="gcj02")

    assert report.imported == 3 and report.rejected == []
    sites = sample_project.read_layer("isolation_sites", where="name LIKE ?", params=("%承留宾馆%",))
    point = sites.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((112.520, 35.030), abs=1e-7)
    assert sites["status"].iloc[0] == "active" and sites["rooms"].iloc[0] == 120


def test_bad_values_are_rejected_by_row_and_the_rest_imported(sample_project, tmp_path):
    path = tmp_path / "sites.xlsx"
    _write_xlsx(path, ["名称", "经度", "纬度", "房间数", "状态"], [
        ["甲宾馆", 112.59, 35.09, 80, "启用"],
        ["乙宾馆", 112.60, 35.09, "十", "启用"],
        ["丙宾馆", 112.61, 35.09, -5, "启用"],
        ["丁宾馆", 112.62, 35.09, 40, "营业中"],
        ["", 112.63, 35.09, 40, "备用"],
        ["戊宾馆", "abc", 35.09, 40, "备用"],
        ["己宾馆", 116.40, 39.90, 40, "备用"],  # Beijing: far outside the county
    ])
    report = import_file(sample_project, "isolation_sites", path, crs="wgs84")
    reasons = {p.row: p.zh for p in report.rejected}
    assert report.imported == 1
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "“十”不是数字" in reasons[3]
    assert "不能小于 0" in reasons[4]
    assert "营业中" in reasons[5] and "启用" in reasons[5]
    assert "为空" in reasons[6]
    assert "abc" in reasons[7]
    assert "县域之外" in reasons[8]
    lines = report.lines("zh")
    assert lines[0].startswith("导入到“集中隔离场所”：成功 1 个") and any(line.startswith("第 3 行") for line in lines)


def test_invalid_polygons_are_repaired_and_counted_unfixable_rejected(sample_project, tmp_path):
    bowtie = shapely.Polygon([(112.60, 35.10), (112.62, 35.12), (112.62, 35.10), (112.60, 35.12)])
    spike = shapely.Polygon([(112.60, 35.10), (112.61, 35.10), (112.60, 35.10)])
    assert not bowtie.is_valid
    frame = gpd.GeoDataFrame({"name": ["蝴蝶村", "正常村", "退化村"]},
                             geometry=[bowtie, shapely.box(112.62, 35.1, 112.63, 35.11), spike], crs=4326)
    path = tmp_path / "units.geojson"
    frame.to_file(path, engine="pyogrio")
    report = import_file(sample_project, "admin_units", path)
    assert (report.imported, report.repaired) == (2, 1)
    assert [p.row for p in report.rejected] == [3]
    repaired = sample_project.read_layer("admin_units", where="name = ?", params=("蝴蝶村",)).geometry.iloc[0]
    assert repaired.is_valid and len(repaired.geoms) == 2
    metric = metric_crs_for(112.6)
    area = gpd.GeoSeries([repaired], crs=4490).to_crs(metric).area.iloc[0]
    box_m2 = (0.02 * 111_320 * np.cos(np.radians(35.11))) * (0.02 * 110_950)
    assert area == pytest.approx(box_m2 / 2, rel=0.01)  # the two triangles of the bow tie


@pytest.mark.parametrize(("crs", "words"), [(None, "坐标系"), ("bd09", "县域之外")])
def test_a_failed_import_changes_nothing(sample_project, tmp_path, crs, words):
    path = tmp_path / "far.csv"
    path.write_text("名称,经度,纬度\n北京宾馆,116.40,39.90\n天津宾馆,117.20,39.13\n", encoding="utf-8")
    before = _snapshot(sample_project)
    with pytest.raises(UserError, match=words):
        import_file(sample_project, "isolation_sites", path, crs=crs)
    assert _snapshot(sample_project) == before


def test_missing_required_field_names_the_columns(sample_project, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("编号,经度,纬度\nA1,112.6,35.1\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        import_file(sample_project, "cases", path, crs="wgs84")
    assert "类别" in err.value.zh and "编号" in err.value.zh


def test_cancelling_writes_nothing(sample_project, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("名称,经度,纬度\n甲,112.6,35.1\n", encoding="utf-8")
    before = _snapshot(sample_project)
    with pytest.raises(ImportCancelled):
        import_file(sample_project, "isolation_sites", path, crs="wgs84", cancelled=lambda: True)
    assert _snapshot(sample_project) == before


def test_an_import_is_logged_once_with_its_counts(sample_project, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("名称,经度,纬度\n甲,112.6,35.1\n乙,112.61,35.1\n", encoding="utf-8")
    import_file(sample_project, "isolation_sites", path, crs="wgs84")
    last = sample_project.read_layer("audit_log").iloc[-1]
    assert last["action"] == "import" and '"imported": 2' in last["after"] and "a.csv" in last["after"]


def _cli(*args, lang="zh"):
    env = {"CORDON_LANG": lang, "PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT)


def test_cli_new_import_info_round_trip(tmp_path):
    project = tmp_path / "p.gpkg"
    assert _cli("new", project, "--sample").returncode == 0
    table = tmp_path / "pts.csv"
    table.write_text("名称,经度,纬度,类型\n采样点甲,112.60,35.10,核酸采样点\n", encoding="utf-8")
    done = _cli("import", project, table, "--layer", "facilities", "--crs", "wgs84")
    assert done.returncode == 0 and "成功 1 个" in done.stdout
    info = json.loads(_cli("info", project, "--json").stdout)
    assert info["layers"]["facilities"] == 85 and info["is_sample"] is True
    assert info["layers"]["control_zones"] > 0  # the sample comes with zones for its recent cases


@pytest.mark.parametrize(("lang", "text"), [("zh", "错误：找不到文件"), ("en", "Error: File not found")])
def test_cli_user_errors_are_one_line_without_traceback(sample_project, tmp_path, lang, text):
    result = _cli("import", sample_project.path, tmp_path / "missing.csv", "--layer", "cases", lang=lang)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(text) and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
