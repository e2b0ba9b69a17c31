"""编辑 → 设置: every setting in one dialog, a tab per subject.

Per-user values stay in QSettings where the docks read them (Tianditu keys, circle radii, the capacity
standard, demand and testing assumptions); the tier scheme and its periods belong to the project and are
edited with the zone panel's scheme editor, opened from the last tab (by the project's admin only).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from data.project import Project
from data.zone_store import load_scheme, save_scheme
from desktop.dashboard import STANDARD_KEY
from desktop.preferences import (
    demand_assumptions,
    sampling_assumptions,
    set_demand_assumptions,
    set_sampling_assumptions,
    set_tianditu_keys,
    tianditu_keys,
)
from desktop.widgets import MessageLabel
from desktop.zone_panel import circle_radii, remember_circle_radii
from gis.capacity import ROOMS_PER_10K_STANDARD, DemandAssumptions
from gis.errors import UserError, ui_language
from gis.testing_plan import SamplingAssumptions
from gis.zoning.circles import check_radii

MAX_RADIUS_M = 50_000


def _spin(value: float, maximum: float, suffix: str, decimals: int = 0, minimum: float = 0) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(minimum, maximum)
    spin.setDecimals(decimals)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _count(value: int, maximum: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, maximum)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555555;")
    return label


class SettingsDialog(QDialog):
    """The settings of Cordon (编辑 → 设置). Saving writes the per-user values; the tier scheme is saved into
    the project as soon as its editor is accepted (``schemeChanged`` then tells the window)."""

    BASEMAP, CIRCLES, CAPACITY, TESTING, SCHEME = range(5)
    schemeChanged = Signal()

    def __init__(self, project: Project, parent: QWidget | None = None, tab: int = BASEMAP):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.project = project
        self.settings = QSettings()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._basemap_tab(), self.tr("Basemap"))
        self.tabs.addTab(self._circles_tab(), self.tr("Control Circles"))
        self.tabs.addTab(self._capacity_tab(), self.tr("Capacity and Demand"))
        self.tabs.addTab(self._testing_tab(), self.tr("Testing"))
        self.tabs.addTab(self._scheme_tab(), self.tr("Tier Scheme"))
        self.tabs.setCurrentIndex(tab)
        self.error_label = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    # -- tabs ---------------------------------------------------------------------------------------

    def _basemap_tab(self) -> QWidget:
        self.tianditu_edit = QLineEdit(", ".join(tianditu_keys()))
        self.tianditu_edit.setPlaceholderText(self.tr("key1, key2"))
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Tianditu keys:"), self.tianditu_edit)
        form.addRow(_note(self.tr("One or more keys from tianditu.gov.cn, separated by commas; used by the Tianditu "
                                  "basemaps under Map → Basemap. Other basemaps need no key.")))
        return page

    def _circles_tab(self) -> QWidget:
        small_m, large_m = circle_radii()
        metres = self.tr(" m")
        self.small_spin = _spin(small_m, MAX_RADIUS_M, metres, minimum=10)
        self.large_spin = _spin(large_m, MAX_RADIUS_M, metres, minimum=10)
        for spin in (self.small_spin, self.large_spin):
            spin.setSingleStep(100)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Small circle radius:"), self.small_spin)
        form.addRow(self.tr("Large circle radius:"), self.large_spin)
        form.addRow(_note(self.tr("No official radius exists: these are this county's settings. They are the "
                                  "defaults of control circles and of zone proposals.")))
        return page

    def _capacity_tab(self) -> QWidget:
        demand = demand_assumptions()
        self.standard_spin = _spin(float(self.settings.value(STANDARD_KEY, ROOMS_PER_10K_STANDARD)), 1000,
                                   self.tr(" rooms per 10,000"), decimals=1)
        self.close_spin = _spin(demand.close_contacts_per_case, 1000, "", decimals=1)
        self.secondary_spin = _spin(demand.secondary_contacts_per_case, 1000, "", decimals=1)
        days = self.tr(" days")
        self.recent_spin = _count(demand.recent_days, 60, days)
        self.horizon_spin = _count(demand.horizon_days, 60, days)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Capacity standard:"), self.standard_spin)
        form.addRow(_note(self.tr("Isolation rooms a county and each town should have per 10,000 residents "
                                  "(national: 20).")))
        form.addRow(self.tr("Close contacts per new infection:"), self.close_spin)
        form.addRow(self.tr("Secondary contacts per new infection:"), self.secondary_spin)
        form.addRow(self.tr("New infections a day averaged over:"), self.recent_spin)
        form.addRow(self.tr("Demand forecast for the next:"), self.horizon_spin)
        form.addRow(_note(self.tr("Each contact needs one room. Set the ratios from the local tracing figures.")))
        return page

    def _testing_tab(self) -> QWidget:
        sampling = sampling_assumptions()
        self.rate_spin = _count(sampling.people_per_point_hour, 10_000, self.tr(" people"))
        self.hours_spin = _count(sampling.hours_per_day, 24, self.tr(" hours"))
        self.testing_days_spin = _count(sampling.days, 30, self.tr(" days"))
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("People sampled per point an hour:"), self.rate_spin)
        form.addRow(self.tr("Sampling hours a day:"), self.hours_spin)
        form.addRow(self.tr("Test everyone within:"), self.testing_days_spin)
        form.addRow(_note(self.tr("Used by the mass-testing plan (Dashboard → Testing) to count the sampling "
                                  "points each town or grid needs.")))
        return page

    def _scheme_tab(self) -> QWidget:
        self.scheme_label = QLabel()
        self.scheme_table = QTableWidget(0, 5)
        self.scheme_table.setHorizontalHeaderLabels([
            self.tr("Tier"), self.tr("Quiet days"), self.tr("Test round"), self.tr("Days after step-down"),
            self.tr("Contact days")])
        self.scheme_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.scheme_table.verticalHeader().hide()
        self.scheme_button = QPushButton(self.tr("Edit Tier Scheme…"))
        self.scheme_button.setEnabled(self.project.can_admin)
        self.scheme_button.clicked.connect(self._on_edit_scheme)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.scheme_label)
        layout.addWidget(self.scheme_table, 1)
        layout.addWidget(_note(self.tr("The tier scheme is saved in the project: everyone who opens the project "
                                       "works with the same periods. Presets are chosen in the zone panel.")))
        if not self.project.can_admin:
            layout.addWidget(_note(self.tr("Only an admin of the project can change it, and not while the project "
                                           "is open read-only.")))
        layout.addWidget(self.scheme_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._show_scheme()
        return page

    def _show_scheme(self) -> None:
        scheme, lang = load_scheme(self.project), ui_language()
        self.scheme_label.setText(self.tr("Tier scheme of this project: %1").replace(
            "%1", scheme.zh if lang == "zh" else scheme.en))
        self.scheme_table.setRowCount(len(scheme.tiers))
        for row, tier in enumerate(scheme.tiers):
            counted = tier.downgrade_to is not None
            cells = [tier.label(lang), str(tier.quiet_days) if counted else "—",
                     "✓" if tier.needs_test_round else "", "—" if tier.after_downgrade_days is None
                     else str(tier.after_downgrade_days), str(tier.contact_quiet_days) if counted else "—"]
            for column, text in enumerate(cells):
                self.scheme_table.setItem(row, column, QTableWidgetItem(text))
        self.scheme_table.resizeColumnsToContents()

    @Slot()
    def _on_edit_scheme(self) -> None:
        from desktop.zone_panel import SchemeDialog

        dialog = SchemeDialog(load_scheme(self.project), self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.scheme_result is None:
            return
        try:
            save_scheme(self.project, dialog.scheme_result)
        except UserError as error:
            self._show_error(error)
            return
        self._show_scheme()
        self.schemeChanged.emit()

    # -- saving -------------------------------------------------------------------------------------

    def _show_error(self, error: UserError) -> None:
        self.error_label.show_message(error.message())

    def accept(self) -> None:
        """Check the values, write them and close; a value that cannot be used is named and the dialog stays."""
        try:
            check_radii(self.small_spin.value(), self.large_spin.value())
        except UserError as error:
            self.tabs.setCurrentIndex(self.CIRCLES)
            self._show_error(error)
            return
        set_tianditu_keys(self.tianditu_edit.text().split(","))
        remember_circle_radii(self.small_spin.value(), self.large_spin.value())
        self.settings.setValue(STANDARD_KEY, self.standard_spin.value())
        set_demand_assumptions(DemandAssumptions(
            close_contacts_per_case=self.close_spin.value(), secondary_contacts_per_case=self.secondary_spin.value(),
            recent_days=self.recent_spin.value(), horizon_days=self.horizon_spin.value()))
        set_sampling_assumptions(SamplingAssumptions(
            people_per_point_hour=self.rate_spin.value(), hours_per_day=self.hours_spin.value(),
            days=self.testing_days_spin.value()))
        super().accept()
