"""``main.py print`` and ``main.py export`` end to end, outputs opened with independent tools."""

import re
import subprocess

import openpyxl
import pyogrio
import pytest
from PIL import Image

from data.reports import SHEETS
from data.zone_store import zone_record
from gis.zoning.shapes import circle_polygon
from main import main

MM_PER_PT = 25.4 / 72


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \u3000]+", " ", text)


def pdf_pages_and_size_mm(path) -> tuple[int, float, float]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    return pages, width * MM_PER_PT, height * MM_PER_PT


@pytest.fixture
def project_path(sample_project):
    with sample_project.transaction() as edit:
        edit.insert("control_zones", zone_record(circle_polygon(112.59, 35.09, 800), tier="sealed", kind="circle",
                                                 name="沁园封控圈"))
        edit.insert("control_zones", zone_record(circle_polygon(112.59, 35.09, 2500), tier="controlled",
                                                 kind="circle", name="沁园管控圈"))
    return str(sample_project.path)


def test_print_a3_landscape_pdf_with_title_and_exact_privacy(project_path, tmp_path, capsys):
    out = tmp_path / "map.pdf"
    assert main(["print", project_path, "--out", str(out), "--paper", "A3", "--landscape", "--title", "全县管控示意图",
                 "--privacy", "exact"]) == 0
    assert "已输出" in capsys.readouterr().out
    pages, width, height = pdf_pages_and_size_mm(out)
    assert pages == 1 and width == pytest.approx(420, abs=0.5) and height == pytest.approx(297, abs=0.5)
    text = pdf_text(out)
    assert "全县管控示意图" in text and "病例及密接（精确点位）" in text and "确诊病例" in text


def test_print_png_defaults_to_a4_portrait_at_300_dpi(project_path, tmp_path):
    out = tmp_path / "map.png"
    assert main(["print", project_path, "--out", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (2480, 3508)


def test_print_zone_atlas(project_path, tmp_path):
    out = tmp_path / "zones.pdf"
    assert main(["print", project_path, "--out", str(out), "--atlas", "zone"]) == 0
    pages, _, _ = pdf_pages_and_size_mm(out)
    assert pages == 3
    text = pdf_text(out)
    assert "沁园封控圈（封控区）管控区域图" in text and "沁园管控圈（管控区）管控区域图" in text


def test_print_errors_are_reported_in_chinese(project_path, tmp_path, capsys):
    assert main(["print", project_path, "--out", str(tmp_path / "atlas.png"), "--atlas", "town"]) == 2
    assert "错误：输出文件须以 .pdf 结尾" in capsys.readouterr().err
    assert main(["print", str(tmp_path / "missing.gpkg"), "--out", str(tmp_path / "m.pdf")]) == 2
    assert "找不到项目文件" in capsys.readouterr().err


@pytest.mark.parametrize("fmt, name, extra", [
    ("geojson", "zones.geojson", []),
    ("geojson", "sites.geojson", ["--layer", "isolation_sites", "--gcj02"]),
    ("kml", "zones.kml", ["--layer", "control_zones", "--layer", "facilities"]),
    ("gpkg", "copy.gpkg", []),
])
def test_export_vector_formats_read_back(project_path, sample_project, tmp_path, fmt, name, extra):
    out = tmp_path / name
    assert main(["export", project_path, "--format", fmt, "--out", str(out), *extra]) == 0
    if fmt == "kml":
        counts = {layer: len(pyogrio.read_dataframe(out, layer=layer)) for layer, _ in pyogrio.list_layers(out)}
        assert counts == {"管控区域": 2, "防疫设施": sample_project.count("facilities")}
    elif fmt == "gpkg":
        assert len(pyogrio.read_dataframe(out, layer="cases")) == sample_project.count("cases")
    else:
        layer = extra[1] if extra else "control_zones"
        assert len(pyogrio.read_dataframe(out)) == sample_project.count(layer)


def test_export_xlsx_report(project_path, tmp_path):
    out = tmp_path / "briefing.xlsx"
    assert main(["export", project_path, "--format", "xlsx", "--out", str(out)]) == 0
    assert tuple(openpyxl.load_workbook(out).sheetnames) == SHEETS


def test_export_command_offers_every_export_format():
    from data.commands.export import FORMATS
    from data.exports import EXPORT_FORMATS

    assert FORMATS == EXPORT_FORMATS


def test_export_rejects_two_layers_for_geojson(project_path, tmp_path, capsys):
    code = main(["export", project_path, "--format", "geojson", "--out", str(tmp_path / "x.geojson"),
                 "--layer", "cases", "--layer", "grids"])
    assert code == 2 and "一个图层" in capsys.readouterr().err
