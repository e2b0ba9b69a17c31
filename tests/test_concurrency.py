"""Several desks on one project at once, on a real PostgreSQL/PostGIS server and on a GeoPackage: concurrent
writers lose no edit, a stale edit is refused naming who changed the feature and when, a writer killed
mid-transaction leaves nothing behind, the same proposal applied twice at once makes one set of zones, and a
GeoPackage names the other window that edits it.

The writers are real processes (``multiprocessing`` spawn), each with its own connection, released together.
"""

import datetime as dt
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from data import project_lock, zone_store
from data.project import ConflictError, Project
from gis.crs import STORAGE_CRS
from gis.glossary import ZoneKind

GAUSS_KRUGER_114E = "EPSG:4547"  # CGCS2000 3-degree Gauss-Krüger zone of 叶县 (central meridian 114°E)
ORIGIN = (430_000, 3_720_000)
CELL_M = 1500
VILLAGES = ["昆阳社区", "阳光里社区", "东湖村", "西湖村", "南岗村", "北岗村", "马庄村", "牛庄村", "杨楼村"]
DAY = "2026-03-10"
SPAWN = multiprocessing.get_context("spawn")


def gk_point(x_m: float, y_m: float) -> shapely.Point:
    return gpd.GeoSeries([shapely.Point(ORIGIN[0] + x_m, ORIGIN[1] + y_m)], crs=GAUSS_KRUGER_114E).to_crs(
        STORAGE_CRS).iloc[0]


def county(target) -> Project:
    """叶县 drawn in Gauss-Krüger metres: nine 1.5 km villages/communities in a 3x3 grid, an isolation site
    whose ``occupied`` rooms count the writers' edits, and two confirmed cases on DAY."""
    cells = [(c, r) for r in range(3) for c in range(3)]
    squares = [shapely.box(ORIGIN[0] + c * CELL_M, ORIGIN[1] + r * CELL_M, ORIGIN[0] + (c + 1) * CELL_M,
                           ORIGIN[1] + (r + 1) * CELL_M) for c, r in cells]
    units = gpd.GeoDataFrame({
        "code": [f"410422100{i:03d}" for i in range(9)], "name": VILLAGES,
        "level": ["community" if n.endswith("社区") else "village" for n in VILLAGES],
        "parent_code": "410422100000", "population": [1200 + 50 * i for i in range(9)],
    }, geometry=squares, crs=GAUSS_KRUGER_114E).to_crs(STORAGE_CRS)
    whole = gpd.GeoDataFrame({"code": ["410422"], "name": ["叶县"], "level": ["county"]},
                             geometry=[shapely.union_all(units.geometry.values)], crs=STORAGE_CRS)
    project = Project.create(target, name="叶县", county_code="410422")
    project.user = "管理员"
    with project.transaction() as edit:
        edit.insert("admin_units", pd.concat([whole, units], ignore_index=True), log_each=False)
        edit.insert("isolation_sites", gpd.GeoDataFrame(
            {"name": ["县宾馆隔离点"], "rooms": [5000], "occupied": [0], "status": ["active"]},
            geometry=[gk_point(2200, 2200)], crs=STORAGE_CRS))
        edit.insert("cases", gpd.GeoDataFrame(
            {"case_no": ["YX-001", "YX-002"], "category": ["confirmed", "confirmed"],
             "reported_at": [f"{DAY}T09:30:00", f"{DAY}T15:10:00"]},
            geometry=[gk_point(700, 800), gk_point(3700, 3800)], crs=STORAGE_CRS))
    return project


# -- what each writer process does (module level: spawned processes import it) -----------------------------


def _counted_edits(target: str, desk: int, edits: int, start, results) -> None:
    """``edits`` transactions, each counting one more person in the site's ``occupied`` rooms and adding that
    person's case. A desk counts from the value and version it read before (as a form does); when that is
    refused because another desk counted meanwhile, it counts again from the row read inside the transaction."""
    project = Project.open(target)
    project.user = f"desk{desk}"
    cases = [gpd.GeoDataFrame({"case_no": [f"D{desk}-{i:03d}"], "category": ["close_contact"],
                               "reported_at": [f"{DAY}T10:00:00"]}, geometry=[gk_point(100 + desk, 100 + i)],
                              crs=STORAGE_CRS) for i in range(edits)]
    start.wait()
    conflicts = 0
    for case in cases:
        seen = project.feature("isolation_sites", 1)
        for again in (False, True):
            try:
                with project.transaction() as edit:
                    edit.insert("cases", case)
                    site = edit.feature("isolation_sites", 1) if again else seen
                    edit.update("isolation_sites", 1, {"occupied": site["occupied"] + 1},
                                expected_version=site["version"])
                break
            except ConflictError:
                conflicts += 1
    results.put((desk, conflicts))


def _apply_same_proposal(target: str, desk: int, start, results) -> None:
    project = Project.open(target)
    project.user = f"desk{desk}"
    proposal = zone_store.propose(project, as_of=DAY)
    start.wait()
    results.put((desk, [int(f) for f in zone_store.apply_proposal(project, proposal, at=f"{DAY}T18:00:00")]))


def run_desks(function, args_by_desk, timeout: float = 80):
    """Run ``function(*args, start, results)`` in one spawned process per desk, released together; returns
    what each put in ``results``. A desk that fails fails the test."""
    start, results = SPAWN.Event(), SPAWN.Queue()
    desks = [SPAWN.Process(target=function, args=(*args, start, results)) for args in args_by_desk]
    try:
        for desk in desks:
            desk.start()
        start.set()
        out = [results.get(timeout=timeout) for _ in desks]
        for desk in desks:
            desk.join(timeout=10)
            assert desk.exitcode == 0
    finally:
        for desk in desks:
            if desk.is_alive():
                desk.kill()
    return out


# -- tests ------------------------------------------------------------------------------------------------


def test_eight_desks_writing_200_edits_each_lose_nothing_on_postgis(pg_target):
    project = county(pg_target)
    conflicts = run_desks(_counted_edits, [(pg_target, desk, 200) for desk in range(8)])

    cases = project.read_layer("cases")
    assert len(cases) == 2 + 1600 and cases["case_no"].is_unique
    assert int(project.read_layer("isolation_sites")["occupied"].iloc[0]) == 1600  # no lost update
    assert project.version("isolation_sites", 1) == 1 + 1600
    log = project.read_layer("audit_log")
    added = log[(log["layer"] == "cases") & (log["action"] == "create")]
    assert len(added) == 2 + 1600 and set(added["fid"]) == set(cases.index)  # every case in the ledger
    counted = log[(log["layer"] == "isolation_sites") & (log["action"] == "modify")]
    assert len(counted) == 1600 and set(counted["user"]) == {f"desk{d}" for d in range(8)}
    steps = [json.loads(a)["occupied"] - json.loads(b)["occupied"] for b, a in zip(counted["before"], counted["after"],
                                                                                  strict=True)]
    assert set(steps) == {1}  # every count started from the value the one before it left
    assert sum(c for _, c in conflicts) > 0  # the desks did collide, and were refused rather than overwritten


def test_writers_on_one_geopackage_lose_nothing(tmp_path):
    target = str(tmp_path / "叶县.gpkg")
    project = county(target)
    run_desks(_counted_edits, [(target, desk, 25) for desk in range(4)])
    assert project.count("cases") == 2 + 100
    assert int(project.read_layer("isolation_sites")["occupied"].iloc[0]) == 100
    log = project.read_layer("audit_log")
    assert ((log["layer"] == "isolation_sites") & (log["action"] == "modify")).sum() == 100


def test_two_desks_editing_the_same_zone_one_wins_the_other_is_told_who(store):
    project = county(store)
    project.user = "张三"
    ring = shapely.box(*gpd.GeoSeries([gk_point(1500, 0), gk_point(3000, 1500)]).total_bounds)
    fid = zone_store.create_zone(project, ring, tier="sealed", kind=ZoneKind.DRAWN.value, name="阳光里社区")
    zhang, li = Project.open(store), Project.open(store)
    zhang.user, li.user = "张三", "李四"
    seen_by_zhang = zone_store.zone_rows(zhang).set_index("fid").loc[fid]
    seen_by_li = zone_store.zone_rows(li).set_index("fid").loc[fid]
    assert seen_by_zhang["version"] == seen_by_li["version"] == 1

    zone_store.change_tier(zhang, fid, "controlled", expected_version=int(seen_by_zhang["version"]))
    changed_at = dt.datetime.now().strftime("%H:%M")
    with pytest.raises(ConflictError) as refused:
        zone_store.lift(li, fid, expected_version=int(seen_by_li["version"]))

    assert refused.value.message("zh").startswith("管控区域 阳光里社区 已被 张三 于 ")
    assert changed_at in refused.value.message("zh") and "你的修改未保存" in refused.value.message("zh")
    assert "by 张三" in refused.value.message("en")
    zone = zone_store.zone_rows(project).set_index("fid").loc[fid]
    assert (zone["tier"], zone["status"], zone["version"]) == ("controlled", "active", 2)  # 李四's lift not stored
    assert "lift" not in set(project.read_layer("audit_log")["action"])
    with pytest.raises(ConflictError, match="阳光里社区 已被 张三"), li.transaction() as edit:  # a delete, too
        edit.delete("control_zones", [fid], expected_versions={fid: 1})
    assert project.count("control_zones") == 1
    zone_store.lift(li, fid, expected_version=2)  # after refreshing, 李四's lift goes through
    assert zone_store.zone_rows(project).set_index("fid").loc[fid, "status"] == "lifted"


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    import geopandas as gpd, shapely
    from data.project import Project
    project = Project.open(sys.argv[1])
    with project.transaction() as edit:
        edit.insert("cases", gpd.GeoDataFrame({"case_no": [f"K{i}" for i in range(50)], "category": "confirmed"},
                                               geometry=[shapely.Point(113.3, 33.6)] * 50, crs=4490))
        edit.update("isolation_sites", 1, {"occupied": 999})
        print("inside", flush=True)
        time.sleep(60)
""")


def test_a_writer_killed_mid_transaction_leaves_nothing_and_others_go_on(store):
    project = county(store)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, store], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    try:
        assert writer.stdout.readline().strip() == "inside"
        if store.startswith("postgresql"):  # the server lets others write other rows meanwhile
            zone_store.create_zone(project, shapely.box(113.3, 33.6, 113.31, 33.61), tier="sealed",
                                   kind=ZoneKind.DRAWN.value, name="东湖村")
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
    finally:
        if writer.poll() is None:
            writer.kill()
    started = time.monotonic()
    with project.transaction() as edit:  # the row the killed writer held is free again
        edit.update("isolation_sites", 1, {"occupied": 7}, expected_version=project.version("isolation_sites", 1))
    assert time.monotonic() - started < 10
    reopened = Project.open(store)
    assert not reopened.read_layer("cases")["case_no"].str.startswith("K").any()
    site = reopened.read_layer("isolation_sites").iloc[0]
    assert int(site["occupied"]) == 7 and reopened.version("isolation_sites", 1) == 2
    assert "999" not in " ".join(reopened.read_layer("audit_log")["after"].dropna())


def test_two_desks_applying_the_same_proposal_at_once_make_one_set_of_zones(pg_target):
    project = county(pg_target)
    expected = len(zone_store.compare_proposal(project, zone_store.propose(project, as_of=DAY)).applicable_positions())
    assert expected >= 2
    applied = dict(run_desks(_apply_same_proposal, [(pg_target, desk) for desk in range(2)]))

    assert sorted(len(fids) for fids in applied.values()) == [0, expected]  # one desk made them, the other none
    zones = project.read_layer("control_zones")
    assert len(zones) == expected and zones["name"].is_unique
    assert (project.read_layer("audit_log")["action"] == "apply_proposal").sum() == 1


def test_a_second_window_on_a_geopackage_names_the_first(tmp_path):
    target = tmp_path / "叶县.gpkg"
    county(str(target))
    other = project_lock.LockRecord("张三", "zhihuibu-pc2", 4242, time.time() - 120, time.time() - 30)
    project_lock.lock_path(target).write_text(json.dumps(other.__dict__), encoding="utf-8")

    holder = project_lock.lock_holder(target)
    assert (holder.user, holder.host) == ("张三", "zhihuibu-pc2")
    heard = []
    desk = Project.open(target)
    desk.on_shared = heard.append
    desk.set_metadata(attribution="县指挥部")  # a scripted write goes on, with one warning
    desk.set_metadata(attribution="县指挥部综合组")
    assert len(heard) == 1 and "张三（zhihuibu-pc2）" in heard[0].message("zh")
    assert Project.open(target).metadata["attribution"] == "县指挥部综合组"

    stale = project_lock.LockRecord("张三", "zhihuibu-pc2", 4242, time.time() - 3600,
                                    time.time() - project_lock.STALE_AFTER_S - 5)
    project_lock.lock_path(target).write_text(json.dumps(stale.__dict__), encoding="utf-8")
    assert project_lock.lock_holder(target) is None  # not refreshed for minutes: that window is gone
    crashed = subprocess.Popen([sys.executable, "-c", "pass"])
    crashed.wait()
    gone = project_lock.LockRecord("李四", project_lock.socket.gethostname(), crashed.pid, time.time(), time.time())
    project_lock.lock_path(target).write_text(json.dumps(gone.__dict__), encoding="utf-8")
    assert project_lock.lock_holder(target) is None  # its process ended on this PC

    mine = project_lock.ProjectLock.acquire(target, user="王五")
    assert project_lock.lock_holder(target) is None  # our own record
    assert project_lock.read_lock(target).user == "王五"
    mine.release()
    assert not project_lock.lock_path(target).exists()


def test_a_geopackage_on_a_network_share_is_named(tmp_path):
    share = tmp_path / "指挥部 共享"
    mounts = f"/dev/sda1 / ext4 rw 0 0\n//fileserver/zhb {str(share).replace(' ', chr(92) + '040')} cifs rw 0 0\n"
    assert project_lock.network_share(share / "叶县.gpkg", mounts) == "cifs"
    assert project_lock.network_share(tmp_path / "叶县.gpkg", mounts) is None
    warnings = project_lock.sharing_warnings(share / "叶县.gpkg", mounts)
    assert len(warnings) == 1 and "网络共享（cifs）" in warnings[0].message("zh") and "数据库" in warnings[0].message("zh")
    assert project_lock.network_share(r"\\fileserver\zhb\叶县.gpkg") == "UNC"


def test_a_write_command_names_the_window_editing_the_geopackage_and_goes_on(tmp_path, capsys):
    from main import main

    target = tmp_path / "叶县.gpkg"
    county(str(target)).close()
    other = project_lock.LockRecord("张三", "zhihuibu-pc2", 4242, time.time() - 120, time.time() - 30)
    project_lock.lock_path(target).write_text(json.dumps(other.__dict__), encoding="utf-8")
    code = main(["zones", str(target), "propose", "--apply", "--date", DAY])
    err = capsys.readouterr().err
    assert code == 0 and err.count("警告：") == 1 and "张三（zhihuibu-pc2）" in err
    assert Project.open(target).count("control_zones") >= 2


def test_the_attribute_table_refuses_a_stale_edit_names_who_and_shows_their_value(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QUndoStack

    from desktop.attribute_dock import AttributeDock

    target = str(tmp_path / "叶县.gpkg")
    project = county(target)
    project.user = "王五"
    dock = AttributeDock(project, QUndoStack())
    qtbot.addWidget(dock)
    dock.show()
    dock.show_feature("isolation_sites", 1)
    other = Project.open(target)
    other.user = "李四"
    with other.transaction() as edit:  # another desk, unheard by this one
        edit.update("isolation_sites", 1, {"occupied": 12})

    index = dock.model.index(dock.model.row_of(1), dock.model.column_of("occupied"))
    dock.model.setData(index, "30", Qt.ItemDataRole.EditRole)

    assert dock.status_label.isVisible() and "集中隔离场所 县宾馆隔离点 已被 李四 于" in dock.status_label.text()
    assert int(project.feature("isolation_sites", 1)["occupied"]) == 12  # 王五's 30 not stored
    assert dock.model.stored_value(index) == 12 and dock.undo_stack.count() == 0  # refreshed, nothing to undo
    dock.model.setData(index, "30", Qt.ItemDataRole.EditRole)  # from the refreshed row it goes through
    assert int(project.feature("isolation_sites", 1)["occupied"]) == 30


def test_a_geopackage_opened_read_only_greys_out_every_edit(cordon_app, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QAbstractItemView, QMessageBox

    from desktop.main_window import MainWindow
    from desktop.settings_dialog import SettingsDialog

    target = tmp_path / "叶县.gpkg"
    county(str(target)).close()
    other = project_lock.LockRecord("张三", "zhihuibu-pc2", 4242, time.time() - 120, time.time() - 30)
    project_lock.lock_path(target).write_text(json.dumps(other.__dict__), encoding="utf-8")
    asked = []

    def open_read_only(box: QMessageBox) -> int:  # the user answers 只读打开
        asked.append(box.text())
        next(button for button in box.buttons() if button.text() == "只读打开").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", open_read_only)
    window = MainWindow(Project.open(target))
    qtbot.addWidget(window)

    project = window.project
    assert len(asked) == 1 and "张三（zhihuibu-pc2）" in asked[0]
    assert (project.read_only, project.can_edit, project.can_admin) == (True, False, False)
    window.attribute_dock.show_feature("isolation_sites", 1)
    assert window.attribute_dock.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not window.attribute_dock.delete_action.isEnabled()
    assert not window.import_action.isEnabled() and not window.tools["polygon"].isEnabled()
    assert not window.zone_panel.propose_action.isEnabled()
    assert not window.capacity_dock.capacity_tab.record_button.isEnabled()
    assert window.print_action.isEnabled() and window.export_action.isEnabled()
    assert window.role_label.isVisibleTo(window) and window.role_label.text() == "只读：另一个窗口正在编辑此项目"
    settings = SettingsDialog(project, window, SettingsDialog.SCHEME)
    assert not settings.scheme_button.isEnabled() and settings.tianditu_edit.isEnabled()
    assert project_lock.read_lock(target).user == "张三"  # a read-only window leaves the other's claim alone
