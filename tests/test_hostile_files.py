"""Hostile files: every one gets a one-line error (exit 2, the project unchanged) or per-row rejections, never a
traceback, and none can eat the memory. The corpus is generated here: bit flips and truncations of a GBK
shapefile in a Gauss-Krüger CRS, broken workbooks, XXE and billion laughs in XLSX and KML, zip and KMZ bombs
(1.1 GB of zeros written in chunks), unclosed rings, NaN/Infinity/1e308 coordinates and numbers, a huge
single line and mixed encodings in CSV."""

import random
import resource
import shutil
import struct
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely

from data.project import Project
from main import main

BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10)) + "]>\n")
XXE = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
BOMB_BYTES = 1100 * 1024 ** 2


@pytest.fixture
def county(tmp_path):
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    yield project
    project.close()


def _state(project):
    return {name: project.count(name) for name in ("admin_units", "grids", "cases", "isolation_sites", "audit_log")}


def _import(capsys, project, path, layer, *extra) -> tuple[int, str]:
    """Run the CLI import; it must not raise, a failure must be one line leaving the project as it was."""
    capsys.readouterr()
    before = _state(project)
    code = main(["import", str(project.path), str(path), "--layer", layer, *map(str, extra)])
    out, err = capsys.readouterr()
    assert code in (0, 2), (path.name, code, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("错误：") and err.count("\n") == 1 and not out, err
        assert _state(project) == before, err
    else:
        assert out.startswith("导入到"), out
    return code, out + err


def _villages(folder: Path, count=20) -> Path:
    """Village outlines near 叶县 in CGCS2000 / 3-degree GK CM 114E, GBK names, no .cpg."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [shapely.box(113.30 + (i % 5) * 0.012, 33.55 + (i // 5) * 0.012,
                         113.31 + (i % 5) * 0.012, 33.56 + (i // 5) * 0.012) for i in range(count)]
    frame = gpd.GeoDataFrame({"村名": [f"第{i}村" for i in range(count)], "人口": [100 + i for i in range(count)]},
                             geometry=cells, crs=4490).to_crs(4547)
    path = folder / "村界.shp"
    frame.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def _cases_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["类别", "经度", "纬度"])
    for i in range(5):
        sheet.append(["确诊", 113.35 + i * 0.01, 33.58])
    book.save(path)
    return path


def _rewrite_zip(source: Path, target: Path, change) -> Path:
    """Copy a zip, passing every (name, bytes) through ``change`` (None drops the member)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def test_bit_flips_and_truncations_of_a_shapefile_never_raise(county, tmp_path, capsys):
    original = _villages(tmp_path / "original")
    rng = random.Random(11)
    outcomes = {0: 0, 2: 0}
    for variant in range(60):
        folder = tmp_path / f"v{variant}"
        shutil.copytree(original.parent, folder)
        part = folder / f"村界{rng.choice(['.shp', '.dbf', '.shx'])}"
        data = bytearray(part.read_bytes())
        if variant % 3 == 0:
            data = data[:rng.randrange(len(data))]
        else:
            for offset in rng.sample(range(len(data)), k=min(len(data), 1 + variant % 8)):
                data[offset] ^= 1 << rng.randrange(8)
        part.write_bytes(bytes(data))
        code, _ = _import(capsys, county, folder / "村界.shp", "admin_units", "--on-duplicate", "update")
        outcomes[code] += 1
    assert outcomes[2] >= 15 and outcomes[0] >= 5  # truncations fail, most single flips in text still import


def test_dbf_claiming_billions_of_records_is_refused_before_reading(county, tmp_path, capsys):
    shp = _villages(tmp_path / "dbf")
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[4:8] = struct.pack("<I", 3_000_000_000)
    dbf.write_bytes(bytes(data))

    code, err = _import(capsys, county, shp, "admin_units")

    assert code == 2 and "村界.dbf" in err and "3000000000 条记录" in err


@pytest.mark.parametrize("damage", ["no sheet", "garbled sheet", "garbled strings", "bad zip", "billion laughs", "xxe"])
def test_broken_and_hostile_workbooks_fail_in_one_line(county, tmp_path, capsys, damage):
    good = _cases_book(tmp_path / "good.xlsx")
    path = tmp_path / "病例.xlsx"
    sheet = "xl/worksheets/sheet1.xml"
    if damage == "bad zip":
        path.write_bytes(good.read_bytes()[:700])
    else:
        def change(name, data):
            if name != sheet:
                return data
            if damage == "no sheet":
                return None
            if damage == "garbled sheet":
                return data[: len(data) // 2] + b"<<<\x00garbage"
            body = data.split(b"?>", 1)[-1].replace(b"<v>113.35</v>", b"<v>&lol9;</v>" if damage == "billion laughs"
                                                     else b"<v>&xxe;</v>")
            return (BILLION_LAUGHS if damage == "billion laughs" else XXE).encode() + body
        if damage == "garbled strings":
            def change(name, data):  # noqa: F811 - the shared strings part instead of the sheet
                return b"\xff\xfe<sst" if name == "xl/sharedStrings.xml" else data
        _rewrite_zip(good, path, change)
    started = time.monotonic()

    code, err = _import(capsys, county, path, "cases", "--crs", "wgs84")

    assert time.monotonic() - started < 10
    assert "root:" not in err  # the entity was never expanded into the file's content
    if damage not in ("garbled strings",):
        assert code == 2 and "病例.xlsx" in err


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, XXE])
def test_entities_in_kml_are_not_expanded(county, tmp_path, capsys, attack):
    entity = "&lol9;" if attack == BILLION_LAUGHS else "&xxe;"
    kml = (attack + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>' + entity
           + "</name><Point><coordinates>113.35,33.58</coordinates></Point></Placemark></Document></kml>")
    path = tmp_path / "设施.kml"
    path.write_text(kml, encoding="utf-8")
    started = time.monotonic()

    code, out = _import(capsys, county, path, "facilities", "--map", "Name=name")

    assert time.monotonic() - started < 10 and "root:" not in out
    assert "lollollol" not in out


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 5 MB zip holding 1.1 GB of zeros as doc.kml and as a shapefile's .dbf (one member each way)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    shp = _villages(tmp_path_factory.mktemp("bomb-shp"))
    block = b"\0" * (1 << 24)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.write(shp, "村界.shp")
        archive.write(shp.with_suffix(".shx"), "村界.shx")
        with archive.open("村界.dbf", "w", force_zip64=True) as member:
            for _ in range(BOMB_BYTES // len(block)):
                member.write(block)
        archive.writestr("doc.kml", archive.read("村界.dbf")[:0] + b"<kml/>")
    return path


@pytest.mark.parametrize("suffix", [".zip", ".kmz"])
def test_zip_and_kmz_bombs_are_refused_with_their_sizes(county, tmp_path, capsys, bomb, suffix):
    path = tmp_path / f"村界{suffix}"
    shutil.copy(bomb, path)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    code, err = _import(capsys, county, path, "admin_units")

    assert code == 2 and "解压后共 1.1 GB" in err and "超过上限 1.0 GB" in err
    assert time.monotonic() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 100 * 1024  # KB: under 100 MB more


def test_geojson_with_unclosed_rings_and_absurd_numbers(county, tmp_path, capsys):
    ring = "[[113.30,33.55],[113.31,33.55],[113.31,33.56],[113.30,33.56],[113.30,33.55]]"
    open_ring = "[[113.32,33.55],[113.33,33.55],[113.33,33.56],[113.32,33.56]]"
    features = [
        ("甲村", "120", ring), ("乙村", "130", open_ring), ("丙村", "1e308", ring), ("丁村", "NaN", ring),
        ("戊村", "9e18", ring), ("己村", "140", "[[[1e308,1e308],[1e308,0],[0,0],[1e308,1e308]]]"[1:-1]),
    ]
    text = '{"type":"FeatureCollection","features":[' + ",".join(
        f'{{"type":"Feature","properties":{{"name":"{name}","population":"{pop}"}},'
        f'"geometry":{{"type":"Polygon","coordinates":[{coords}]}}}}' for name, pop, coords in features) + "]}"
    path = tmp_path / "村.geojson"
    path.write_text(text, encoding="utf-8")

    code, out = _import(capsys, county, path, "admin_units")

    assert code in (0, 2)
    if code == 0:
        assert "第 3 行" in out and "第 4 行" in out and "第 5 行" in out  # population 1e308, NaN, 9e18
        assert county.count("admin_units") <= 3


def test_csv_with_non_finite_coordinates_numbers_and_far_dates(county, tmp_path, capsys):
    lines = ["名称,房间数,经度,纬度"] + [
        "甲酒店,20,113.35,33.58", "乙酒店,20,NaN,33.58", "丙酒店,20,Infinity,33.58", "丁酒店,20,1e308,1e308",
        "戊酒店,9e18,113.36,33.58", "己酒店,inf,113.36,33.58", "庚酒店,30,113.37,33.59",
    ]
    path = tmp_path / "隔离点.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, out = _import(capsys, county, path, "isolation_sites", "--crs", "wgs84")

    assert code == 0 and county.count("isolation_sites") == 2
    for row in (3, 4, 5, 6, 7):
        assert f"第 {row} 行" in out

    dates = tmp_path / "病例.csv"
    dates.write_text("类别,报告时间,经度,纬度\n确诊,2999-12-31,113.35,33.58\n确诊,1066-10-14,113.35,33.58\n"
                     "确诊,2026-11-05 08:30,113.35,33.58\n", encoding="utf-8")
    code, out = _import(capsys, county, dates, "cases", "--crs", "wgs84")
    assert code == 0 and "第 2 行" in out and "第 3 行" in out and county.count("cases") == 1


def test_csv_with_a_huge_single_line_and_mixed_encodings(county, tmp_path, capsys):
    huge = tmp_path / "病例.csv"
    huge.write_bytes("类别,经度,纬度\n确诊,113.35,33.58\n".encode() + b"x" * (8 * 1024 ** 2))
    code, _ = _import(capsys, county, huge, "cases", "--crs", "wgs84")
    quoted = tmp_path / "病例2.csv"
    quoted.write_bytes("类别,经度,纬度\n确诊,113.35,33.58\n".encode() + b'"' + b"y" * (8 * 1024 ** 2) + b'",1,2\n')
    _import(capsys, county, quoted, "cases", "--crs", "wgs84")

    mixed = tmp_path / "病例3.csv"
    mixed.write_bytes("类别,经度,纬度\n确诊,113.35,33.58\n".encode() + "密接,113.36,33.58\n".encode("gbk")
                      + b"\xff\xfe\x00\x81,113.37,33.58\n")
    _import(capsys, county, mixed, "cases", "--crs", "wgs84")


@pytest.mark.parametrize("argv", [["zones", "{p}", "propose", "--days", "1000000000"],
                                  ["import", "{p}", "{csv}", "--layer", "cases", "--map", "类别"]])
def test_absurd_command_arguments_fail_in_one_line(county, tmp_path, capsys, argv):
    path = tmp_path / "病例.csv"
    path.write_text("类别,经度,纬度\n确诊,113.35,33.58\n", encoding="utf-8")
    before = _state(county)

    assert main([a.format(p=county.path, csv=path) for a in argv]) == 2

    out, err = capsys.readouterr()
    assert err.startswith("错误：") and err.count("\n") == 1 and not out and _state(county) == before
