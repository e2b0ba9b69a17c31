"""The project file: schema contract, transactions, atomic save, audit log, migration."""

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from data.project import Project
from data.schema import LAYERS, SCHEMA_VERSION
from gis.errors import UserError


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "county.gpkg", name="测试县", county_code="419001")


def _villages(*names):
    return gpd.GeoDataFrame(
        {"code": [f"41900100100{i}" for i in range(len(names))], "name": list(names), "level": "village",
         "population": [1000 + i for i in range(len(names))]},
        geometry=[shapely.box(112 + i * 0.1, 35, 112.1 + i * 0.1, 35.1) for i in range(len(names))], crs=4490)


def test_every_contract_layer_and_field_opens_in_gdal(project):
    listed = {name: kind for name, kind in pyogrio.list_layers(project.path)}
    for spec in LAYERS.values():
        assert spec.name in listed
        info = pyogrio.read_info(project.path, layer=spec.name)
        assert set(spec.field_names) <= set(info["fields"])
        if spec.geometry:
            assert info["crs"] == "EPSG:4490"
            assert listed[spec.name] == {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}[spec.geometry]


def test_features_written_read_back_in_gdal_with_chinese_text(project):
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村", "李家沟社区"))
    frame = gpd.read_file(project.path, layer="admin_units", engine="pyogrio")
    assert list(frame["name"]) == ["王庄村", "李家沟社区"]
    assert frame.geometry.iloc[0].geom_type == "MultiPolygon"
    assert frame.geometry.iloc[0].equals(shapely.MultiPolygon([shapely.box(112, 35, 112.1, 35.1)]))


def test_a_failed_transaction_leaves_nothing(project):
    with pytest.raises(RuntimeError), project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村"))
        raise RuntimeError("power cut")
    assert project.count("admin_units") == 0
    assert project.count("audit_log") == 0


def test_edits_are_logged_with_user_before_and_after(project, monkeypatch):
    project.user = "张三"
    with project.transaction() as edit:
        (fid,) = edit.insert("admin_units", _villages("王庄村"))
    with project.transaction() as edit:
        edit.update("admin_units", fid, {"population": 999})
    with project.transaction() as edit:
        edit.delete("admin_units", [fid])
    log = project.read_layer("audit_log")
    assert list(log["action"]) == ["create", "modify", "delete"]
    assert set(log["user"]) == {"张三"}
    assert '"population": 1000' in log["before"].iloc[1] and '"population": 999' in log["after"].iloc[1]
    assert "王庄村" in log["before"].iloc[2]


def test_zone_audit_rows_carry_the_geometry(project):
    zone = gpd.GeoDataFrame({"name": ["A"], "tier": ["sealed"], "kind": ["drawn"]},
                            geometry=[shapely.box(112, 35, 112.01, 35.01)], crs=4490)
    with project.transaction() as edit:
        edit.insert("control_zones", zone)
    assert "MULTIPOLYGON" in project.read_layer("audit_log")["after"].iloc[0]


def test_listeners_hear_which_layers_changed(project):
    heard = []
    unsubscribe = project.subscribe(heard.append)
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村"))
    unsubscribe()
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("李庄村"))
    assert heard == [{"admin_units", "audit_log"}]


def test_save_as_copies_everything_and_leaves_no_temp_file(project, tmp_path):
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村", "李庄村"))
    copy = project.save_as(tmp_path / "out" / "copy.gpkg")
    assert copy.count("admin_units") == 2 and copy.metadata["name"] == "测试县"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["copy.gpkg"]


def test_create_does_not_overwrite_and_a_failed_create_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "a.gpkg"
    Project.create(path, name="甲")
    with pytest.raises(UserError, match="已存在|exists"):
        Project.create(path, name="乙")
    assert Project.open(path).metadata["name"] == "甲"

    import data.project as module

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(module, "_create_layer", broken)
    with pytest.raises(OSError):
        Project.create(tmp_path / "b.gpkg", name="丙")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gpkg"]


def test_opening_a_non_project_says_so(tmp_path):
    plain = tmp_path / "plain.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(plain, engine="pyogrio")
    with pytest.raises(UserError, match="不是 Cordon 项目"):
        Project.open(plain)
    text = tmp_path / "notes.gpkg"
    text.write_text("hello")
    with pytest.raises(UserError, match="GeoPackage"):
        Project.open(text)


def test_an_older_schema_is_upgraded_on_open(project):
    conn = sqlite3.connect(project.path)
    with conn:
        conn.execute("UPDATE cordon_meta SET value='0' WHERE key='schema_version'")
        conn.execute("ALTER TABLE isolation_sites DROP COLUMN beds")
    conn.close()
    reopened = Project.open(project.path)
    assert reopened.metadata["schema_version"] == SCHEMA_VERSION
    assert "beds" in pyogrio.read_info(project.path, layer="isolation_sites")["fields"]
    assert "migrate" in list(reopened.read_layer("audit_log")["action"])


def test_a_newer_schema_is_refused(project):
    project.set_metadata(schema_version=99)
    with pytest.raises(UserError, match="更新版本|newer"):
        Project.open(project.path)


def test_wrong_geometry_type_is_refused(project):
    points = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(112, 35)], crs=4490)
    with pytest.raises(ValueError, match="MultiPolygon"), project.transaction() as edit:
        edit.insert("admin_units", points)
