"""A county that is not the sample, from files shaped like the ones a county really has: a project started
from the county's code, villages from a GBK shapefile without ``.cpg`` and without codes in Gauss-Krüger
metres, isolation sites from a GCJ-02 Excel sheet, cases from a GBK CSV written with 确诊/无症状/密接;
then the map, zones, statistics, capacity, print and export, each as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from data.project import Project
from gis.offsets import wgs84_to_gcj02
from main import main

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "410422"  # 叶县, 平顶山市, 河南省
AS_OF = "2026-11-28"
TOWNS = ("昆阳街道", "廉村镇", "任店镇", "夏李乡")
GK_114 = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger, central meridian 114°E, no zone prefix


def village_blocks(county) -> gpd.GeoDataFrame:
    """Villages tiling the county in a 7 x 7 grid (cells mostly inside it), a town per quadrant, in EPSG:4547."""
    outline = gpd.GeoSeries([county], crs="EPSG:4490").to_crs(GK_114).iloc[0]
    minx, miny, maxx, maxy = outline.bounds
    xs, ys = np.linspace(minx, maxx, 8), np.linspace(miny, maxy, 8)
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    rows = []
    for i in range(7):
        for j in range(7):
            cell = shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
            part = cell.intersection(outline)
            if part.area < 0.6 * cell.area:
                continue
            centre = part.representative_point()
            town = TOWNS[(centre.x > midx) + 2 * (centre.y > midy)]
            n = len(rows)
            name = f"幸福{n}社区" if n % 5 == 0 else f"张庄{n}村"
            rows.append({"村名": name, "乡镇": town, "人口": 1000 + 37 * n, "geometry": part})
    return gpd.GeoDataFrame(rows, crs=GK_114)


def write_gbk_shapefile(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert "张庄".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    return path


def in_cgcs(frame: gpd.GeoDataFrame, i: int):
    """The inner point of village ``i`` in CGCS2000 (≈ WGS84 to centimetres)."""
    return gpd.GeoSeries([frame.geometry.iloc[i].representative_point()], crs=GK_114).to_crs("EPSG:4490").iloc[0]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The project after `new --county` and the three imports, with the truth the files were made from."""
    folder = tmp_path_factory.mktemp("yexian")
    project_path = folder / "叶县.gpkg"
    assert main(["new", str(project_path), "--county", COUNTY]) == 0
    outline = Project.open(project_path).county_outline()
    villages = village_blocks(outline)
    shp = write_gbk_shapefile(villages, folder / "村界.shp")

    hot = [0, len(villages) // 2]  # infections in these two villages
    site_villages = [1, len(villages) // 3, len(villages) - 2]
    site_truth = [in_cgcs(villages, i) for i in site_villages]
    lon, lat = wgs84_to_gcj02(np.array([p.x for p in site_truth]), np.array([p.y for p in site_truth]))
    sites = pd.DataFrame({"名称": ["县宾馆隔离点", "廉村镇卫生院隔离点", "任店镇中学隔离点"], "地址": ["县城", "廉村", "任店"],
                          "房间数": [120, 60, 40], "已用房间": [30, 10, 0], "状态": ["启用", "启用", "备用"],
                          "经度": lon, "纬度": lat})
    xlsx = folder / "隔离点.xlsx"
    sites.to_excel(xlsx, index=False)

    case_rows = []
    for k, (village, category) in enumerate([(hot[0], "确诊"), (hot[0], "确诊"), (hot[0], "无症状"),
                                             (hot[1], "确诊"), (hot[1], "无症状"),
                                             (hot[0], "密接"), (hot[0], "密接"), (hot[1], "密接"),
                                             (hot[1], "密接"), (hot[1], "密接"), (hot[1], "次密接")]):
        p = in_cgcs(villages, village)
        case_rows.append({"编号": f"YX{k:03d}", "类别": category, "报告日期": f"2026-11-{25 + k % 4}",
                          "状态": "住院" if category in ("确诊", "无症状") else "集中隔离",
                          "经度": round(p.x + 0.0002 * (k % 3), 6), "纬度": round(p.y + 0.0002 * (k % 2), 6)})
    cases = pd.DataFrame(case_rows)
    csv = folder / "病例.csv"
    cases.to_csv(csv, index=False, encoding="gbk")

    assert main(["import", str(project_path), str(shp), "--layer", "admin_units"]) == 0
    assert main(["import", str(project_path), str(xlsx), "--layer", "isolation_sites", "--crs", "gcj02"]) == 0
    assert main(["import", str(project_path), str(csv), "--layer", "cases", "--crs", "wgs84"]) == 0
    return {"path": project_path, "folder": folder, "villages": villages, "hot": hot, "sites": site_truth,
            "cases": cases}


def test_county_project_holds_every_imported_row_in_place(county):
    project = Project.open(county["path"])
    villages = county["villages"]
    assert project.metadata["name"] == "叶县" and project.metadata["county_code"] == COUNTY

    units = project.read_layer("admin_units")
    by_level = units["level"].value_counts().to_dict()
    assert by_level.get("county") == 1
    assert by_level.get("town") == len(TOWNS)  # dissolved from the 乡镇 column
    assert by_level.get("village", 0) + by_level.get("community", 0) == len(villages)
    assert units["code"].notna().all() and units["code"].is_unique
    towns = units[units["level"] == "town"].set_index("name")
    lower = units[units["level"].isin(["village", "community"])]
    expected_town = dict(zip(villages["村名"], villages["乡镇"], strict=True))
    for _, row in lower.iterrows():
        assert row["parent_code"] == towns.loc[expected_town[row["name"]], "code"]
    assert (lower["name"].str.endswith("社区") == (lower["level"] == "community")).all()

    sites = project.read_layer("isolation_sites").set_index("name")
    assert sites["rooms"].sum() == 220 and set(sites["status"]) == {"active", "standby"}
    metric = gpd.GeoSeries(list(sites.geometry.values) + county["sites"], crs="EPSG:4490").to_crs(GK_114)
    shifts = [metric.iloc[i].distance(metric.iloc[i + 3]) for i in range(3)]
    assert max(shifts) < 1.0  # GCJ-02 undone to under a metre

    cases = project.read_layer("cases")
    assert cases["category"].value_counts().to_dict() == {"close_contact": 5, "confirmed": 3, "asymptomatic": 2,
                                                          "secondary_contact": 1}
    assert set(cases["status"]) == {"hospitalized", "isolated"}
    hot_village = villages.iloc[county["hot"][0]]
    first = gpd.GeoSeries([cases.geometry.iloc[0]], crs="EPSG:4490").to_crs(GK_114).iloc[0]
    assert hot_village.geometry.contains(first)


def test_window_snapshot_shows_the_villages(county, tmp_path):
    out = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "snapshot", str(county["path"]), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() == 1600
    # Village and town outlines are dark strokes over the light offline basemap: count them in the window's middle.
    dark = 0
    for x in range(500, 1100, 3):
        for y in range(250, 750, 3):
            colour = image.pixelColor(x, y)
            dark += colour.red() + colour.green() + colour.blue() < 330
    assert dark > 300, f"only {dark} dark pixels: the units are not drawn"


def test_zones_stats_capacity_print_and_export_work_on_the_county(county, cli, tmp_path):
    path = county["path"]
    code, out, _ = cli("zones", path, "propose", "--date", AS_OF, "--apply", "--json")
    assert code == 0
    zones = [f for f in json.loads(out)["features"] if f["properties"]["applied"]]
    assert zones, "infections in two villages must give zones"
    project = Project.open(path)
    stored = project.read_layer("control_zones")
    assert len(stored) == len(zones)
    hot_names = {county["villages"]["村名"].iloc[i] for i in county["hot"]}
    sealed = stored[stored["tier"] == stored["tier"].iloc[0]]
    units = project.read_layer("admin_units").set_index("code")
    sealed_names = {units.loc[c, "name"] for codes in sealed["unit_codes"].dropna() for c in json.loads(codes)}
    assert hot_names <= sealed_names

    for level in ("village", "town", "grid"):
        code, out, err = cli("stats", path, "--by", level, "--json")
        assert code == 0, err
        rows = json.loads(out)
        if level == "grid":
            continue  # the county has no grids yet: no rows, no error
        total = sum(r.get("confirmed", 0) + r.get("asymptomatic", 0) for r in rows)
        assert total == 5
    code, out, _ = cli("stats", path, "--by", "village", "--json")
    by_name = {r["name"]: r for r in json.loads(out)}
    first_hot = county["villages"]["村名"].iloc[county["hot"][0]]
    assert by_name[first_hot]["confirmed"] == 2 and by_name[first_hot]["asymptomatic"] == 1

    code, out, _ = cli("capacity", path, "--json")
    assert code == 0
    capacity = json.loads(out)["county"]
    assert (capacity["rooms"], capacity["occupied"], capacity["standby_rooms"]) == (220, 40, 40)

    pdf = tmp_path / "叶县.pdf"
    code, _, err = cli("print", path, "--out", pdf, "--paper", "A3", "--landscape")
    assert code == 0, err
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "叶县疫情防控管控区域图" in text and "高德" in text

    xlsx = tmp_path / "汇报.xlsx"
    code, _, err = cli("export", path, "--format", "xlsx", "--out", xlsx)
    assert code == 0, err
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert len(book.sheetnames) >= 3
