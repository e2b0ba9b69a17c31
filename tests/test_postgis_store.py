"""The PostGIS store against a real server: its tables as QGIS sees them, reads equal to the GeoPackage's,
push → pull without loss, one-line failures without passwords, and a county run from the command line on a
database exactly as on a file."""

import json
import socket
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely

from data.project import Project
from data.schema import LAYERS
from main import main

COUNTY = "410422"  # 叶县, 平顶山市, 河南省
AS_OF = "2026-11-28"


@pytest.fixture
def url(pg_target):
    """A database project target in a schema of its own (conftest's pg_target)."""
    return pg_target


def filled(project: Project) -> Project:
    """Every spatial layer with a few rows: Chinese text, NULLs, dates, JSON text, a deleted feature."""
    rng = np.random.default_rng(7)
    units = gpd.GeoDataFrame(
        {"code": ["410422000000", "410422100000", "410422100201"], "name": ["叶县", "昆阳街道", "幸福社区"],
         "level": ["county", "town", "community"], "parent_code": [None, "410422000000", "410422100000"],
         "population": [800000, None, 3200]},
        geometry=[shapely.box(113.0, 33.4, 113.6, 33.8), shapely.box(113.2, 33.5, 113.3, 33.6),
                  shapely.Polygon([(113.21, 33.51), (113.23, 33.51), (113.22, 33.53)])], crs=4490)
    n = 40
    cases = gpd.GeoDataFrame(
        {"case_no": [f"YX{i:03d}" for i in range(n)], "category": rng.choice(["confirmed", "close_contact"], n),
         "reported_at": [f"2026-11-{10 + i % 18:02d}T08:{i % 60:02d}:00" for i in range(n)],
         "onset_at": [None if i % 3 else f"2026-11-{5 + i % 20:02d}" for i in range(n)],
         "address": [f"昆阳街道{i}号" for i in range(n)], "person_name": ["张三"] * n},
        geometry=gpd.points_from_xy(113.2 + rng.random(n) * 0.1, 33.5 + rng.random(n) * 0.1), crs=4490)
    sites = gpd.GeoDataFrame({"name": ["县宾馆隔离点", "无坐标隔离点"], "rooms": [120, 40], "occupied": [30, None],
                              "status": ["active", "standby"]},
                             geometry=[shapely.Point(113.25, 33.55), None], crs=4490)
    zone = gpd.GeoDataFrame({"name": ["幸福社区封控区"], "tier": ["sealed"], "kind": ["unit"], "radius_m": [None],
                             "unit_codes": [json.dumps(["410422100201"])], "test_rounds": ['[{"date": "2026-11-20"}]']},
                            geometry=[units.geometry.iloc[2]], crs=4490)
    with project.transaction() as edit:
        edit.insert("admin_units", units)
        edit.insert("cases", cases, log_each=False)
        edit.insert("isolation_sites", sites)
        edit.insert("control_zones", zone)
        edit.insert("occupancy_snapshots", pd.DataFrame({"date": ["2026-11-20"], "site_name": ["县宾馆隔离点"],
                                                          "rooms": [120], "occupied": [28]}))
    with project.transaction() as edit:
        edit.update("cases", 3, {"category": "confirmed", "onset_at": "2026-11-01"})
        edit.update("control_zones", 1, geometry=shapely.box(113.21, 33.51, 113.23, 33.53))
        edit.delete("cases", [5])
    return project


def assert_same_layers(a: Project, b: Project, *, audit: bool = True):
    for name, spec in LAYERS.items():
        if name == "audit_log" and not audit:
            continue
        left, right = a.read_layer(name), b.read_layer(name)
        if spec.geometry:
            assert all(x == y if x is None or y is None else x.equals_exact(y, 1e-9)
                       for x, y in zip(left.geometry.values, right.geometry.values, strict=True)), name
            left, right = pd.DataFrame(left.drop(columns="geometry")), pd.DataFrame(right.drop(columns="geometry"))
        pd.testing.assert_frame_equal(left, right, check_dtype=True, obj=name)


def test_layers_are_postgis_tables_with_gist_and_field_indexes(url, pg_url):
    Project.create(url, name="叶县")
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(pg_url) as conn:
        columns = dict(conn.execute("SELECT f_table_name, type || ',' || srid FROM geometry_columns "
                                    "WHERE f_table_schema = %s", (schema,)).fetchall())
        indexes = {row[0] for row in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s", (schema,))}
    assert columns == {"admin_units": "MULTIPOLYGON,4490", "grids": "MULTIPOLYGON,4490",
                       "control_zones": "MULTIPOLYGON,4490", "isolation_sites": "POINT,4490",
                       "facilities": "POINT,4490", "cases": "POINT,4490", "key_persons": "POINT,4490"}
    for name in columns:
        assert any(f"ON {schema}.{name} USING gist (geom)" in index for index in indexes), name
    assert any("ON " + schema + ".cases USING btree (grid_code)" in index for index in indexes)


def test_reads_on_the_database_equal_the_geopackage(url, tmp_path):
    on_file = filled(Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code=COUNTY))
    on_db = filled(Project.create(url, name="叶县", county_code=COUNTY))
    assert_same_layers(on_file, on_db, audit=False)
    file_log, db_log = on_file.read_layer("audit_log"), on_db.read_layer("audit_log")
    assert list(db_log["action"]) == list(file_log["action"]) == ["create"] * 7 + ["modify", "modify", "delete"]
    assert list(db_log["before"].iloc[-3:]) == list(file_log["before"].iloc[-3:])  # snapshots, zone WKT included

    for got, expected in zip(on_db.read_points("cases", ["category", "case_no"]),
                             on_file.read_points("cases", ["category", "case_no"]), strict=True):
        if isinstance(got, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        else:
            np.testing.assert_array_equal(got, expected)
    fids, x, _, codes = on_db.read_point_codes("isolation_sites", "status", ["standby", "active"])
    assert list(fids) == [1, 2] and np.isnan(x[1]) and list(codes) == [1, 0]
    assert on_db.county_outline().equals(on_file.county_outline())
    assert on_db.extent("cases") == pytest.approx(on_file.extent("cases"))
    assert on_db.extent("isolation_sites", after_fid=1) is None
    assert on_db.value_counts("cases", "category") == on_file.value_counts("cases", "category")
    selected = on_db.read_layer("admin_units", where="level IN (?, ?) AND code LIKE '4104%'", params=("town", "county"))
    assert list(selected["name"]) == ["叶县", "昆阳街道"]
    with on_db.transaction() as edit:  # keys keep counting past deleted ones, as in the file
        assert edit.insert("cases", on_file.read_layer("cases").iloc[:1]) == [on_file.last_fid("cases") + 1]


def test_push_then_pull_gives_the_same_project(url, tmp_path, cli):
    source = filled(Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code=COUNTY))
    code, out, _ = cli("push", source.path, url)
    assert code == 0 and out.count("\n") == 1 and "已发布到" in out
    code, _, err = cli("push", source.path, url)
    assert code == 2 and err.count("\n") == 1 and "已存在" in err and "--force" in err
    assert cli("push", source.path, url, "--force")[0] == 0

    copy = tmp_path / "copy.gpkg"
    code, out, _ = cli("pull", url, copy)
    assert code == 0 and out.count("\n") == 1 and "已复制到" in out
    pulled = Project.open(copy)
    assert_same_layers(source, Project.open(url))
    assert_same_layers(source, pulled)
    assert pulled.metadata == source.metadata
    with Project.open(url).transaction() as edit:  # a pushed layer hands out keys after the pushed ones
        assert edit.insert("cases", source.read_layer("cases").iloc[:1]) == [source.last_fid("cases") + 1]


def test_failures_are_one_line_and_never_show_the_password(pg_url, tmp_path, cli):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    down = f"postgresql://zhang:hunter2@127.0.0.1:{closed_port}/cordon"
    for args in (["info", down], ["pull", down, tmp_path / "x.gpkg"], ["new", down, "--county", COUNTY]):
        code, out, err = cli(*args)
        assert code == 2 and err.count("\n") == 1 and "无法连接数据库" in err, err
        assert "hunter2" not in out + err and f"zhang@127.0.0.1:{closed_port}" in err
    assert not (tmp_path / "x.gpkg").exists()

    with_password = pg_url.replace("postgres@", "postgres:hunter2@") + "?schema=nothing_here"
    code, out, err = cli("info", with_password)
    assert code == 2 and "没有 Cordon 项目" in err and "hunter2" not in err
    missing_db = pg_url.rsplit("/", 1)[0] + "/no_such_db"
    code, _, err = cli("info", missing_db)
    assert code == 2 and "no_such_db" in err and "createdb" in err


def test_a_county_on_the_database_runs_every_command_as_on_a_file(url, tmp_path, cli):
    folder = tmp_path / "files"
    folder.mkdir()
    csv = folder / "病例.csv"
    pd.DataFrame({"编号": [f"YX{k:03d}" for k in range(6)], "类别": ["确诊", "确诊", "无症状", "密接", "密接", "次密接"],
                  "报告日期": ["2026-11-25", "2026-11-26", "2026-11-26", "2026-11-27", "2026-11-27", "2026-11-28"],
                  "经度": [113.3571, 113.3575, 113.3580, 113.3566, 113.3590, 113.3601],
                  "纬度": [33.6251, 33.6255, 33.6248, 33.6260, 33.6240, 33.6262]}).to_csv(csv, index=False, encoding="gbk")
    villages = folder / "村界.shp"
    gpd.GeoDataFrame({"村名": ["张庄村", "李庄村", "幸福社区", "王庄村"], "乡镇": ["昆阳街道", "昆阳街道", "昆阳街道", "任店镇"],
                      "人口": [1200, 900, 3000, 800]},
                     geometry=[shapely.box(113.35, 33.62, 113.358, 33.628), shapely.box(113.358, 33.62, 113.366, 33.628),
                               shapely.box(113.35, 33.612, 113.358, 33.62), shapely.box(113.30, 33.55, 113.31, 33.56)],
                     crs=4490).to_file(villages, driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
    villages.with_suffix(".cpg").unlink(missing_ok=True)  # as county files come: GBK without a .cpg
    sites = folder / "隔离点.csv"
    pd.DataFrame({"名称": ["县宾馆隔离点", "任店镇中学隔离点"], "房间数": [120, 40], "已用房间": [30, 0],
                  "状态": ["启用", "备用"], "经度": [113.35, 113.30], "纬度": [33.62, 33.55]}
                 ).to_csv(sites, index=False, encoding="gbk")

    results = {}
    for target in (url, str(tmp_path / "叶县.gpkg")):
        assert cli("new", target, "--county", COUNTY)[0] == 0
        assert cli("import", target, villages, "--layer", "admin_units")[0] == 0
        assert cli("import", target, csv, "--layer", "cases", "--crs", "wgs84")[0] == 0
        assert cli("import", target, sites, "--layer", "isolation_sites", "--crs", "wgs84")[0] == 0
        outputs = {}
        for args in (["info", "--json"], ["zones", "propose", "--date", AS_OF, "--apply", "--json"],
                     ["stats", "--by", "town", "--json"], ["capacity", "--json"]):
            head, *rest = args
            code, out, err = cli(head, target, *rest)
            assert code == 0, err
            outputs[head] = json.loads(out)
        outputs["info"].pop("path")
        pdf = tmp_path / f"叶县-{len(results)}.pdf"
        assert cli("print", target, "--out", pdf, "--paper", "A3", "--landscape")[0] == 0
        outputs["print"] = "叶县疫情防控管控区域图" in subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                                      text=True).stdout
        copy = tmp_path / f"copy-{len(results)}.gpkg"
        assert cli("export", target, "--format", "gpkg", "--out", copy)[0] == 0
        outputs["export"] = {name: Project.open(copy).count(name) for name in LAYERS if name != "audit_log"}
        results[target] = outputs
    on_db, on_file = results.values()
    assert on_db["info"]["layers"]["cases"] == 6 and on_db["info"]["layers"]["isolation_sites"] == 2
    assert len(on_db["zones"]["features"]) == 4, "confirmed cases in 张庄村 give sealed, controlled and guarded zones"
    applied = [f for f in on_db["zones"]["features"] if f["properties"]["applied"]]
    assert on_db["print"] and on_db["export"]["control_zones"] == len(applied) > 0
    for key in on_db:
        assert on_db[key] == on_file[key], key


def test_connect_dialog_opens_a_database_project_and_keeps_no_password(url, cordon_app, qtbot):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialogButtonBox

    from data.stores.database_url import parse_url
    from desktop.connect_dialog import RECENT_KEY, ConnectDialog

    Project.create(url, name="叶县指挥部")
    target = parse_url(url)
    dialog = ConnectDialog()
    qtbot.addWidget(dialog)
    dialog.host_edit.setText(target.host)
    dialog.port_spin.setValue(target.port)
    dialog.database_edit.setText(target.dbname)
    dialog.user_edit.setText(target.user)
    dialog.schema_edit.setText("no_project_here")
    dialog.password_edit.setText("hunter2")
    connect = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    connect.click()
    assert dialog.project is None and "没有 Cordon 项目" in dialog.message.text()
    dialog.schema_edit.setText(target.schema)
    connect.click()
    assert dialog.result() == ConnectDialog.DialogCode.Accepted
    assert dialog.project.metadata["name"] == "叶县指挥部"

    settings = QSettings()
    assert settings.value(RECENT_KEY, [], list)[0] == str(target)
    settings.sync()
    with open(settings.fileName(), encoding="utf-8") as saved:
        assert "hunter2" not in saved.read()
    again = ConnectDialog()  # the last connection comes back filled in, the password empty
    qtbot.addWidget(again)
    assert (again.database_edit.text(), again.schema_edit.text(), again.password_edit.text()) == (
        target.dbname, target.schema, "")


def test_window_snapshot_of_a_database_project(url, tmp_path):
    import os
    import sys
    from pathlib import Path

    assert main(["new", url, "--county", COUNTY]) == 0
    out = tmp_path / "window.png"
    done = subprocess.run([sys.executable, str(Path(__file__).resolve().parent.parent / "main.py"), "snapshot", url,
                           "--out", str(out)], env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() == 1600
    colours = (image.pixelColor(x, y) for x in range(250, 1150, 2) for y in range(150, 900, 2))
    dark = sum(c.red() + c.green() + c.blue() < 200 for c in colours)
    assert dark > 300, f"only {dark} dark pixels: the county outline read from the database is not drawn"
