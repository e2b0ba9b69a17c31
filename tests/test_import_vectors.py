"""Reading vector files: shapefile encodings, CRS, null geometries, KML folders, GeoPackage layers, errors."""

import json
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon, box

from data.importers.vectors import detect_dbf_encoding, read_vector
from gis.errors import UserError

VILLAGES = ["王庄村", "李家沟社区", "张湾村"]


def _villages(crs="EPSG:4547") -> gpd.GeoDataFrame:
    x0, y0 = 450_000, 3_380_000  # CGCS2000 / 3-degree GK CM 114E, near 113.5E 30.5N
    return gpd.GeoDataFrame(
        {"名称": VILLAGES, "人口": [1200, 3400, 560]},
        geometry=[box(x0 + i * 1000, y0, x0 + i * 1000 + 900, y0 + 900) for i in range(3)],
        crs=crs,
    )


@pytest.fixture
def gbk_shp(tmp_path):
    path = tmp_path / "村界.shp"
    pyogrio.write_dataframe(_villages(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def _write_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for f in files:
            archive.write(f, f.name)
    return path


def test_gbk_shapefile_without_cpg_is_detected(gbk_shp):
    dbf = gbk_shp.with_suffix(".dbf").read_bytes()
    assert "王庄村".encode("gbk") in dbf and "王庄村".encode() not in dbf
    assert dbf[29] != 0x4D  # no language-driver hint: detection must come from the bytes

    table = read_vector(gbk_shp)

    assert table.frame["名称"].tolist() == VILLAGES
    assert table.frame["人口"].tolist() == [1200, 3400, 560]
    assert table.frame.index.tolist() == [1, 2, 3]
    assert table.crs.crs.to_epsg() == 4547
    assert table.rejected == []
    zh, en = table.notes[0]
    assert "GBK" in zh and "自动识别" in zh and "detected" in en
    assert detect_dbf_encoding(gbk_shp) == ("GBK", "detected from DBF bytes")


def test_explicit_encoding_wins(gbk_shp):
    assert read_vector(gbk_shp, encoding="cp936").frame["名称"].tolist() == VILLAGES
    garbled = read_vector(gbk_shp, encoding="latin-1")
    assert garbled.frame.columns[0] != "名称"
    assert "ISO-8859-1" in garbled.notes[0][1]


def test_wrong_or_unknown_encoding_is_a_user_error(gbk_shp):
    with pytest.raises(UserError) as err:
        read_vector(gbk_shp, encoding="UTF-8")
    assert "UTF-8" in err.value.zh and "GBK" in err.value.zh
    with pytest.raises(UserError) as err:
        read_vector(gbk_shp, encoding="martian")
    assert "martian" in err.value.zh and "GBK" in err.value.zh and "UTF-8" in err.value.zh


def test_utf8_without_cpg_and_unrecognised_bytes(tmp_path):
    utf8 = tmp_path / "utf8.shp"
    pyogrio.write_dataframe(_villages(), utf8, encoding="UTF-8")
    utf8.with_suffix(".cpg").unlink()
    assert detect_dbf_encoding(utf8) == ("UTF-8", "detected from DBF bytes")
    assert read_vector(utf8).frame["名称"].tolist() == VILLAGES

    odd = tmp_path / "odd.shp"
    names = gpd.GeoDataFrame({"NAME": ["Café Müller"]}, geometry=[Point(0, 0)], crs=4490)
    pyogrio.write_dataframe(names, odd, encoding="ISO-8859-1")
    odd.with_suffix(".cpg").unlink()
    table = read_vector(odd)
    assert table.frame["NAME"].iloc[0] == "Café Müller"
    assert "ISO-8859-1" in table.notes[0][0] and "乱码" in table.notes[0][0]


def test_language_driver_byte_says_gbk(gbk_shp):
    dbf = gbk_shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x4D
    dbf.write_bytes(bytes(data))
    assert detect_dbf_encoding(gbk_shp)[0] == "GBK"
    assert read_vector(gbk_shp).frame["名称"].tolist() == VILLAGES


def test_upper_case_extensions(gbk_shp, tmp_path):
    folder = tmp_path / "upper"
    folder.mkdir()
    for f in tmp_path.glob("村界.*"):
        (folder / ("村界" + f.suffix.upper())).write_bytes(f.read_bytes())
    table = read_vector(folder / "村界.SHP")
    assert table.frame["名称"].tolist() == VILLAGES
    assert table.crs.crs.to_epsg() == 4547


def test_utf8_shapefile_with_cpg(tmp_path):
    path = tmp_path / "grids.shp"
    pyogrio.write_dataframe(_villages(4490).assign(geometry=[Point(113.5 + i / 100, 30.5) for i in range(3)]),
                            path, encoding="UTF-8")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "UTF-8"
    table = read_vector(path)
    assert table.frame["名称"].tolist() == VILLAGES
    assert table.crs.crs.to_epsg() == 4490
    assert ".cpg" in table.notes[0][1]


def test_cpg_with_code_page_number(gbk_shp):
    gbk_shp.with_suffix(".cpg").write_text("936")
    assert detect_dbf_encoding(gbk_shp) == ("GBK", "from the .cpg file")


def test_shapefile_without_prj_has_no_crs(gbk_shp):
    gbk_shp.with_suffix(".prj").unlink()
    table = read_vector(gbk_shp)
    assert table.crs is None
    assert table.frame["名称"].tolist() == VILLAGES


def test_invalid_polygon_is_kept(tmp_path):
    path = tmp_path / "bowtie.shp"
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    pyogrio.write_dataframe(gpd.GeoDataFrame({"名称": ["蝴蝶"]}, geometry=[bowtie], crs=4490), path)
    table = read_vector(path)
    assert len(table.frame) == 1 and not table.frame.geometry.iloc[0].is_valid


def test_missing_dbf_or_shx(gbk_shp):
    gbk_shp.with_suffix(".shx").unlink()
    with pytest.raises(UserError) as err:
        read_vector(gbk_shp)
    assert "村界.shx" in err.value.zh and "zip" in err.value.zh


def test_zipped_shapefile(gbk_shp, tmp_path):
    archive = _write_zip(tmp_path / "村界.zip", tmp_path.glob("村界.*"))
    table = read_vector(archive)
    assert table.frame["名称"].tolist() == VILLAGES
    assert table.crs.crs.to_epsg() == 4547


def test_zip_without_shp(tmp_path):
    readme = tmp_path / "说明.txt"
    readme.write_text("没有图层")
    archive = _write_zip(tmp_path / "资料.zip", [readme])
    with pytest.raises(UserError) as err:
        read_vector(archive)
    assert "资料.zip" in err.value.zh and ".shp" in err.value.zh


def test_geojson_null_geometry_is_rejected_with_feature_number(tmp_path):
    features = [
        {"type": "Feature", "properties": {"名称": name}, "geometry": {"type": "Point", "coordinates": [114.3, 30.6]}}
        for name in ("王庄村", "李家沟社区")
    ]
    features.insert(1, {"type": "Feature", "properties": {"名称": "缺坐标"}, "geometry": None})
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")

    table = read_vector(path)

    assert table.frame["名称"].tolist() == ["王庄村", "李家沟社区"]
    assert table.frame.index.tolist() == [1, 3]
    assert [p.row for p in table.rejected] == [2]
    assert "第 2 行" in table.rejected[0].message("zh")
    assert table.crs.crs.to_epsg() == 4326


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>防控</name>
<Folder><name>隔离点</name>
  <Placemark><name>王庄村隔离点</name><description>50间</description>
    <Point><coordinates>114.10,30.50</coordinates></Point></Placemark>
  <Placemark><name>李家沟社区隔离点</name><Point><coordinates>114.20,30.60</coordinates></Point></Placemark>
</Folder>
<Folder><name>封控区</name>
  <Placemark><name>张湾村封控区</name><Polygon><outerBoundaryIs><LinearRing>
    <coordinates>114.0,30.0 114.1,30.0 114.1,30.1 114.0,30.0</coordinates>
  </LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder>
</Document></kml>
"""


def _check_kml(table):
    frame = table.frame
    assert frame["name"].tolist() == ["王庄村隔离点", "李家沟社区隔离点", "张湾村封控区"]
    assert frame["folder"].tolist() == ["隔离点", "隔离点", "封控区"]
    assert frame["description"].iloc[0] == "50间"
    assert frame.geom_type.tolist() == ["Point", "Point", "Polygon"]
    assert table.crs.crs.to_epsg() == 4326
    assert any("隔离点" in zh and "封控区" in zh for zh, _ in table.notes)


def test_kml_folders(tmp_path):
    path = tmp_path / "防控.kml"
    path.write_text(KML, "utf-8")
    _check_kml(read_vector(path))
    assert read_vector(path, layer="封控区").frame["name"].tolist() == ["张湾村封控区"]


def test_kmz(tmp_path):
    path = tmp_path / "防控.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", KML.encode())
    _check_kml(read_vector(path))


def test_geopackage_layers(tmp_path):
    path = tmp_path / "底图.gpkg"
    villages = _villages(4490).assign(geometry=[Point(113.5 + i / 100, 30.5) for i in range(3)])
    pyogrio.write_dataframe(pd.DataFrame({"人口": [1]}), path, layer="统计表")
    pyogrio.write_dataframe(villages, path, layer="隔离点")
    pyogrio.write_dataframe(villages.iloc[:1], path, layer="网格")

    table = read_vector(path)
    assert table.frame["名称"].tolist() == VILLAGES
    assert table.crs.crs.to_epsg() == 4490
    assert "网格" in table.notes[0][0] and "统计表" in table.notes[0][0]
    assert read_vector(path, layer="网格").frame["名称"].tolist() == ["王庄村"]

    with pytest.raises(UserError) as err:
        read_vector(path, layer="病例")
    assert "病例" in err.value.zh and "隔离点" in err.value.zh and "网格" in err.value.zh


def test_geopackage_without_geometry(tmp_path):
    path = tmp_path / "表.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"人口": [1]}), path, layer="统计表")
    with pytest.raises(UserError, match="没有带图形的图层"):
        read_vector(path)


@pytest.mark.parametrize("name", ["坏.geojson", "坏.gpkg", "坏.kml", "坏.zip", "坏.kmz"])
def test_corrupt_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x00\x01 this is not a GIS file " * 20)
    with pytest.raises(UserError) as err:
        read_vector(path)
    assert name in err.value.zh and "损坏" in err.value.zh


@pytest.mark.parametrize("part", [".shp", ".dbf"])
def test_corrupt_shapefile(gbk_shp, part):
    gbk_shp.with_suffix(part).write_bytes(b"junk")
    with pytest.raises(UserError) as err:
        read_vector(gbk_shp)
    assert "村界" + part in err.value.zh and "损坏" in err.value.zh


def test_unsupported_and_missing_files(tmp_path):
    path = tmp_path / "表格.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(UserError, match="不支持"):
        read_vector(path)
    with pytest.raises(UserError, match="找不到"):
        read_vector(tmp_path / "无.shp")


def test_kml_extended_data_keeps_its_chinese_field_names(tmp_path):
    """GDAL's LIBKML turns non-ASCII ExtendedData names into underscores; they come back intact."""
    kml = tmp_path / "隔离点.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        '<Placemark><name>甲宾馆</name><ExtendedData><Data name="房间数"><value>80</value></Data>'
        '<Data name="状态"><value>启用</value></Data></ExtendedData>'
        "<Point><coordinates>112.6,35.1</coordinates></Point></Placemark></Document></kml>",
        encoding="utf-8",
    )
    table = read_vector(kml)
    row = table.frame.iloc[0]
    assert (row["name"], row["房间数"], row["状态"]) == ("甲宾馆", "80", "启用")
    assert not [c for c in table.frame.columns if set(str(c)) == {"_"}]
