"""The project on both stores (a GeoPackage file and a PostGIS schema): schema contract, transactions,
atomic creation, audit log, migration."""

import geopandas as gpd
import pyogrio
import pytest
import shapely

from data.project import Project
from data.schema import LAYERS, SCHEMA_VERSION
from gis.errors import UserError


@pytest.fixture
def project(store):
    return Project.create(store, name="测试县", county_code="419001")


@pytest.fixture
def gpkg_project(tmp_path):
    return Project.create(tmp_path / "county.gpkg", name="测试县", county_code="419001")


def _villages(*names):
    return gpd.GeoDataFrame(
        {"code": [f"41900100100{i}" for i in range(len(names))], "name": list(names), "level": "village",
         "population": [1000 + i for i in range(len(names))]},
        geometry=[shapely.box(112 + i * 0.1, 35, 112.1 + i * 0.1, 35.1) for i in range(len(names))], crs=4490)


def test_every_contract_layer_and_field_opens_in_gdal(gpkg_project):
    listed = {name: kind for name, kind in pyogrio.list_layers(gpkg_project.path)}
    for spec in LAYERS.values():
        assert spec.name in listed
        info = pyogrio.read_info(gpkg_project.path, layer=spec.name)
        assert set(spec.field_names) <= set(info["fields"])
        if spec.geometry:
            assert info["crs"] == "EPSG:4490"
            assert listed[spec.name] == {"MULTIPOLYGON": "MultiPolygon", "POINT": "Point"}[spec.geometry]


def test_features_written_read_back_in_gdal_with_chinese_text(gpkg_project):
    with gpkg_project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村", "李家沟社区"))
    frame = gpd.read_file(gpkg_project.path, layer="admin_units", engine="pyogrio")
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
    assert [changeset.layers for changeset in heard] == [{"admin_units", "audit_log"}]
    assert [(change.layer, change.kind, change.after["name"]) for change in heard[0].changes] == [
        ("admin_units", "inserted", "王庄村")]


def test_features_read_back_with_chinese_text_and_multipolygons(project):
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村", "李家沟社区"))
    frame = project.read_layer("admin_units")
    assert list(frame["name"]) == ["王庄村", "李家沟社区"] and list(frame.index) == [1, 2]
    assert frame.crs.to_epsg() == 4490 and str(frame["population"].dtype) == "Int64"
    assert frame.geometry.iloc[0].equals(shapely.MultiPolygon([shapely.box(112, 35, 112.1, 35.1)]))
    assert project.extent("admin_units") == pytest.approx((112, 35, 112.2, 35.1))
    assert project.extent("admin_units", after_fid=1) == pytest.approx((112.1, 35, 112.2, 35.1))
    assert project.last_fid("admin_units") == 2 and project.value_counts("admin_units", "level") == {"village": 2}


def test_save_as_copies_everything_and_leaves_no_temp_file(project, tmp_path):
    with project.transaction() as edit:
        edit.insert("admin_units", _villages("王庄村", "李庄村"))
    copy = project.save_as(tmp_path / "out" / "copy.gpkg")
    assert copy.count("admin_units") == 2 and copy.metadata["name"] == "测试县"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["copy.gpkg"]


def test_create_does_not_overwrite_and_a_failed_create_leaves_nothing(store, tmp_path):
    Project.create(store, name="甲")
    with pytest.raises(UserError, match="已存在|exists"):
        Project.create(store, name="乙")
    assert Project.open(store).metadata["name"] == "甲"

    def broken_fill():
        with Project.building(store, name="丙", overwrite=True) as draft, draft.transaction() as edit:
            edit.insert("admin_units", _villages("王庄村"))
            raise OSError("disk full")

    with pytest.raises(OSError):
        broken_fill()
    again = Project.open(store)
    assert again.metadata["name"] == "甲" and again.count("admin_units") == 0
    if store.endswith(".gpkg"):
        assert sorted(p.name for p in tmp_path.iterdir()) == ["county.gpkg"]


def test_opening_a_missing_project_says_so(store):
    with pytest.raises(UserError, match="找不到项目文件|没有 Cordon 项目"):
        Project.open(store)


def test_opening_a_non_project_says_so(tmp_path):
    plain = tmp_path / "plain.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(plain, engine="pyogrio")
    with pytest.raises(UserError, match="不是 Cordon 项目"):
        Project.open(plain)
    text = tmp_path / "notes.gpkg"
    text.write_text("hello")
    with pytest.raises(UserError, match="GeoPackage"):
        Project.open(text)


def test_an_older_schema_is_upgraded_on_open(project, store):
    conn = project._conn()  # what an older Cordon left: version 0, a layer without a later field
    conn.execute("UPDATE cordon_meta SET value='0' WHERE key='schema_version'")
    conn.execute("ALTER TABLE isolation_sites DROP COLUMN beds")
    conn.execute("DROP TABLE key_persons")
    if store.endswith(".gpkg"):
        conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'key_persons'")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = 'key_persons'")
    project.close()
    reopened = Project.open(store)
    assert reopened.metadata["schema_version"] == SCHEMA_VERSION
    assert reopened.read_layer("isolation_sites").columns.tolist()[:6] == list(LAYERS["isolation_sites"].field_names[:6])
    assert "beds" in reopened.read_layer("isolation_sites").columns and reopened.count("key_persons") == 0
    assert list(reopened.read_layer("audit_log")["action"]) == ["metadata", "migrate"]
    if store.endswith(".gpkg"):
        assert "beds" in pyogrio.read_info(store, layer="isolation_sites")["fields"]


def test_a_newer_schema_is_refused(project, store):
    project.set_metadata(schema_version=99)
    with pytest.raises(UserError, match="更新版本|newer"):
        Project.open(store)


def test_wrong_geometry_type_is_refused(project):
    points = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(112, 35)], crs=4490)
    with pytest.raises(ValueError, match="MultiPolygon"), project.transaction() as edit:
        edit.insert("admin_units", points)
