"""编辑 → 设置 gathers the settings, and what is saved there is what the docks and dialogs then use."""

import geopandas as gpd
import pytest
import shapely
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from data.basemaps import page_spec
from data.project import Project
from gis.errors import UserError

DRAW_TIMEOUT_MS = 30_000


@pytest.fixture
def project(tmp_path):
    """Two towns of villages in 宝丰县 with an isolation site (CGCS2000)."""
    project = Project.create(tmp_path / "宝丰县.gpkg", name="宝丰县")
    villages = [shapely.box(113.02 + i * 0.03, 33.84 + j * 0.03, 113.05 + i * 0.03, 33.87 + j * 0.03)
                for i in range(4) for j in range(3)]
    units = gpd.GeoDataFrame({"name": [f"周庄{k}村" for k in range(12)], "level": "village",
                              "code": [f"41042110{k:04d}" for k in range(12)], "population": 2400},
                             geometry=villages, crs=4490)
    sites = gpd.GeoDataFrame({"name": ["县党校隔离点"], "rooms": [60], "status": ["active"]},
                             geometry=[shapely.Point(113.05, 33.87)], crs=4490)
    with project.transaction() as edit:
        edit.insert("admin_units", units, log_each=False)
        edit.insert("isolation_sites", sites, log_each=False)
    return project


@pytest.fixture
def clean_settings():
    store = QSettings()
    for key in ("capacity", "zones", "testing", "tianditu_keys"):
        store.remove(key)
    yield store
    for key in ("capacity", "zones", "testing", "tianditu_keys"):
        store.remove(key)


def test_saved_settings_are_used_by_the_dashboard_and_circle_dialogs(cordon_app, qtbot, project, clean_settings):
    from desktop.main_window import MainWindow
    from desktop.zone_panel import CircleDialog

    window = MainWindow(project)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.map.layersDrawn, timeout=DRAW_TIMEOUT_MS):
        window.show()
    window.capacity_dock.raise_()  # the dashboard in front, where the settings show
    qtbot.waitUntil(lambda: not window.capacity_dock.is_busy(), timeout=DRAW_TIMEOUT_MS)
    seen = {}

    def fill_in():
        dialog = QApplication.activeModalWidget()
        seen["tabs"] = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
        dialog.standard_spin.setValue(35)
        dialog.small_spin.setValue(300)
        dialog.large_spin.setValue(800)
        dialog.horizon_spin.setValue(10)
        dialog.tianditu_edit.setText("abc123, def456")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    QTimer.singleShot(200, fill_in)
    with qtbot.waitSignal(window.capacity_dock.refreshed, timeout=DRAW_TIMEOUT_MS):
        window.settings_action.trigger()  # 编辑 → 设置… (Ctrl+,)
    assert seen["tabs"] == ["底图", "管控圈", "容量与需求", "核酸检测", "分级方案"]
    assert window.capacity_dock.capacity_tab.standard_spin.value() == 35
    result = window.capacity_dock.capacity_tab.result
    assert result["standard"] == 35 and result["demand"].horizon_days == 10
    circles = CircleDialog(0, ("封控区", "管控区"))
    assert (circles.small_spin.value(), circles.large_spin.value()) == (300, 800)
    from desktop.preferences import tianditu_keys

    assert tianditu_keys() == ["abc123", "def456"]


def test_radii_that_cannot_work_are_named_and_nothing_is_saved(cordon_app, qtbot, project, clean_settings):
    from desktop.settings_dialog import SettingsDialog
    from desktop.zone_panel import circle_radii

    before = circle_radii()
    dialog = SettingsDialog(project, tab=SettingsDialog.BASEMAP)
    qtbot.addWidget(dialog)
    dialog.small_spin.setValue(1200)
    dialog.large_spin.setValue(1000)
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.tabs.currentIndex() == SettingsDialog.CIRCLES
    assert "1200" in dialog.error_label.text() and "1000" in dialog.error_label.text()
    assert circle_radii() == before


def test_scheme_periods_are_shown_and_edited_in_the_project(cordon_app, qtbot, project, clean_settings):
    from data.zone_store import load_scheme
    from desktop.settings_dialog import SettingsDialog

    dialog = SettingsDialog(project, tab=SettingsDialog.SCHEME)
    qtbot.addWidget(dialog)
    scheme = load_scheme(project)
    assert dialog.scheme_table.rowCount() == len(scheme.tiers)
    assert dialog.scheme_table.item(0, 0).text() == scheme.tiers[0].zh
    assert dialog.scheme_table.item(0, 1).text() == str(scheme.tiers[0].quiet_days)
    changed = []
    dialog.schemeChanged.connect(lambda: changed.append(True))

    def edit():
        editor = QApplication.activeModalWidget()
        editor.rows[0]["quiet_days"].setValue(scheme.tiers[0].quiet_days + 3)
        editor.accept()

    QTimer.singleShot(200, edit)
    dialog._on_edit_scheme()
    assert changed
    assert load_scheme(project).tiers[0].quiet_days == scheme.tiers[0].quiet_days + 3  # stored in the project
    assert dialog.scheme_table.item(0, 1).text() == str(scheme.tiers[0].quiet_days + 3)


def test_the_tianditu_message_names_where_keys_are_entered():
    with pytest.raises(UserError) as raised:
        page_spec("tianditu_vec", tianditu_keys=[])
    assert "编辑 → 设置 → 底图" in raised.value.zh
