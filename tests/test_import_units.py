"""Units and grids from a county's real files: levels, parents, towns built from villages, generated codes,
duplicate and empty codes reported by row, grids linked to the village they lie in.

Fixtures are what a county GIS office hands over: GBK shapefiles without .cpg in CGCS2000 3-degree
Gauss-Krüger (EPSG:4547), Chinese headers, usually no codes, for a made-up county near 113.4E 33.6N.
"""

import sqlite3

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Transformer
from shapely.geometry import box

from data.importers.duplicates import DuplicatesFound
from data.importers.pipeline import import_file
from data.project import Project
from data.schema import SCHEMA_VERSION
from gis.crs import STORAGE_CRS

COUNTY = "410422"
KM = 1000.0
_TO_GK = Transformer.from_crs(4490, 4547, always_xy=True)
X0, Y0 = _TO_GK.transform(113.4, 33.6)

# 村界: town name column, village/community names, population; 2 km squares in a row, west to east
VILLAGES = [("叶邑镇", "王庄村", 1200), ("叶邑镇", "李庄村", 900), ("叶邑镇", "张湾村", 700),
            ("仙台镇", "北街村", 1500), ("仙台镇", "南街村", 1100),
            ("昆阳街道", "东关社区", 5200), ("昆阳街道", "西关社区居委会", 4800)]
TOWN_OF = {"王庄村": "叶邑镇", "李庄村": "叶邑镇", "张湾村": "叶邑镇", "北街村": "仙台镇", "南街村": "仙台镇",
           "东关社区": "昆阳街道", "西关社区居委会": "昆阳街道"}


def square(i: int, j: int = 0, size: float = 2 * KM):
    return box(X0 + i * 2 * KM, Y0 + j * 2 * KM, X0 + i * 2 * KM + size, Y0 + j * 2 * KM + size)


def write_gbk_shapefile(path, columns: dict, geoms):
    """A shapefile as county offices have them: GBK text, EPSG:4547, no .cpg beside it."""
    frame = gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:4547")
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def write_village_file(path, villages=VILLAGES):
    """村界: a town name, a village name and a population per row; 2 km squares in a row, west to east."""
    return write_gbk_shapefile(path, {
        "乡镇": [t for t, _, _ in villages], "村名": [v for _, v, _ in villages], "人口": [p for _, _, p in villages],
    }, [square(i) for i in range(len(villages))])


@pytest.fixture
def village_file(tmp_path):
    return write_village_file(tmp_path / "村界.shp")


def county_project(path, *, with_county: bool) -> Project:
    project = Project.create(path, name="叶县", county_code=COUNTY)
    if with_county:
        outline = box(113.3, 33.5, 113.7, 33.75)
        with project.transaction() as edit:
            edit.insert("admin_units", gpd.GeoDataFrame({"code": [COUNTY], "name": ["叶县"], "level": ["county"]},
                                                        geometry=[outline], crs=STORAGE_CRS))
    return project


def _units(project: Project):
    return project.read_layer("admin_units").set_index("name")


@pytest.mark.parametrize("with_county", [True, False], ids=["county outline", "no county unit"])
def test_villages_without_codes_build_their_towns(tmp_path, village_file, with_county):
    project = county_project(tmp_path / "叶县.gpkg", with_county=with_county)

    report = import_file(project, "admin_units", village_file)

    units = _units(project)
    assert report.imported == len(VILLAGES) and report.rejected == []
    assert len(units) == len(VILLAGES) + 3 + with_county
    assert units.loc["王庄村", "level"] == "village" and units.loc["南街村", "level"] == "village"
    assert units.loc["东关社区", "level"] == "community" and units.loc["西关社区居委会", "level"] == "community"
    for town in ("叶邑镇", "仙台镇", "昆阳街道"):
        assert units.loc[town, "level"] == "town" and units.loc[town, "code_generated"] == 1
        parent = units.loc[town, "parent_code"]
        assert parent == COUNTY if with_county else pd.isna(parent)
    for village, town in TOWN_OF.items():
        assert units.loc[village, "parent_code"] == units.loc[town, "code"]
    # each town is its villages dissolved: same area, one piece, population summed
    for town in ("叶邑镇", "仙台镇", "昆阳街道"):
        members = units[units["parent_code"] == units.loc[town, "code"]]
        outline = units.loc[town, "geometry"]
        assert len(shapely.get_parts(outline)) == 1
        assert outline.area == pytest.approx(shapely.union_all(members.geometry.values).area, rel=1e-9)
        assert units.loc[town, "population"] == members["population"].sum()
    assert units.loc["叶邑镇", "population"] == 1200 + 900 + 700
    imported = units[units["level"] != "county"]
    assert imported["code"].is_unique and imported["code"].notna().all()
    assert (imported["code_generated"] == 1).all()
    lines = "\n".join(report.lines("zh"))
    assert "生成 3 个乡镇" in lines and "叶邑镇" in lines and "已为 7 个单元生成代码" in lines
    assert "第 " not in lines  # a file without a code column is not reported row by row


def test_a_town_built_from_villages_has_no_holes_where_their_outlines_do_not_quite_meet(tmp_path):
    # four villages meeting at a corner, each drawn 10 m short of it: a 20 m hole inside the town
    notch = box(X0 + 1990, Y0 + 1990, X0 + 2010, Y0 + 2010)
    lake = box(X0 + 500, Y0 + 500, X0 + 1500, Y0 + 1500)  # a real hole: 1 km², not part of any village
    squares = [square(0, 0).difference(notch).difference(lake), square(1, 0).difference(notch),
               square(0, 1).difference(notch), square(1, 1).difference(notch)]
    path = write_gbk_shapefile(tmp_path / "村界.shp", {"乡镇": ["叶邑镇"] * 4, "村名": ["甲村", "乙村", "丙村", "丁村"]},
                                squares)
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)

    import_file(project, "admin_units", path)

    town = _units(project).loc["叶邑镇", "geometry"]
    rings = [list(p.interiors) for p in shapely.get_parts(town)]
    assert len(rings) == 1 and len(rings[0]) == 1  # the lake stays, the gap is gone
    assert shapely.Polygon(rings[0][0]).area > 100 * shapely.area(gpd.GeoSeries([notch], crs="EPSG:4547")
                                                                  .to_crs(STORAGE_CRS).iloc[0])


@pytest.mark.parametrize("header", ["所属乡镇", "街道"])
def test_town_names_under_other_headers_build_towns_too(tmp_path, header):
    # "所属乡镇" is taken for the parent code column: its values are names, not codes
    towns = ["第一镇", "第一镇", "城关街道"]
    path = write_gbk_shapefile(tmp_path / "村界.shp", {header: towns, "名称": ["王庄村", "李庄村", "东关社区"]},
                                [square(0), square(1), square(2)])
    project = county_project(tmp_path / "叶县.gpkg", with_county=False)

    import_file(project, "admin_units", path)

    units = _units(project)
    assert units.loc[["第一镇", "城关街道"], "level"].tolist() == ["town", "town"]
    assert units.loc["王庄村", "parent_code"] == units.loc["李庄村", "parent_code"] == units.loc["第一镇", "code"]
    assert units.loc["东关社区", "parent_code"] == units.loc["城关街道", "code"]


def test_generated_codes_are_the_same_when_the_file_is_imported_again(tmp_path, village_file):
    codes = []
    for name in ("first.gpkg", "second.gpkg"):
        project = county_project(tmp_path / name, with_county=True)
        import_file(project, "admin_units", village_file)
        units = project.read_layer("admin_units")
        codes.append(sorted(zip(units["name"], units["code"], units["parent_code"].fillna(""), strict=True)))
    assert codes[0] == codes[1]
    assert dict((n, c) for n, c, _ in codes[0])["王庄村"].startswith(COUNTY)


def test_importing_the_same_villages_twice_finds_them_instead_of_adding_a_second_copy(tmp_path, village_file):
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)
    import_file(project, "admin_units", village_file)
    first = project.read_layer("admin_units")

    with pytest.raises(DuplicatesFound) as refused:
        import_file(project, "admin_units", village_file)
    # without codes, each village is found by its name, level and town (the town found by containment)
    assert refused.value.count == len(VILLAGES) and refused.value.names[:3] == ["王庄村", "李庄村", "张湾村"]
    assert_geodataframe_equal(project.read_layer("admin_units"), first)

    again = import_file(project, "admin_units", village_file, on_duplicate="skip")

    assert (again.imported, again.skipped) == (0, len(VILLAGES))
    assert_geodataframe_equal(project.read_layer("admin_units"), first)  # no town is built again either
    assert not any("生成" in line for line in again.lines("zh")[1:-1])  # nothing generated is reported


def test_division_codes_give_levels_and_parents(tmp_path):
    # a town and its villages with 12-digit codes; names that say nothing about the level
    path = write_gbk_shapefile(tmp_path / "区划.shp", {
        "区划代码": ["410422101000", "410422101201", "410422101001", "410422102203"],
        "名称": ["叶邑", "王庄", "东关社区", "北街"],
    }, [box(X0, Y0, X0 + 6 * KM, Y0 + 2 * KM), square(0), square(1), square(3)])
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)

    import_file(project, "admin_units", path)

    units = _units(project)
    assert units.loc["叶邑", ["level", "parent_code"]].tolist() == ["town", COUNTY]  # the county is stored as 410422
    assert units.loc["王庄", ["level", "parent_code"]].tolist() == ["village", "410422101000"]
    assert units.loc["东关社区", ["level", "parent_code"]].tolist() == ["community", "410422101000"]
    # its town is not in the project: the code still says which town it is
    assert units.loc["北街", ["level", "parent_code"]].tolist() == ["village", "410422102000"]
    assert (units["code_generated"] == 0).all()
    assert units.loc["王庄", "code"] == "410422101201"


def test_duplicate_and_empty_codes_are_replaced_and_reported_by_row_a_code_in_the_project_is_that_unit(tmp_path):
    path = write_gbk_shapefile(tmp_path / "村界.shp", {
        "区划代码": ["410422101000", "410422101201", "410422101201", None, "410422101202"],
        "名称": ["叶邑镇", "王庄村", "李庄村", "张湾村", "南街村"],
    }, [box(X0, Y0, X0 + 8 * KM, Y0 + 2 * KM), square(0), square(1), square(2), square(3)])
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)
    with project.transaction() as edit:  # an earlier import holds 410422101202
        edit.insert("admin_units", gpd.GeoDataFrame(
            {"code": ["410422101202"], "name": ["旧南街村"], "level": ["village"]},
            geometry=[shapely.Point(113.9, 33.9).buffer(0.01)], crs=STORAGE_CRS))

    report = import_file(project, "admin_units", path, on_duplicate="skip")

    units = project.read_layer("admin_units")
    assert (report.imported, report.skipped) == (4, 1) and units["code"].is_unique
    by_name = units.set_index("name")
    assert by_name.loc["旧南街村", "code"] == "410422101202" and "南街村" not in by_name.index
    lines = report.lines("zh")
    li, zhang = by_name.loc["李庄村", "code"], by_name.loc["张湾村", "code"]
    assert f"第 3 行：代码 410422101201 与第 2 行重复，已改为生成代码 {li}" in lines
    assert f"第 4 行：代码为空，已生成代码 {zhang}" in lines
    assert "1 个要素已在项目中（如 南街村）：已跳过，未作改动。" in lines
    # replacements stay under their town: the code prefix (or containment, for the empty one) says which
    assert {li, zhang} == {"410422101000-001", "410422101000-002"}
    assert by_name.loc[["李庄村", "张湾村"], "code_generated"].tolist() == [1, 1]
    assert by_name.loc[["叶邑镇", "王庄村"], "code_generated"].tolist() == [0, 0]
    assert set(by_name.loc[["李庄村", "张湾村"], "parent_code"]) == {"410422101000"}
    assert f"row 3: code 410422101201 repeats row 2; replaced by generated code {li}" in report.lines("en")


def test_villages_find_their_town_by_containment_and_levels_come_from_a_mapped_column(tmp_path):
    towns = write_gbk_shapefile(tmp_path / "乡镇界.shp", {"名称": ["叶邑镇", "仙台镇"]},
                                 [box(X0, Y0, X0 + 6 * KM, Y0 + 2 * KM), box(X0 + 6 * KM, Y0, X0 + 10 * KM, Y0 + 2 * KM)])
    villages = write_gbk_shapefile(tmp_path / "村.shp", {"名称": ["王庄", "北街", "东关"], "级别": ["村", "村", "社区"]},
                                    [square(1, size=1.5 * KM), square(3, size=1.5 * KM), square(4, size=1.5 * KM)])
    project = county_project(tmp_path / "叶县.gpkg", with_county=False)
    import_file(project, "admin_units", towns)

    report = import_file(project, "admin_units", villages)

    units = _units(project)
    assert units.loc[["王庄", "北街", "东关"], "level"].tolist() == ["village", "village", "community"]
    assert units.loc["王庄", "parent_code"] == units.loc["叶邑镇", "code"]
    assert units.loc["北街", "parent_code"] == units.loc["仙台镇", "code"]
    assert units.loc["东关", "parent_code"] == units.loc["仙台镇", "code"]
    assert units.loc["王庄", "code"].startswith(units.loc["叶邑镇", "code"] + "-")
    assert any("按级别列 3 个" in line for line in report.lines("zh"))
    assert any("按空间包含 3 个" in line for line in report.lines("zh"))


def test_grids_without_unit_code_are_linked_to_the_village_they_lie_in(tmp_path, village_file):
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)
    import_file(project, "admin_units", village_file)
    # two grids in each of the first three villages, one south of every village, one code given twice
    geoms = [box(X0 + i * KM, Y0 + 0.2 * KM, X0 + (i + 1) * KM, Y0 + 1.8 * KM) for i in range(6)]
    geoms.append(box(X0, Y0 - 3 * KM, X0 + KM, Y0 - 2 * KM))
    codes = ["WG01", "WG02", "WG03", "WG03", "WG05", "WG06", "WG07"]
    path = write_gbk_shapefile(tmp_path / "网格.shp", {"网格编码": codes, "网格名称": [f"第{i}网格" for i in range(1, 8)]},
                                geoms)

    report = import_file(project, "grids", path)

    grids = project.read_layer("grids").set_index("name")
    villages = _units(project)["code"]
    expected = ["王庄村", "王庄村", "李庄村", "李庄村", "张湾村", "张湾村"]
    assert grids["unit_code"].tolist()[:6] == [villages[v] for v in expected]
    assert pd.isna(grids.loc["第7网格", "unit_code"])
    assert grids["code"].is_unique
    replaced = grids.loc["第4网格", "code"]
    assert replaced.startswith(villages["李庄村"] + "-") and grids.loc["第4网格", "code_generated"] == 1
    assert grids.loc["第3网格", ["code", "code_generated"]].tolist() == ["WG03", 0]
    lines = report.lines("zh")
    assert f"第 4 行：代码 WG03 与第 3 行重复，已改为生成代码 {replaced}" in lines
    assert any("7 个网格未填所属村社区代码：6 个按所在村（社区）填入，1 个不在任何村（社区）内" in line for line in lines)


def test_grids_without_any_code_get_generated_codes_under_their_village(tmp_path, village_file):
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)
    import_file(project, "admin_units", village_file)
    geoms = [box(X0 + i * KM, Y0 + 0.2 * KM, X0 + (i + 1) * KM, Y0 + 1.8 * KM) for i in range(4)]
    names = ["第1网格", "第2网格", "第3网格", ""]
    path = write_gbk_shapefile(tmp_path / "网格.shp", {"网格名称": names}, geoms)

    report = import_file(project, "grids", path)

    assert report.imported == 4 and not report.rejected
    grids = project.read_layer("grids").sort_index()
    villages = _units(project)["code"]
    assert grids["code"].is_unique and (grids["code_generated"] == 1).all()
    assert grids["code"].iloc[0] == villages["王庄村"] + "-001" and grids["code"].iloc[1] == villages["王庄村"] + "-002"
    assert grids["code"].iloc[2].startswith(villages["李庄村"] + "-")


def test_older_projects_gain_the_generated_code_flag_on_open(tmp_path):
    project = Project.create(tmp_path / "old.gpkg", name="叶县", county_code=COUNTY)
    project.close()
    with sqlite3.connect(tmp_path / "old.gpkg") as conn:  # as schema version 2 wrote it
        for layer in ("admin_units", "grids"):
            conn.execute(f"ALTER TABLE {layer} DROP COLUMN code_generated")
        conn.execute("UPDATE cordon_meta SET value='2' WHERE key='schema_version'")
    conn.close()

    reopened = Project.open(tmp_path / "old.gpkg")

    assert reopened.metadata["schema_version"] == SCHEMA_VERSION
    assert "code_generated" in reopened.read_layer("admin_units").columns
    assert "code_generated" in reopened.read_layer("grids").columns
