"""Importing the same villages or grids again: the features already in the project are found and the import
refuses in one line, updates them in place or skips them, and never adds a second copy that later commands
trip over.

Fixtures are a county office's files (GBK shapefiles without .cpg, Gauss-Krüger EPSG:4547, Chinese headers)
for 叶县 (410422) near 113.4E 33.6N, built in :mod:`test_import_units`.
"""

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from PySide6.QtWidgets import QWizard
from shapely.geometry import box
from test_import_units import KM, VILLAGES, X0, Y0, county_project, square, write_gbk_shapefile, write_village_file

from data.project import Project
from desktop import import_wizard
from desktop.import_wizard import ImportWizard
from gis.crs import STORAGE_CRS
from main import main

GRIDS = 6  # two grids in each of the first three villages


@pytest.fixture
def village_file(tmp_path):
    return write_village_file(tmp_path / "村界.shp")


@pytest.fixture
def county(tmp_path, village_file) -> Project:
    """叶县 with its outline and the villages of ``village_file`` (no codes: all generated)."""
    project = county_project(tmp_path / "叶县.gpkg", with_county=True)
    assert main(["import", str(project.path), str(village_file), "--layer", "admin_units"]) == 0
    return project


def _grid_file(path, *, worker: str = "张三", names=True, codes=True):
    columns = {"网格员": [f"{worker}{i}" for i in range(1, GRIDS + 1)]}
    if codes:
        columns["网格编码"] = [f"WG{i:02d}" for i in range(1, GRIDS + 1)]
    if names:
        columns["网格名称"] = [f"第{i}网格" for i in range(1, GRIDS + 1)]
    geoms = [box(X0 + i * KM, Y0 + 0.2 * KM, X0 + (i + 1) * KM, Y0 + 1.8 * KM) for i in range(GRIDS)]
    return write_gbk_shapefile(path, columns, geoms)


def _import(capsys, project, path, layer, *extra) -> tuple[int, str, str]:
    code = main(["import", str(project.path), str(path), "--layer", layer, *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _state(project) -> dict:
    """Everything an import could change: each layer it writes, and the audit rows."""
    return {layer: _table(project, layer) for layer in ("admin_units", "grids")} | {
        "audit": len(project.read_layer("audit_log"))}


def _table(project, layer) -> dict:
    """A layer as plain comparable values: fids, fields and outlines (as WKB)."""
    return project.read_layer(layer).to_wkb(hex=True).astype(object).astype(str).to_dict("split")


def _feature_audit_rows(project, after_log_id: int) -> pd.DataFrame:
    log = project.read_layer("audit_log")
    return log[(log.index > after_log_id) & log["fid"].notna()]


def test_villages_imported_again_are_refused_in_one_line_then_skipped_or_updated(county, village_file, tmp_path,
                                                                                 capsys):
    capsys.readouterr()
    before = _state(county)

    code, out, err = _import(capsys, county, village_file, "admin_units")

    assert code == 2 and not out
    assert err == ("错误：村界.shp 中有 7 个要素已在项目中（如 王庄村、李庄村、张湾村…）。"
                   "请加 --on-duplicate update（更新已有要素）或 --on-duplicate skip（跳过它们）。\n")
    assert _state(county) == before

    last_log = county.read_layer("audit_log").index.max()
    code, out, _ = _import(capsys, county, village_file, "admin_units", "--on-duplicate", "skip")

    assert code == 0 and "成功 0 个，跳过已有 7 个" in out
    assert "7 个要素已在项目中（如 王庄村、李庄村、张湾村…）：已跳过，未作改动。" in out
    after = _state(county)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert _feature_audit_rows(county, last_log).empty  # one summary row, no feature touched

    # the office corrects the populations and redraws 王庄村 a little larger; a new village is added
    units = county.read_layer("admin_units").set_index("name")
    grown = square(0, size=2.2 * KM)
    changed = write_gbk_shapefile(tmp_path / "村界2.shp", {
        "乡镇": [t for t, _, _ in VILLAGES] + ["昆阳街道"], "村名": [v for _, v, _ in VILLAGES] + ["新建社区"],
        "人口": [p + 11 for _, _, p in VILLAGES] + [800]}, [grown] + [square(i) for i in range(1, len(VILLAGES) + 1)])
    last_log = county.read_layer("audit_log").index.max()

    code, out, _ = _import(capsys, county, changed, "admin_units", "--on-duplicate", "update")

    assert code == 0 and "成功 1 个，更新已有 7 个" in out
    updated = county.read_layer("admin_units").set_index("name")
    assert len(updated) == len(units) + 1
    for _, village, population in VILLAGES:
        assert updated.loc[village, "population"] == population + 11
        assert updated.loc[village, ["code", "parent_code", "level"]].tolist() == \
            units.loc[village, ["code", "parent_code", "level"]].tolist()
    assert updated.loc["新建社区", "parent_code"] == units.loc["昆阳街道", "code"]
    assert updated.loc["新建社区", "code"] not in set(units["code"])
    stored = gpd.GeoSeries([updated.loc["王庄村", "geometry"]], crs=STORAGE_CRS).to_crs(4547).iloc[0]
    assert stored.area == pytest.approx(grown.area, rel=1e-6)
    rows = _feature_audit_rows(county, last_log)
    assert (rows["action"] == "import_update").sum() == len(VILLAGES)
    wang = rows[rows["fid"] == int(county.read_layer("admin_units", where="name = ?", params=("王庄村",)).index[0])]
    assert json.loads(wang["before"].iloc[0])["population"] == 1200
    assert json.loads(wang["after"].iloc[0])["population"] == 1211


def test_grids_with_codes_imported_twice_are_found_and_later_commands_still_work(county, tmp_path, capsys):
    grids = _grid_file(tmp_path / "网格.shp")
    assert _import(capsys, county, grids, "grids")[0] == 0
    _add_cases(county)
    before = _state(county)
    first = county.read_layer("grids")

    code, out, err = _import(capsys, county, grids, "grids")

    assert code == 2 and not out and err.count("\n") == 1
    assert "网格.shp 中有 6 个要素已在项目中（如 第1网格、第2网格、第3网格…）" in err
    assert _state(county) == before

    assert _import(capsys, county, grids, "grids", "--on-duplicate", "skip")[0] == 0
    assert _table(county, "grids") == before["grids"]

    renamed = _grid_file(tmp_path / "网格2.shp", worker="李四")
    code, out, _ = _import(capsys, county, renamed, "grids", "--on-duplicate", "update")

    assert code == 0 and "成功 0 个，更新已有 6 个" in out
    now = county.read_layer("grids")
    assert list(now.index) == list(first.index) and now["code"].tolist() == first["code"].tolist()
    assert now["worker"].tolist() == [f"李四{i}" for i in range(1, GRIDS + 1)]
    assert now["unit_code"].tolist() == first["unit_code"].tolist()

    # the commands that broke on grids imported twice
    code, out, _ = _run(capsys, "stats", county.path, "--by", "grid", "--json")
    assert code == 0
    infections = {row["code"]: row["infections"] for row in json.loads(out)}
    assert len(json.loads(out)) == GRIDS  # each grid once, its cases counted once
    assert infections == {"WG01": 2, "WG02": 0, "WG03": 1, "WG04": 0, "WG05": 0, "WG06": 0}
    assert _run(capsys, "capacity", county.path)[0] == 0
    assert _run(capsys, "export", county.path, "--format", "xlsx", "--out", tmp_path / "汇报.xlsx")[0] == 0
    assert _run(capsys, "zones", county.path, "propose")[0] == 0


@pytest.mark.parametrize("names", [True, False], ids=["by name and village", "by outline"])
def test_grids_without_codes_are_found_by_name_and_village_or_else_by_outline(county, tmp_path, capsys, names):
    grids = _grid_file(tmp_path / "网格.shp", codes=False, names=names)
    assert _import(capsys, county, grids, "grids")[0] == 0
    codes = county.read_layer("grids")["code"].tolist()

    code, _, err = _import(capsys, county, grids, "grids")

    assert code == 2 and "中有 6 个要素已在项目中" in err
    assert ("第1网格、第2网格" in err) == names
    assert _import(capsys, county, grids, "grids", "--on-duplicate", "update")[0] == 0
    assert county.read_layer("grids")["code"].tolist() == codes  # generated codes are not generated again


def test_a_nameless_grid_over_half_of_another_is_a_grid_of_its_own(county, tmp_path, capsys):
    grids = _grid_file(tmp_path / "网格.shp", codes=False, names=False)
    assert _import(capsys, county, grids, "grids")[0] == 0
    # a nameless grid covering half of the first grid is new ground, not that grid
    half = write_gbk_shapefile(tmp_path / "半格.shp", {"网格员": ["王五"]},
                               [box(X0, Y0 + 0.2 * KM, X0 + 0.5 * KM, Y0 + 1.8 * KM)])

    assert _import(capsys, county, half, "grids")[0] == 0
    assert county.count("grids") == GRIDS + 1


def _add_cases(project) -> None:
    """Three confirmed cases reported yesterday, two in 第1网格 and one in 第3网格."""
    centres = [shapely.Point(X0 + 0.5 * KM, Y0 + KM), shapely.Point(X0 + 0.6 * KM, Y0 + KM),
               shapely.Point(X0 + 2.5 * KM, Y0 + KM)]
    points = gpd.GeoSeries(centres, crs=4547).to_crs(STORAGE_CRS)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat() + "T09:00:00"
    with project.transaction() as edit:
        edit.insert("cases", gpd.GeoDataFrame({"case_no": ["B1", "B2", "B3"], "category": ["confirmed"] * 3,
                                               "reported_at": [yesterday] * 3}, geometry=list(points),
                                              crs=STORAGE_CRS))


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
@pytest.mark.parametrize("choice", ["update", "skip", None], ids=["update", "skip", "cancel"])
def test_the_wizard_asks_whether_to_update_or_skip_villages_already_in_the_project(cordon_app, qtbot, county, tmp_path,
                                                                                   monkeypatch, choice):
    changed = write_village_file(tmp_path / "村界2.shp", [(t, v, p + 11) for t, v, p in VILLAGES])
    before = _state(county)
    asked = []

    def answer(box):
        asked.append((box.text(), [button.text() for button in box.buttons()]))
        box.choices[choice].click()

    monkeypatch.setattr(import_wizard.DuplicatesMessageBox, "exec", answer)
    wizard = ImportWizard(county, layer="admin_units")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(changed))
    assert wizard.file_page.isComplete()
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)

    wizard.next()
    qtbot.waitUntil(lambda: not wizard.report_page.is_running(), timeout=20_000)

    assert asked == [("村界2.shp 中有 7 个要素已在项目中（如 王庄村、李庄村、张湾村…）。", ["更新已有要素", "跳过已有要素", "取消"])]
    populations = county.read_layer("admin_units").set_index("name")["population"]
    if choice is None:
        assert wizard.report is None and _state(county) == before
        assert "已取消导入，项目未作任何修改" in wizard.report_page.message.text()
        assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
        return
    assert wizard.report is not None and wizard.report.imported == 0
    assert _state(county)["admin_units"]["index"] == before["admin_units"]["index"]  # the same units, none added
    text = wizard.report_page.report_view.toPlainText()
    if choice == "update":
        assert "更新已有 7 个" in text and populations["王庄村"] == 1211
    else:
        assert "跳过已有 7 个" in text and populations["王庄村"] == 1200
