"""The zone panel's small dialogs: the snapping options (and the snap dialog), the options of a proposal, the
control circles, a test round and a zone's report."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.zone_panel.radii import circle_radii
from desktop.zone_panel.widgets import date_edit, metres_spin, plain_label
from gis.errors import ui_language
from gis.glossary import CaseCategory, FacilityKind, RoundResult, SnapRule
from gis.zoning.proposals import DEFAULT_CASE_DAYS, PROPOSAL_SHARE_THRESHOLD, PROPOSAL_SNAP_RULE
from gis.zoning.report import ZoneReport
from gis.zoning.schemes import MAX_RULE_DAYS, TierScheme
from gis.zoning.snapping import DEFAULT_SHARE_THRESHOLD


class SnapOptions(QWidget):
    """How zones are snapped to control units: the unit level, the rule and the covered-share threshold."""

    def __init__(self, rule: str, threshold: float, parent: QWidget | None = None):
        super().__init__(parent)
        lang = ui_language()
        self.level_combo = QComboBox()
        self.level_combo.addItem(self.tr("Villages and communities"), "unit")
        self.level_combo.addItem(self.tr("Grids"), "grid")
        self.rule_combo = QComboBox()
        for member in SnapRule:
            self.rule_combo.addItem(member.label(lang), member.value)
        self.rule_combo.setCurrentIndex(self.rule_combo.findData(str(rule)))
        self.threshold_spin = QSpinBox()
        self.threshold_spin.setRange(1, 100)
        self.threshold_spin.setSuffix(" %")
        self.threshold_spin.setValue(round(threshold * 100))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Units:"), self.level_combo)
        form.addRow(self.tr("Rule:"), self.rule_combo)
        form.addRow(self.tr("Covered share at least:"), self.threshold_spin)
        self.rule_combo.currentIndexChanged.connect(self._on_rule_changed)
        self._on_rule_changed()

    def level(self) -> str:
        return self.level_combo.currentData()

    def rule(self) -> str:
        return self.rule_combo.currentData()

    def threshold(self) -> float:
        return self.threshold_spin.value() / 100

    def _on_rule_changed(self, _index: int = 0) -> None:
        self.threshold_spin.setEnabled(self.rule() == SnapRule.SHARE.value)


class ProposalDialog(QDialog):
    """Options of "Propose zones": days of cases, circle radii, unit level and snapping rule."""

    def __init__(self, scheme: TierScheme, as_of: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Propose Zones"))
        small_m, large_m = circle_radii()
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, MAX_RULE_DAYS)
        self.days_spin.setValue(scheme.tiers[0].quiet_days or DEFAULT_CASE_DAYS)
        self.days_spin.setSuffix(self.tr(" days"))
        self.small_spin, self.large_spin = metres_spin(small_m), metres_spin(large_m)
        self.snap = SnapOptions(PROPOSAL_SNAP_RULE, PROPOSAL_SHARE_THRESHOLD)
        form = QFormLayout()
        form.addRow(self.tr("As of:"), QLabel(as_of.isoformat()))
        form.addRow(self.tr("Cases of the last:"), self.days_spin)
        form.addRow(self.tr("Small circle radius:"), self.small_spin)
        form.addRow(self.tr("Large circle radius:"), self.large_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.snap)
        layout.addWidget(buttons)

    def options(self) -> dict:
        """Keyword arguments for :func:`data.zone_store.propose` (besides the date)."""
        return {"days": self.days_spin.value(), "small_m": self.small_spin.value(), "large_m": self.large_spin.value(),
                "level": self.snap.level(), "snap_rule": self.snap.rule(), "threshold": self.snap.threshold()}


class CircleDialog(QDialog):
    """Control circles: around the selected cases or at a point clicked on the map, with the two radii."""

    def __init__(self, case_count: int, tiers: tuple[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Control Circles"))
        small_m, large_m = circle_radii()
        self.cases_radio = QRadioButton(self.tr("Around the %n selected case(s)", "", case_count))
        self.point_radio = QRadioButton(self.tr("At a point I click on the map"))
        self.cases_radio.setEnabled(case_count > 0)
        (self.cases_radio if case_count else self.point_radio).setChecked(True)
        self.small_spin, self.large_spin = metres_spin(small_m), metres_spin(large_m)
        form = QFormLayout()
        form.addRow(self.tr("Small circle (%1):").replace("%1", tiers[0]), self.small_spin)
        form.addRow(self.tr("Large circle (%1):").replace("%1", tiers[1]), self.large_spin)
        note = QLabel(self.tr("No official radius exists: these are this county's settings."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.cases_radio)
        layout.addWidget(self.point_radio)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def around_cases(self) -> bool:
        return self.cases_radio.isChecked()

    def radii(self) -> tuple[float, float]:
        return self.small_spin.value(), self.large_spin.value()


class SnapDialog(QDialog):
    """Options for snapping a circle or drawn zone to the units it covers."""

    def __init__(self, zone_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Snap to Units"))
        self.snap = SnapOptions(SnapRule.CENTROID, DEFAULT_SHARE_THRESHOLD)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(zone_name))
        layout.addWidget(self.snap)
        layout.addWidget(buttons)


class TestRoundDialog(QDialog):
    """A full test round of a zone: its date and result."""

    def __init__(self, zone_name: str, day: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record Test Round"))
        lang = ui_language()
        self.date_edit = date_edit(day)
        self.result_combo = QComboBox()
        for result in RoundResult:
            self.result_combo.addItem(result.label(lang), result.value)
        form = QFormLayout()
        form.addRow(self.tr("Zone:"), plain_label(zone_name))
        form.addRow(self.tr("Date:"), self.date_edit)
        form.addRow(self.tr("Result:"), self.result_combo)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def day(self) -> dt.date:
        return self.date_edit.date().toPython()

    def result(self) -> str:
        return self.result_combo.currentData()


class ZoneReportDialog(QDialog):
    """What a zone holds: units, grids, people, isolation sites, facilities, cases by category."""

    def __init__(self, title: str, report: ZoneReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Zone Report"))
        lang = ui_language()
        self.separator = "、" if lang == "zh" else ", "
        names = report.units["name"].fillna(report.units["code"]).astype(str).tolist()
        facilities = report.facilities["kind"].value_counts()
        form = QFormLayout()
        form.addRow(self.tr("Villages and communities:"), QLabel(str(len(report.units))))
        form.addRow(self.tr("Grids:"), QLabel(str(len(report.grids))))
        form.addRow(self.tr("Population:"), QLabel(f"{report.population:,}"))
        form.addRow(self.tr("Households:"), QLabel(f"{report.households:,}"))
        form.addRow(self.tr("Isolation sites:"),
                    plain_label(self._listing(report.isolation_sites["name"].astype(str).tolist())))
        form.addRow(self.tr("Facilities:"), plain_label(self.separator.join(
            f"{FacilityKind(k).label(lang) if k in FacilityKind.values() else k} {n}" for k, n in facilities.items())
            or "0"))
        cases = QGroupBox(self.tr("Cases inside"))
        counts = QFormLayout(cases)
        for category in CaseCategory:
            counts.addRow(category.label(lang), QLabel(str(report.cases_by_category.get(category.value, 0))))
        units = QPlainTextEdit("\n".join(names))
        units.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        heading = plain_label(title)
        heading.setStyleSheet("font-weight: bold;")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(cases)
        layout.addWidget(QLabel(self.tr("Units inside:")))
        layout.addWidget(units, 1)
        layout.addWidget(buttons)
        self.resize(420, 560)

    def _listing(self, names: list[str]) -> str:
        return f"{len(names)}" + (f"  ({self.separator.join(names)})" if names else "")
