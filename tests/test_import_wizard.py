"""The import wizard driven as a user would, headless, and the worker it runs imports in."""

import threading
import time

import geopandas as gpd
import pytest
import shapely
from PySide6.QtWidgets import QComboBox, QPushButton, QTableWidgetItem, QWizard

from data.importers.pipeline import ImportCancelled, import_file
from data.project import Project
from desktop import import_wizard
from desktop.change_feed import follow
from desktop.import_wizard import ImportWizard
from desktop.workers import ProgressDialog, Worker
from gis.offsets import wgs84_to_gcj02

# Any Qt warning fails a test (a thread destroyed while running would show up here); the offscreen
# platform's note about size hints is no fault of ours.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]

# True positions inside the sample county; the CSV gives them in GCJ-02 as AutoNavi maps show them.
SITES = [("沁园隔离点", 112.590, 35.090, "120"), ("梨林卫生院", 112.720, 35.080, "40"),
         ("承留宾馆", 112.520, 35.030, "十"), ("王屋招待所", 112.270, 35.130, "60")]
COUNTED = ("isolation_sites", "audit_log")


def _write_sites_csv(tmp_path):
    lines = ["名称,经度,纬度,房间数,负责人电话"]
    for i, (name, lon, lat, rooms) in enumerate(SITES):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        lines.append(f"{name},{float(g_lon):.8f},{float(g_lat):.8f},{rooms},1390391000{i}")
    path = tmp_path / "隔离点.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _choose(combo: QComboBox, data) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{data!r} not offered"
    combo.setCurrentIndex(index)


def _counts(project) -> dict[str, int]:
    return {name: project.count(name) for name in COUNTED}


def _open_on_mapping(qtbot, project, path, crs="gcj02", epsg="") -> ImportWizard:
    """A shown wizard with the file page filled in, moved on to the loaded mapping page."""
    wizard = ImportWizard(project, layer="isolation_sites")
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.file_page
    page.path_edit.setText(str(path))
    _choose(page.crs_combo, crs)
    page.epsg_edit.setText(epsg)
    assert page.isComplete()
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)
    return wizard


def _preview_cell(wizard: ImportWizard, source_row: int, header: str) -> QTableWidgetItem:
    table = wizard.mapping_page.preview_table
    columns = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    return table.item(rows.index(str(source_row)), columns.index(header))


def _run_import(qtbot, wizard: ImportWizard) -> None:
    wizard.next()
    assert wizard.report_page.is_running()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    qtbot.waitUntil(lambda: not wizard.report_page.is_running(), timeout=20_000)


def test_csv_in_gcj02_is_mapped_previewed_and_imported(qtbot, sample_project, tmp_path):
    path = _write_sites_csv(tmp_path)
    before = _counts(sample_project)
    heard = []
    follow(sample_project, lambda changeset: heard.append((changeset.layers, threading.current_thread())))
    wizard = ImportWizard(sample_project)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.file_page
    assert not page.isComplete()
    page.path_edit.setText(str(path))
    _choose(page.layer_combo, "isolation_sites")
    assert page.layer_combo.currentText() == "集中隔离场所"
    assert not page.isComplete()  # a table must be told its coordinate system
    _choose(page.crs_combo, "gcj02")
    assert page.lon_combo.findData("经度") > 0 and page.lat_combo.findData("纬度") > 0
    _choose(page.lon_combo, "经度")
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)

    assert wizard.mapping() == {"名称": "name", "房间数": "rooms", "负责人电话": "contact"}
    _choose(wizard.mapping_page.mapping_combo("负责人电话"), "phone")
    assert wizard.mapping() == {"名称": "name", "房间数": "rooms", "负责人电话": "phone"}
    bad = _preview_cell(wizard, 4, "房间数")  # 承留宾馆, the third data row: spreadsheet row 4
    assert bad.text() == "十" and "不是数字" in bad.toolTip()
    assert bad.background().color() == import_wizard._PROBLEM_BACKGROUND
    good = _preview_cell(wizard, 2, "房间数")
    assert good.text() == "120" and not good.toolTip()
    assert _preview_cell(wizard, 2, "联系电话").text() == "13903910000"
    assert wizard.mapping_page.isComplete()

    _run_import(qtbot, wizard)

    assert wizard.report is not None and wizard.report.imported == 3
    text = wizard.report_page.report_view.toPlainText()
    assert "成功 3 个" in text and "拒绝 1 个" in text
    assert "第 4 行" in text and "不是数字" in text
    assert wizard.report_page.copy_button.isVisible()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    after = _counts(sample_project)
    assert after["isolation_sites"] == before["isolation_sites"] + 3
    qtbot.waitUntil(lambda: bool(heard))
    assert heard == [({"isolation_sites", "audit_log"}, threading.main_thread())]  # views redraw on the UI thread
    sites = sample_project.read_layer("isolation_sites", where="name = ?", params=("沁园隔离点",))
    assert sites["phone"].iloc[0] == "13903910000" and sites["contact"].isna().all()
    point = sites.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((112.590, 35.090), abs=1e-6)

    wizard.report_page.copy_button.click()
    assert "成功 3 个" in wizard.report_page.report_view.toPlainText()
    wizard.accept()
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.report.imported == 3


def test_cancelling_mid_import_writes_nothing(qtbot, sample_project, tmp_path, monkeypatch):
    reached_values = threading.Event()

    def held_import(*args, cancelled, **kwargs):
        """The real import, held at its second cancel check (after reading) until the user cancels."""
        checks = 0

        def hold_then_ask() -> bool:
            nonlocal checks
            checks += 1
            if checks == 2:
                reached_values.set()
                deadline = time.monotonic() + 10
                while not cancelled() and time.monotonic() < deadline:
                    time.sleep(0.01)
            return cancelled()

        return import_file(*args, cancelled=hold_then_ask, **kwargs)

    monkeypatch.setattr(import_wizard, "import_file", held_import)
    before = _counts(sample_project)
    wizard = _open_on_mapping(qtbot, sample_project, _write_sites_csv(tmp_path))
    wizard.next()
    qtbot.waitUntil(reached_values.is_set)
    wizard.report_page.cancel_button.click()
    qtbot.waitUntil(lambda: not wizard.report_page.is_running())

    assert wizard.report is None
    assert "已取消导入" in wizard.report_page.message.text()
    assert _counts(sample_project) == before
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def test_wrong_crs_shows_the_message_on_the_page_and_writes_nothing(qtbot, sample_project, tmp_path):
    before = _counts(sample_project)
    # degrees read as Gauss-Krüger metres land near the equator, far from the county
    wizard = _open_on_mapping(qtbot, sample_project, _write_sites_csv(tmp_path), crs="other", epsg="EPSG:4547")
    _run_import(qtbot, wizard)

    message = wizard.report_page.message.text()
    assert "县域之外" in message and "坐标系可能选错了" in message
    assert wizard.report is None and _counts(sample_project) == before
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    wizard.back()
    assert wizard.currentPage() is wizard.mapping_page
    wizard.back()
    _choose(wizard.file_page.crs_combo, "gcj02")  # fix the CRS and try again
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)
    _run_import(qtbot, wizard)
    assert wizard.report.imported == 3 and not wizard.report_page.message.isVisible()
    assert _counts(sample_project)["isolation_sites"] == before["isolation_sites"] + 3


def test_a_file_without_crs_is_stopped_on_the_mapping_page(qtbot, sample_project, tmp_path):
    villages = gpd.GeoDataFrame({"村名": ["王庄村"]}, geometry=[shapely.box(112.60, 35.10, 112.62, 35.12)], crs=4490)
    villages.to_file(tmp_path / "村界.shp", engine="pyogrio")
    (tmp_path / "村界.prj").unlink()
    wizard = ImportWizard(sample_project, path=tmp_path / "村界.shp", layer="admin_units")
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.file_page.encoding_combo.isVisibleTo(wizard)
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)
    assert wizard.mapping() == {"村名": "name"}
    assert wizard.mapping_page.message.isVisible() and wizard.mapping_page.message.text()  # "go Back and choose one"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_wizard_cancel_during_import_cancels_before_closing(qtbot, sample_project, tmp_path, monkeypatch):
    release = threading.Event()

    def held_import(*args, cancelled, **kwargs):
        release.wait(10)
        return import_file(*args, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(import_wizard, "import_file", held_import)
    before = _counts(sample_project)
    wizard = _open_on_mapping(qtbot, sample_project, _write_sites_csv(tmp_path))
    wizard.next()
    wizard.reject()  # the wizard's Cancel button
    assert wizard.isVisible() and wizard.report_page.is_running()
    release.set()
    qtbot.waitUntil(lambda: not wizard.report_page.is_running())
    assert "已取消导入" in wizard.report_page.message.text()
    wizard.reject()
    assert not wizard.isVisible() and _counts(sample_project) == before


def test_a_cancel_once_writing_has_begun_is_not_honoured(sample_project, tmp_path):
    """Cancelling after the write step would report "nothing changed" for a committed import."""
    settings = import_wizard.ImportSettings(_write_sites_csv(tmp_path), "isolation_sites", crs="gcj02")
    work = import_wizard._import_work(sample_project, settings, {"名称": "name"})
    seen = []

    report = work(lambda percent, label: seen.append(percent), lambda: bool(seen) and seen[-1] >= 85)

    assert report.imported == 4 and seen[-1] == 100


def _wait_for_cancel(started: threading.Event):
    def work(progress, cancelled):
        started.set()
        while not cancelled():
            time.sleep(0.005)
        raise ImportCancelled()

    return work


def test_worker_relays_progress_then_the_result(qtbot):
    def work(progress, cancelled):
        progress(10, "reading")
        progress(10, "reading")  # repeats are dropped
        progress(90, "writing")
        return 42

    worker = Worker(work)
    seen = []
    worker.progress.connect(lambda percent, label: seen.append((percent, label)))
    with qtbot.waitSignal(worker.finished) as finished:
        worker.start()
    assert finished.args == [42]
    assert seen == [(10, "reading"), (90, "writing")]
    assert not worker.is_running()
    with pytest.raises(RuntimeError):
        worker.start()


def test_worker_cancel_stops_the_work(qtbot):
    started = threading.Event()
    worker = Worker(_wait_for_cancel(started))
    with qtbot.waitSignal(worker.failed) as failed:
        worker.start()
        assert started.wait(5)
        worker.cancel()
    assert isinstance(failed.args[0], ImportCancelled) and worker.cancelled()


def test_worker_delivers_exceptions_in_failed_and_reports_unexpected_ones(qtbot):
    def work(progress, cancelled):
        raise ValueError("broken input")

    worker = Worker(work)
    with (qtbot.captureExceptions() as reported, qtbot.assertNotEmitted(worker.finished),
          qtbot.waitSignal(worker.failed) as failed):
        worker.start()
    assert isinstance(failed.args[0], ValueError) and str(failed.args[0]) == "broken input"
    assert [str(exc) for _, exc, _ in reported] == ["broken input"]  # a bug, not a user error: never silent


def test_worker_stop_waits_for_the_thread_and_delivers_once(qtbot):
    started = threading.Event()
    worker = Worker(_wait_for_cancel(started))
    outcomes = []
    worker.failed.connect(outcomes.append)
    worker.start()
    assert started.wait(5)
    worker.stop()
    assert not worker.is_running() and len(outcomes) == 1
    qtbot.wait(50)  # the thread's own finished signal arrives too: still one outcome
    assert len(outcomes) == 1


def test_progress_dialog_shows_progress_and_its_cancel_cancels_the_worker(qtbot):
    started = threading.Event()

    def work(progress, cancelled):
        progress(30, "checking")
        return _wait_for_cancel(started)(progress, cancelled)

    worker = Worker(work)
    dialog = ProgressDialog(worker, "Importing")
    qtbot.addWidget(dialog)
    dialog.show()
    worker.start()
    qtbot.waitUntil(lambda: dialog.value() == 30)
    assert dialog.labelText() == "checking"
    with qtbot.waitSignal(worker.failed):
        dialog.findChild(QPushButton).click()
    assert worker.cancelled() and not dialog.isVisible()


def test_values_not_recognised_are_listed_with_counts_and_mapped_in_the_wizard(qtbot, tmp_path):
    project = Project.create(tmp_path / "叶县.gpkg", name="叶县", county_code="410422")
    rows = [("张伟", "确诊", "住院"), ("王芳", "待定", "集中隔离"), ("李娜", "待定", "方舱"), ("刘洋", "密接", "")]
    lines = ["姓名,类别,经度,纬度,状态"] + [f"{name},{category},{113.36 + i * 0.01:.3f},{33.60 + i * 0.01:.3f},{status}"
                                           for i, (name, category, status) in enumerate(rows)]
    path = tmp_path / "流调.csv"
    path.write_bytes("\n".join(lines).encode("gbk"))

    wizard = _open_cases_on_mapping(qtbot, project, path)
    page = wizard.mapping_page

    assert page.values_box.isVisible()
    assert page.unmatched() == {"category": {"待定": 2}, "status": {"方舱": 1}}
    assert page.values_table.item(0, 1).text() == "待定" and page.values_table.item(0, 2).text() == "2"
    refused = _preview_cell(wizard, 3, "类别")
    assert refused.text() == "待定" and refused.background().color() == import_wizard._PROBLEM_BACKGROUND
    assert _preview_cell(wizard, 2, "类别").text() == "确诊病例" and _preview_cell(wizard, 2, "状态").text() == "住院治疗"
    _choose(page.value_combo("category", "待定"), "suspected")
    assert wizard.value_map() == {"category": {"待定": "suspected"}}
    mapped = _preview_cell(wizard, 3, "类别")
    assert mapped.text() == "疑似病例" and not mapped.toolTip()
    assert _preview_cell(wizard, 4, "状态").text() == "方舱"  # left unmatched: that row stays out

    _run_import(qtbot, wizard)

    assert wizard.report.imported == 3 and [p.row for p in wizard.report.rejected] == [4]
    cases = project.read_layer("cases")
    assert dict(zip(cases.person_name, cases.category, strict=True)) == {
        "张伟": "confirmed", "王芳": "suspected", "刘洋": "close_contact"}
    assert project.metadata["value_maps"] == {"cases": {"category": {"待定": "suspected"}}}
    wizard.accept()

    again = _open_cases_on_mapping(qtbot, project, path)  # the next import: the mapping is remembered
    assert again.mapping_page.unmatched() == {"status": {"方舱": 1}}
    assert _preview_cell(again, 3, "类别").text() == "疑似病例"
    again.reject()


def _open_cases_on_mapping(qtbot, project, path) -> ImportWizard:
    wizard = ImportWizard(project, path=path, layer="cases")
    qtbot.addWidget(wizard)
    wizard.show()
    _choose(wizard.file_page.crs_combo, "wgs84")
    wizard.next()
    qtbot.waitUntil(wizard.mapping_page.is_loaded)
    return wizard
