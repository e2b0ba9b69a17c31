"""The Excel briefing report and the exchange formats, read back with openpyxl and pyogrio."""

import datetime as dt

import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely

from data import exports
from data.exports import export
from data.project import Project
from data.reports import SHEETS, write_report
from data.zone_store import zone_record
from gis import offsets
from gis.errors import UserError
from gis.zoning.shapes import circle_polygon, unit_outline

ON = dt.date(2026, 11, 20)
PERSON = {"person_name": "欧阳测试", "id_number": "410881199001011234", "phone": "13800138000"}


@pytest.fixture
def zoned(sample_project):
    """The sample county with a sealed unit zone, a controlled circle and a person's details on case 1."""
    units = sample_project.read_layer("admin_units")
    communities = units[units["parent_code"] == "419001003000"].iloc[:3]
    centre = communities.geometry.iloc[0].representative_point()
    at = f"{ON}T08:00:00"
    with sample_project.transaction() as edit:
        edit.insert("control_zones", zone_record(unit_outline(communities.geometry), tier="sealed", kind="unit",
                                                 name="裕华苑封控区", unit_codes=list(communities["code"]), at=at))
        edit.insert("control_zones", zone_record(circle_polygon(centre.x, centre.y, 1500), tier="controlled",
                                                 kind="circle", name="北海管控圈", at=at))
        edit.update("cases", 1, PERSON)
    return sample_project


def workbook_values(path) -> list:
    book = openpyxl.load_workbook(path)
    return [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]


def test_report_sheets_headers_and_layout(zoned, tmp_path):
    path = write_report(zoned, tmp_path / "briefing.xlsx", ON)
    book = openpyxl.load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    zones = book["管控区域"]
    assert [c.value for c in zones[1]][:4] == ["编号", "名称", "等级", "类型"]
    assert [row[2] for row in zones.iter_rows(min_row=2, values_only=True)] == ["封控区", "管控区"]
    assert zones.column_dimensions["B"].width >= 10  # sized to the Chinese names
    headers = [c.value for c in zones[1]]
    sealed = dict(zip(headers, next(zones.iter_rows(min_row=2, values_only=True)), strict=True))
    assert sealed["距最近病例天数"] is None or isinstance(sealed["距最近病例天数"], int)
    assert sealed["可降级"] in ("是", "否") and sealed["预计降级日期"] is not None


def test_report_tier_summary_counts_each_village_once(zoned, tmp_path):
    book = openpyxl.load_workbook(write_report(zoned, tmp_path / "briefing.xlsx", ON))
    summary = {row[0]: row for row in book["等级汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["封控区"][1:3] == (1, 3)  # one zone, three communities
    members = list(book["管控村（社区）"].iter_rows(min_row=2, values_only=True))
    assert len(members) == summary["合计"][2]
    assert len({row[3] for row in members}) == len(members)  # no village listed under two tiers
    assert sum(row[4] for row in members) == summary["合计"][3]


def test_report_cases_per_grid_match_an_independent_count(zoned, tmp_path):
    book = openpyxl.load_workbook(write_report(zoned, tmp_path / "briefing.xlsx", ON))
    sheet = book["网格感染者与密接"]
    headers = [c.value for c in sheet[1]]
    totals = {row[0]: row[headers.index("全部记录")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    cases, grids = zoned.read_layer("cases"), zoned.read_layer("grids")
    joined = cases.sjoin(grids[["code", "geometry"]], predicate="within")
    expected = joined["code"].value_counts()
    assert totals == {code: int(n) for code, n in expected.items()}


def test_report_sites_and_no_personal_data(zoned, tmp_path):
    path = write_report(zoned, tmp_path / "briefing.xlsx", ON)
    sites = openpyxl.load_workbook(path)["隔离场所"]
    assert sites.max_row - 1 == zoned.count("isolation_sites")
    assert {"房间", "已用", "空闲"} <= {c.value for c in sites[1]}
    values = {str(v) for v in workbook_values(path)}
    assert not values & set(PERSON.values())


def test_geojson_round_trip_in_wgs84_without_personal_fields(zoned, tmp_path):
    path = export(zoned, "geojson", tmp_path / "cases.geojson", layers=["cases"])
    back = pyogrio.read_dataframe(path)
    assert len(back) == zoned.count("cases") and back.crs.to_epsg() == 4326
    assert not {"person_name", "id_number", "phone"} & set(back.columns)
    stored = zoned.read_layer("cases").sort_index()
    assert np.allclose(shapely.get_coordinates(back.sort_values("fid").geometry.values),
                       shapely.get_coordinates(stored.geometry.values), atol=1e-6)
    zones = pyogrio.read_dataframe(export(zoned, "geojson", tmp_path / "zones.geojson"))
    assert len(zones) == 2 and set(zones["name"]) == {"裕华苑封控区", "北海管控圈"}


def test_gcj02_exports_are_shifted_like_autonavi(zoned, tmp_path):
    plain = pyogrio.read_dataframe(export(zoned, "geojson", tmp_path / "a.geojson", layers=["isolation_sites"]))
    shifted = pyogrio.read_dataframe(export(zoned, "geojson", tmp_path / "b.geojson", layers=["isolation_sites"],
                                            gcj02=True))
    x, y = offsets.FROM_WGS84["gcj02"](plain.geometry.x.to_numpy(), plain.geometry.y.to_numpy())
    assert np.allclose(shifted.geometry.x, x, atol=1e-6) and np.allclose(shifted.geometry.y, y, atol=1e-6)
    assert (abs(shifted.geometry.x - plain.geometry.x) > 0.001).all()  # hundreds of metres in Henan


def test_kml_folders_chinese_names_and_counts(zoned, tmp_path):
    layers = ["control_zones", "isolation_sites", "cases"]
    path = export(zoned, "kml", tmp_path / "briefing.kml", layers=layers, gcj02=True)
    folders = [name for name, _ in pyogrio.list_layers(path)]
    assert folders == ["管控区域", "集中隔离场所", "病例与密接"]
    for folder, layer in zip(folders, layers, strict=True):
        assert len(pyogrio.read_dataframe(path, layer=folder)) == zoned.count(layer)
    zones = pyogrio.read_dataframe(path, layer="管控区域")
    assert set(zones["Name"]) == {"裕华苑封控区", "北海管控圈"}
    text = path.read_text(encoding="utf-8")
    assert "<displayName>等级</displayName>" in text and "<value>封控区</value>" in text
    assert not any(value in text for value in PERSON.values())


def test_gpkg_copy_reads_back_with_the_same_counts(zoned, tmp_path):
    path = export(zoned, "gpkg", tmp_path / "copy.gpkg")
    for layer in ("admin_units", "grids", "control_zones", "cases"):
        assert len(pyogrio.read_dataframe(path, layer=layer)) == zoned.count(layer)
    assert Project.open(path).metadata["name"] == zoned.metadata["name"]


def test_html_is_delegated_to_the_web_map(zoned, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("data.web_map.export_html", lambda project, out: calls.append((project, out)) or out)
    assert export(zoned, "html", tmp_path / "map.html") == tmp_path / "map.html"
    assert calls == [(zoned, tmp_path / "map.html")]


def test_export_errors_are_user_errors_and_leave_no_file(zoned, tmp_path, monkeypatch):
    with pytest.raises(UserError, match="导出格式"):
        export(zoned, "shp", tmp_path / "x.shp")
    with pytest.raises(UserError, match="一个图层"):
        export(zoned, "geojson", tmp_path / "x.geojson", layers=["cases", "grids"])
    with pytest.raises(UserError, match="不是空间图层"):
        export(zoned, "kml", tmp_path / "x.kml", layers=["audit_log"])
    with pytest.raises(UserError, match=r"\.kml"):
        export(zoned, "kml", tmp_path / "x.txt")

    def broken(frame, buffer, **options):
        buffer.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(exports.pyogrio, "write_dataframe", broken)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        export(zoned, "geojson", out / "x.geojson")
    assert not out.exists() or not list(out.iterdir())  # nothing partial was written, nothing renamed into place
