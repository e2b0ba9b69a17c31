"""Outcomes people can trust: an import that stores nothing fails in one line and changes nothing, --strict
refuses any rejected row, a shapefile cut short is named, and output piped into `head` ends quietly."""

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from data.project import Project
from main import main

MAIN = Path(__file__).resolve().parents[1] / "main.py"
HEADER = "姓名,类别,报告日期,经度,纬度"


def _cases_csv(path, categories):
    lines = [HEADER] + [f"病例{i},{category},2026-11-0{1 + i % 9},{113.35 + i * 0.004:.4f},{33.58 + i * 0.003:.4f}"
                        for i, category in enumerate(categories)]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def _villages_shp(path, count=60):
    """Village outlines near 叶县 in a Gauss-Krüger zone (CGCS2000 / 3-degree GK CM 114E), GBK names, no .cpg."""
    cells = [shapely.box(113.30 + (i % 10) * 0.012, 33.55 + (i // 10) * 0.012,
                         113.31 + (i % 10) * 0.012, 33.56 + (i // 10) * 0.012) for i in range(count)]
    frame = gpd.GeoDataFrame({"村名": [f"第{i}村" for i in range(count)]}, geometry=cells, crs=4490).to_crs(4547)
    frame.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


@pytest.fixture
def county(tmp_path):
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    yield project
    project.close()


def _state(project):
    return {name: project.count(name) for name in ("cases", "admin_units", "audit_log")}, project.metadata


def _fails_in_one_line(capsys, argv) -> str:
    assert main([str(a) for a in argv]) == 2
    captured = capsys.readouterr()
    assert not captured.out and captured.err.startswith("错误：") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    return captured.err


def test_every_row_rejected_fails_and_changes_nothing(county, tmp_path, capsys):
    path = _cases_csv(tmp_path / "病例.csv", ["待定", "待核实", "待定"])
    before = _state(county)

    err = _fails_in_one_line(capsys, ["import", county.path, path, "--layer", "cases", "--crs", "wgs84"])

    assert "病例.csv" in err and "3 行全部被拒绝" in err and "“待定” 2 行" in err
    assert _state(county) == before


def test_file_without_rows_fails_and_changes_nothing(county, tmp_path, capsys):
    path = tmp_path / "空表.csv"
    path.write_bytes((HEADER + "\n").encode("gbk"))
    before = _state(county)

    err = _fails_in_one_line(capsys, ["import", county.path, path, "--layer", "cases", "--crs", "wgs84"])

    assert "空表.csv" in err and _state(county) == before


def test_strict_refuses_an_import_with_one_bad_row(county, tmp_path, capsys):
    path = _cases_csv(tmp_path / "病例.csv", ["确诊", "密接", "无症状", "待定", "次密接"])
    before = _state(county)

    err = _fails_in_one_line(capsys, ["import", county.path, path, "--layer", "cases", "--crs", "wgs84", "--strict"])

    assert "严格模式" in err and "1 行被拒绝" in err and "第 5 行" in err and "待定" in err
    assert _state(county) == before
    assert main(["import", str(county.path), str(path), "--layer", "cases", "--crs", "wgs84"]) == 0  # without it: 4 rows
    assert county.count("cases") == 4


def test_shapefile_cut_in_the_middle_is_named_incomplete(county, tmp_path, capsys):
    shp = _villages_shp(tmp_path / "村界.shp")
    assert main(["import", str(county.path), str(shp), "--layer", "admin_units", "--strict"]) == 0  # whole: fine
    assert county.count("admin_units") == 60
    capsys.readouterr()
    data = shp.read_bytes()
    shp.write_bytes(data[:len(data) // 2])
    before = _state(county)

    err = _fails_in_one_line(capsys, ["import", county.path, shp, "--layer", "admin_units"])

    assert "村界.shp" in err and "不完整或已损坏" in err
    assert _state(county) == before


def test_shapefile_shorter_than_its_index_says_is_named_damaged(county, tmp_path, capsys):
    """A .shp whose header length was rewritten to its cut size is still caught by the .shx offsets."""
    shp = _villages_shp(tmp_path / "村界.shp")
    data = bytearray(shp.read_bytes()[:2000])
    data[24:28] = struct.pack(">i", len(data) // 2)
    shp.write_bytes(bytes(data))
    before = _state(county)

    err = _fails_in_one_line(capsys, ["import", county.path, shp, "--layer", "admin_units"])

    assert "村界.shp" in err and ".shx" in err and _state(county) == before


def test_shapefile_with_its_index_cut_short_is_named_damaged(county, tmp_path, capsys):
    shp = _villages_shp(tmp_path / "村界.shp")
    shx = shp.with_suffix(".shx")
    shx.write_bytes(shx.read_bytes()[:300])

    err = _fails_in_one_line(capsys, ["import", county.path, shp, "--layer", "admin_units"])

    assert "村界.shx" in err and "不完整" in err and county.count("admin_units") == 0


def test_zipped_shapefile_cut_short_names_the_zip(county, tmp_path, capsys):
    _villages_shp(tmp_path / "村界.shp")
    archive = tmp_path / "村界.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("村界.*"):
            if part != archive:
                data = part.read_bytes()
                zipped.writestr(part.name, data[:len(data) // 3] if part.suffix == ".shp" else data)

    err = _fails_in_one_line(capsys, ["import", county.path, archive, "--layer", "admin_units"])

    assert "村界.zip" in err and "村界.shp" in err and "不完整" in err


def test_unreadable_file_is_one_line(county, tmp_path, capsys):
    path = tmp_path / "村界.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")

    err = _fails_in_one_line(capsys, ["import", county.path, path, "--layer", "admin_units"])

    assert "村界.geojson" in err and _state(county)[0]["admin_units"] == 0


def test_mapping_without_equals_is_one_line(county, tmp_path, capsys):
    path = _cases_csv(tmp_path / "病例.csv", ["确诊"])

    err = _fails_in_one_line(capsys, ["import", county.path, path, "--layer", "cases", "--crs", "wgs84", "--map", "类别"])

    assert "“类别”" in err and "列名=字段" in err and county.count("cases") == 0


def test_output_into_a_closed_pipe_ends_quietly(county):
    """`python main.py info X | head -c 1`: the reader is gone before the command writes."""
    process = subprocess.Popen([sys.executable, str(MAIN), "info", str(county.path), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=MAIN.parent)
    process.stdout.close()  # like head after its first byte, but before anything is written
    err = process.stderr.read().decode()
    process.wait(timeout=120)

    assert err == ""
    assert process.returncode == 1


def test_head_reads_the_first_line_and_the_command_ends_quietly(county):
    result = subprocess.run(f'"{sys.executable}" "{MAIN}" info "{county.path}" | head -c 1', shell=True,
                            capture_output=True, cwd=MAIN.parent, timeout=120)
    assert result.returncode == 0 and len(result.stdout) == 1 and result.stderr == b""
