"""Roles and the ledger on a real PostgreSQL server: a viewer reads, prints and exports but every write is refused
in one line with nothing changed; an editor's edits land and the ledger names the editor whatever the client
sends, and the ledger cannot be rewritten; an admin changes the scheme and hands out roles; ``access`` grants,
lists and revokes; a GeoPackage says roles are for databases; the window greys out a viewer's writing actions
(the dashboard's among them) and the tier-scheme editor for all but the admin."""

import json
import subprocess
import uuid

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
import shapely

from data import zone_store
from data.project import Project
from data.schema import LAYERS
from data.stores.roles import group_role
from gis.errors import UserError
from main import main

COUNTY = "411025"  # 襄城县, 许昌市, 河南省
AS_OF = "2026-12-03"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def refused(capsys, *args) -> str:
    """Run a command that must be refused: exit 2 and one line on stderr, which is returned."""
    code, out, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and not out, (code, out, err)
    return err


def as_user(url: str, name: str) -> str:
    """The same project reached as database login ``name`` (trust authentication in the test cluster)."""
    return url.replace("postgres@", f"{name}@", 1)


def login(stem: str) -> str:
    """A login name no other test uses (roles belong to the whole server)."""
    return f"{stem}_{uuid.uuid4().hex[:6]}"


@pytest.fixture
def url(pg_target):
    """A database project target in a schema of its own (conftest's pg_target)."""
    return pg_target


@pytest.fixture
def files(tmp_path):
    """A county's files as they come: GBK village outlines without a .cpg, a GBK case list with Chinese headers."""
    folder = tmp_path / "files"
    folder.mkdir()
    villages = folder / "村界.shp"
    gpd.GeoDataFrame({"村名": ["北街社区", "南街社区", "东关村", "西关村"], "乡镇": ["城关镇"] * 4,
                      "人口": [4100, 3600, 1900, 2200]},
                     geometry=[shapely.box(113.47, 33.85, 113.48, 33.86), shapely.box(113.47, 33.84, 113.48, 33.85),
                               shapely.box(113.48, 33.84, 113.49, 33.86), shapely.box(113.46, 33.84, 113.47, 33.86)],
                     crs=4490).to_file(villages, driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
    villages.with_suffix(".cpg").unlink(missing_ok=True)
    cases = folder / "病例.csv"
    pd.DataFrame({"编号": ["XC001", "XC002", "XC003"], "类别": ["确诊", "无症状", "密接"],
                  "报告日期": ["2026-12-01", "2026-12-02", "2026-12-02"],
                  "经度": [113.4751, 113.4755, 113.4849], "纬度": [33.8551, 33.8456, 33.8452]}
                 ).to_csv(cases, index=False, encoding="gbk")
    more = folder / "新增病例.csv"
    pd.DataFrame({"编号": ["XC004"], "类别": ["阳性"], "报告日期": ["2026-12-03"], "经度": [113.4652],
                  "纬度": [33.8451]}).to_csv(more, index=False, encoding="gbk")
    return {"villages": villages, "cases": cases, "more": more}


@pytest.fixture
def county(url, files, capsys):
    """襄城县 on the server, made by the superuser: villages, three cases, the zones proposed on the
    first day (the next day's case in 南街社区 calls for more)."""
    assert run(capsys, "new", url, "--county", COUNTY)[0] == 0
    assert run(capsys, "import", url, files["villages"], "--layer", "admin_units")[0] == 0
    assert run(capsys, "import", url, files["cases"], "--layer", "cases", "--crs", "wgs84")[0] == 0
    assert run(capsys, "zones", url, "propose", "--date", "2026-12-01", "--apply", "--json")[0] == 0
    return url


def granted(capsys, url: str, role: str, stem: str | None = None) -> str:
    """A new login granted ``role`` on the project at ``url`` (by the superuser); returns its name."""
    name = login(stem or role)
    code, out, _ = run(capsys, "access", url, "grant", name, role)
    assert code == 0 and f"已授予 {name} {role} 角色" in out and "\\password" in out
    return name


def state(url: str) -> dict:
    """Everything a write could change: every layer and the metadata, as the superuser reads them."""
    project = Project.open(url)
    layers = {name: project.read_layer(name).drop(columns="geometry", errors="ignore").to_json() for name in LAYERS}
    return {"layers": layers, "meta": project.metadata}


def test_a_viewer_reads_prints_and_exports_but_every_write_is_refused(county, files, tmp_path, capsys):
    viewer = granted(capsys, county, "viewer", "zonghe")
    mine = as_user(county, viewer)
    before = state(county)

    code, out, _ = run(capsys, "info", mine, "--json")
    assert code == 0 and json.loads(out)["layers"]["cases"] == 3
    pdf = tmp_path / "襄城县.pdf"
    assert run(capsys, "print", mine, "--out", pdf, "--paper", "A4")[0] == 0
    assert "襄城县" in subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    copy = tmp_path / "copy.gpkg"
    assert run(capsys, "export", mine, "--format", "gpkg", "--out", copy)[0] == 0
    assert Project.open(copy).count("control_zones") == Project.open(county).count("control_zones") > 0

    line = refused(capsys, "import", mine, files["more"], "--layer", "cases", "--crs", "wgs84")
    assert "你的数据库账户（viewer 角色）无权修改“病例与密接”。请联系管理员授予编辑权限。" in line
    assert "viewer 角色" in refused(capsys, "zones", mine, "propose", "--date", AS_OF, "--apply")
    assert "viewer 角色" in refused(capsys, "access", mine, "grant", login("other"), "editor")

    project = Project.open(mine)
    assert (project.role, project.can_edit, project.can_admin) == ("viewer", False, False)
    case = Project.open(county).read_layer("cases").iloc[:1]
    with pytest.raises(UserError, match="无权修改“病例与密接”"), project.transaction() as edit:
        edit.insert("cases", case)
    zone = int(project.read_layer("control_zones").index[0])
    with pytest.raises(UserError, match="无权修改“管控区域”"):
        zone_store.rename_zone(project, zone, "改名的区域")
    with pytest.raises(UserError, match="viewer 角色.*项目设置"):
        project.set_metadata(name="别的县")
    with pytest.raises(UserError, match="操作日志"):
        project._conn().execute("DELETE FROM audit_log")
    assert state(county) == before


def test_an_editor_edits_and_the_ledger_names_the_editor_whatever_the_client_sends(county, files, capsys, monkeypatch):
    editor = granted(capsys, county, "editor", "liudiao")
    mine = as_user(county, editor)
    monkeypatch.setenv("CORDON_USER", "postgres")  # a client claiming to be someone else
    first = Project.open(county).read_layer("audit_log").index.max() + 1

    assert run(capsys, "import", mine, files["more"], "--layer", "cases", "--crs", "wgs84",
               "--map-value", "category:阳性=confirmed")[0] == 0  # the vocabulary an import remembers is an editor's
    project = Project.open(mine)
    assert (project.role, project.can_edit, project.can_admin) == ("editor", True, False)
    zone = int(project.read_layer("control_zones").index[0])
    zone_store.rename_zone(project, zone, "北街社区封控区（调整）")
    with project.transaction() as edit:
        edit.log("note", after={"text": "冒名"})
    project._conn().execute('INSERT INTO audit_log ("at", "user", "action") VALUES (?, ?, ?)',
                            ("2026-12-03T10:00:00", "postgres", "forged"))

    ledger = Project.open(county).read_layer("audit_log")
    written = ledger.loc[first:]
    assert len(written) >= 5 and {"note", "forged"} <= set(written["action"])
    assert set(written["user"]) == {editor}
    assert Project.open(county).count("cases") == 4
    assert Project.open(county).read_layer("control_zones").loc[zone, "name"] == "北街社区封控区（调整）"

    for statement in ("UPDATE audit_log SET \"user\" = 'someone'", "DELETE FROM audit_log"):
        with pytest.raises(UserError, match="editor 角色.*操作日志.*只能追加"):
            project._conn().execute(statement)
    assert Project.open(county).read_layer("audit_log").equals(ledger)
    with pytest.raises(UserError, match="editor 角色.*项目设置"):
        zone_store.save_scheme(project, zone_store.load_scheme(project))
    assert "editor 角色" in refused(capsys, "access", mine, "grant", login("other"), "viewer")


def test_an_admin_changes_the_scheme_and_hands_out_roles(county, capsys, pg_url):
    admin = granted(capsys, county, "admin", "zhihui")
    mine = as_user(county, admin)
    project = Project.open(mine)
    assert (project.role, project.can_edit, project.can_admin) == ("admin", True, True)
    scheme = zone_store.load_scheme(project)
    renamed = scheme.to_dict()
    renamed["zh"] = "襄城县方案"
    zone_store.save_scheme(project, type(scheme).from_dict(renamed))
    assert Project.open(county).metadata[zone_store.SCHEME_METADATA_KEY]["zh"] == "襄城县方案"

    clerk = login("xiangzhen")
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the DBA made the login; the admin gives it a role
        conn.execute(f'CREATE ROLE "{clerk}" LOGIN')
    assert run(capsys, "access", mine, "grant", clerk, "editor")[0] == 0
    assert "CREATEROLE" in refused(capsys, "access", mine, "grant", login("nobody"), "viewer")
    assert Project.open(as_user(county, clerk)).can_edit
    ledger = Project.open(county).read_layer("audit_log")
    assert ledger.iloc[-1]["user"] == admin and json.loads(ledger.iloc[-1]["after"]) == {"name": clerk, "role": "editor"}


def test_access_lists_the_three_roles_and_revoke_takes_access_away(county, files, capsys):
    names = {role: granted(capsys, county, role) for role in ("viewer", "editor", "admin")}
    code, out, _ = run(capsys, "access", county, "list", "--json")
    assert code == 0 and json.loads(out) == [{"name": names["admin"], "role": "admin"},
                                            {"name": names["editor"], "role": "editor"},
                                            {"name": names["viewer"], "role": "viewer"}]
    code, out, _ = run(capsys, "access", county, "list")
    assert code == 0 and f"{names['editor']}  editor  编辑" in out

    assert run(capsys, "access", county, "grant", names["viewer"], "editor")[0] == 0  # one role at a time
    code, out, _ = run(capsys, "access", county, "revoke", names["editor"])
    assert code == 0 and f"已收回 {names['editor']} 的 editor 角色" in out
    assert json.loads(run(capsys, "access", county, "list", "--json")[1]) == [
        {"name": names["admin"], "role": "admin"}, {"name": names["viewer"], "role": "editor"}]
    line = refused(capsys, "import", as_user(county, names["editor"]), files["more"], "--layer", "cases",
                   "--crs", "wgs84")
    assert "没有此项目的访问权限" in line and "access" in line
    code, out, _ = run(capsys, "access", county, "revoke", names["editor"])
    assert code == 0 and "没有角色，未作改动" in out


def test_a_project_made_before_roles_gets_them_when_its_owner_can(url, pg_url, capsys):
    owner = login("xinxi")
    with psycopg.connect(pg_url, autocommit=True) as conn:  # may create schemas, not roles
        conn.execute(f'CREATE ROLE "{owner}" LOGIN')
        conn.execute(f'GRANT CREATE ON DATABASE {pg_url.rsplit("/", 1)[1]} TO "{owner}"')
    mine = as_user(url, owner)
    Project.create(mine, name="襄城县")
    target = Project.open(mine).path
    with psycopg.connect(pg_url) as conn:
        assert not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group_role(target, "admin"),)).fetchone()
        conn.execute(f'ALTER ROLE "{owner}" CREATEROLE')
    assert Project.open(mine).can_admin  # opening installs the roles: the owner becomes the admin
    code, out, _ = run(capsys, "access", url, "list", "--json")
    assert json.loads(out) == [{"name": owner, "role": "admin"}]
    viewer = granted(capsys, url, "viewer")
    assert Project.open(as_user(url, viewer)).role == "viewer"


def test_a_geopackage_has_no_roles(tmp_path, capsys):
    path = tmp_path / "襄城县.gpkg"
    project = Project.create(path, name="襄城县")
    assert (project.role, project.can_edit, project.can_admin) == ("admin", True, True)
    line = refused(capsys, "access", path, "grant", "zhang", "viewer")
    assert "角色只用于数据库项目" in line


def test_the_window_greys_out_a_viewers_writing_actions(county, capsys, cordon_app, qtbot):
    from desktop.main_window import MainWindow
    from desktop.settings_dialog import SettingsDialog

    with Project.open(county).transaction() as edit:  # a site in use and one on standby, near the villages
        edit.insert("isolation_sites", gpd.GeoDataFrame(
            {"name": ["城关镇卫生院隔离点", "县党校备用隔离点"], "rooms": [40, 60], "occupied": [0, 0],
             "status": ["active", "standby"]},
            geometry=[shapely.Point(113.478, 33.852), shapely.Point(113.466, 33.848)], crs=4490))
    windows = {}
    for role in ("viewer", "editor"):
        window = MainWindow(Project.open(as_user(county, granted(capsys, county, role))))
        qtbot.addWidget(window)
        windows[role] = window
    for role, window in windows.items():
        editing = role == "editor"
        for action in (window.import_action, window.assign_action, window.tools["polygon"], window.tools["circle"],
                       window.tools["edit"], window.tools["delete"], window.zone_panel.propose_action,
                       window.zone_panel.circles_action):
            assert action.isEnabled() == editing, (role, action.text())
        assert window.tools["select_zone"].isEnabled() and window.print_action.isEnabled()
        assert window.export_action.isEnabled()
        window.zone_panel.select_zone(int(window.project.read_layer("control_zones").index[0]))
        assert window.zone_panel.rename_action.isEnabled() == editing
        assert window.zone_panel.report_action.isEnabled()
        window.attribute_dock.show_feature("cases", 1)
        assert window.attribute_dock.delete_action.isEnabled() == editing
        assert (window.attribute_dock.table.editTriggers() != window.attribute_dock.table.EditTrigger.NoEditTriggers
                ) == editing
        assert window.role_label.isVisibleTo(window) == (not editing)

        dock = window.capacity_dock
        window.show()
        dock.raise_()  # read once shown
        qtbot.waitUntil(lambda d=dock: not d.is_busy() and d.capacity_tab.result is not None, timeout=20_000)
        capacity, allocation = dock.capacity_tab, dock.allocation_tab
        assert capacity.record_button.isEnabled() == editing
        capacity.site_table.selectRow(capacity.site_table.model().row_of("name", "县党校备用隔离点"))
        assert capacity.activate_button.isEnabled() == editing
        with qtbot.waitSignal(allocation.planReady, timeout=20_000):
            allocation.plan_button.click()  # planning writes nothing: a viewer may plan and export
        assert allocation.plan["site_fid"].notna().any() and allocation.export_button.isEnabled()
        assert allocation.confirm_button.isEnabled() == editing
        settings = SettingsDialog(window.project, window, SettingsDialog.SCHEME)
        assert not settings.scheme_button.isEnabled()  # the scheme is the admin's
        assert settings.tianditu_edit.isEnabled() and settings.small_spin.isEnabled()  # per-user settings stay
    assert windows["viewer"].role_label.text() == "只读：viewer 角色"
    admin = Project.open(as_user(county, granted(capsys, county, "admin")))
    assert SettingsDialog(admin, windows["editor"], SettingsDialog.SCHEME).scheme_button.isEnabled()
