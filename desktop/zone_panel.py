"""The zone panel: the control zones with their countdowns, and the zone actions of :mod:`data.zone_store`
driven from the desktop — tier changes, stepping down, lifting, test rounds, reports, proposals, control
circles, snapping to units, the change map and the effective tiers.

Every change to a zone is a command on the shared undo stack: :class:`ZoneActionCommand` wraps one
zone_store action on an existing zone (undo puts the zone's row back as it was), and
:class:`CreateZonesCommand` wraps an action that creates zones and may update others in place, as accepting a
proposal does (undo deletes the new ones and puts the updated rows back). The panel follows the
project's changes, whichever thread commits them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPointF,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from data import zone_store
from data.project import Project, now_iso
from data.schema import CONTROL_ZONES
from data.web_map import tier_styles
from desktop.undo import _plain
from desktop.workers import ProgressDialog, Worker
from gis.errors import UserError, ui_language
from gis.glossary import (
    INFECTED,
    CaseCategory,
    FacilityKind,
    Missing,
    ProposalGroup,
    RoundResult,
    SnapRule,
    ZoneChange,
    ZoneDifference,
    ZoneKind,
    ZoneStatus,
)
from gis.zoning.circles import LARGE_CIRCLE_RADIUS_M, SMALL_CIRCLE_RADIUS_M, control_circles
from gis.zoning.proposal_diff import ProposalDiff, ZoneComparison
from gis.zoning.proposals import DEFAULT_CASE_DAYS, PROPOSAL_SHARE_THRESHOLD, PROPOSAL_SNAP_RULE, Proposal
from gis.zoning.report import ZoneReport
from gis.zoning.schemes import MAX_RULE_DAYS, PRESETS, TierScheme, user_scheme
from gis.zoning.snapping import DEFAULT_SHARE_THRESHOLD, snap_to_units

LAYER = zone_store.LAYER
SMALL_RADIUS_KEY = "zones/small_radius_m"
LARGE_RADIUS_KEY = "zones/large_radius_m"
HIGHLIGHT_COLOUR = "#00a6ed"  # the map's selection colour
CHANGE_COLOURS = {ZoneChange.ADDED: "#d7191c", ZoneChange.UPGRADED: "#fdae61", ZoneChange.DOWNGRADED: "#2c7bb6",
                  ZoneChange.LIFTED: "#7f7f7f"}
READY_COLOUR = "#1a7f37"
UNCHANGED_FILL_OPACITY = 0.05  # zones a proposal leaves as they are: drawn faint under what it changes
PROPOSAL_OVERLAYS = ("proposal", "proposal_unchanged", "proposal_step_down")
LIFTED_COLOUR = "#8a8a8a"
ERROR_STYLE = "color: #9b1c1c;"
CUSTOM_SCHEME = "__custom__"
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()


def circle_radii() -> tuple[float, float]:
    """The small and large control-circle radii (metres) from the settings, or the program's defaults."""
    settings = QSettings()
    return (settings.value(SMALL_RADIUS_KEY, SMALL_CIRCLE_RADIUS_M, float),
            settings.value(LARGE_RADIUS_KEY, LARGE_CIRCLE_RADIUS_M, float))


def remember_circle_radii(small_m: float, large_m: float) -> None:
    """Make these radii the defaults for control circles and proposals."""
    settings = QSettings()
    settings.setValue(SMALL_RADIUS_KEY, float(small_m))
    settings.setValue(LARGE_RADIUS_KEY, float(large_m))


def circle_tiers(scheme: TierScheme) -> tuple[str, str]:
    """Tiers of the small and large circle: the second and third tier, as in a proposal (the lowest if fewer)."""
    keys = scheme.keys
    return keys[min(1, len(keys) - 1)], keys[min(2, len(keys) - 1)]


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date_edit(day: dt.date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _metres_spin(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(10, 50_000)
    spin.setDecimals(0)
    spin.setSingleStep(100)
    spin.setValue(value)
    spin.setSuffix(QCoreApplication.translate("ZonePanel", " m"))
    return spin


def _plain_label(text: str = "") -> QLabel:
    """A label for data text: never read as rich text (names come from imported files)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _tier_label(scheme: TierScheme, key: str, lang: str) -> str:
    return scheme.label(key, lang) if key in scheme.keys else str(key)


def _one_zone_frame(project: Project, fid: int) -> gpd.GeoDataFrame:
    return project.read_layer(LAYER, where="fid = ?", params=(int(fid),))


# -- undoable commands ---------------------------------------------------------------------------------------


class _ZoneCommand(QUndoCommand):
    """What the zone commands share: a refused action (UserError) changes nothing, is kept in ``error`` and
    makes the command obsolete, so the undo stack drops it; ``report_error`` hears of refusals on a later redo."""

    def __init__(self, project: Project, text: str):
        super().__init__(text)
        self.project = project
        self.error: UserError | None = None
        self.report_error: Callable[[UserError], None] | None = None

    def _attempt(self, step: Callable[[], object]) -> bool:
        try:
            step()
        except UserError as error:
            self.error = error
            self.setObsolete(True)
            if self.report_error:
                self.report_error(error)
            return False
        return True


def _zone_state(project: Project, fid: int) -> tuple[dict, object]:
    """Zone ``fid``'s row as it is now: every field, and the outline."""
    row = _one_zone_frame(project, fid).iloc[0]
    return {name: _plain(row[name]) for name in CONTROL_ZONES.field_names}, row.geometry


class ZoneActionCommand(_ZoneCommand):
    """One zone_store action on zone ``fid``: redo runs ``action()``; undo writes back the zone's row (every
    field and the outline) as it was before, logged "undo"."""

    def __init__(self, project: Project, fid: int, action: Callable[[], object], text: str):
        super().__init__(project, text)
        self.fid, self.action = int(fid), action
        self.before, self.before_geometry = _zone_state(project, fid)

    def redo(self) -> None:
        self._attempt(self.action)

    def undo(self) -> None:
        with self.project.transaction() as edit:
            edit.update(LAYER, self.fid, self.before, geometry=self.before_geometry, action="undo")


class CreateZonesCommand(_ZoneCommand):
    """A zone_store action creating zones (``create()`` returns their fids) and changing the zones ``updates``
    in place: undo deletes the new zones and writes the changed ones back as they were (logged "undo"); redo
    puts the same rows back under the same fids and the changed ones as the action left them (logged "redo")."""

    def __init__(self, project: Project, create: Callable[[], list[int]], text: str, updates=()):
        super().__init__(project, text)
        self.create = create
        self.rows: gpd.GeoDataFrame | None = None
        self.before = {int(fid): _zone_state(project, fid) for fid in updates}
        self.after: dict[int, tuple[dict, object]] = {}

    @property
    def fids(self) -> list[int]:
        return [] if self.rows is None else [int(f) for f in self.rows.index]

    def redo(self) -> None:
        if self.rows is None:
            self._attempt(self._create)
            return
        self._write(self.after, action="redo")

    def undo(self) -> None:
        self._write(self.before, action="undo")

    def _write(self, states: dict[int, tuple[dict, object]], *, action: str) -> None:
        """Put the created zones back (redo) or delete them (undo), and the changed zones into ``states``."""
        with self.project.transaction() as edit:
            if action == "redo":
                edit.insert(LAYER, self.rows, action=action, fids=self.fids)
            else:
                edit.delete(LAYER, self.fids, action=action)
            for fid, (values, geometry) in states.items():
                edit.update(LAYER, fid, values, geometry=geometry, action=action)

    def _create(self) -> None:
        fids = [int(f) for f in self.create()]
        marks = ", ".join("?" * len(fids))
        self.rows = self.project.read_layer(LAYER, where=f"fid IN ({marks})", params=fids)
        self.after = {fid: _zone_state(self.project, fid) for fid in self.before}


def replace_with_units(project: Project, fid: int, units: gpd.GeoDataFrame, outline) -> None:
    """Make zone ``fid`` the unit zone of ``units`` (codes kept) outlined by ``outline``; its tier, clock and
    test rounds stay (logged "modify")."""
    values = {"kind": ZoneKind.UNIT.value, "radius_m": None, "updated_at": now_iso(),
              "unit_codes": json.dumps(units["code"].astype(str).tolist(), ensure_ascii=False)}
    with project.transaction() as edit:
        edit.update(LAYER, fid, values, geometry=outline, action="modify")


# -- the zones table -----------------------------------------------------------------------------------------


class ZoneTableModel(QAbstractTableModel):
    """The rows of :func:`data.zone_store.zone_rows` (top tier first), with tier swatches and the ready flag."""

    COLUMNS = ("name", "tier", "kind", "started_at", "days_since_last_case", "projected_downgrade", "ready",
               "population", "status")
    NUMERIC = ("days_since_last_case", "population")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.lang = ui_language()
        self.rows = pd.DataFrame(columns=zone_store.ROW_COLUMNS)
        self.scheme: TierScheme | None = None
        self._titles = [self.tr("Zone"), self.tr("Tier"), self.tr("Kind"), self.tr("Since"), self.tr("Quiet days"),
                        self.tr("Step down"), self.tr("Ready"), self.tr("People"), self.tr("Status")]
        self._tips = [self.tr("Zone name"), self.tr("Tier"), self.tr("Kind of zone"), self.tr("Day the zone entered its tier"),
                      self.tr("Days since the last new infection inside"), self.tr("Projected first day it may step down"),
                      self.tr("Ready to step down on the as-of day"), self.tr("Population inside"), self.tr("Status")]
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: pd.DataFrame, scheme: TierScheme) -> None:
        self.beginResetModel()
        self.rows, self.scheme = rows.reset_index(drop=True), scheme
        self.endResetModel()

    def row(self, row: int) -> pd.Series:
        return self.rows.iloc[row]

    def row_of(self, fid: int) -> int | None:
        found = (self.rows["fid"] == fid).to_numpy().nonzero()[0]
        return int(found[0]) if len(found) else None

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == _DISPLAY:
            return self._titles[section]
        return self._tips[section] if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if not index.isValid():
            return None
        zone, column = self.rows.iloc[index.row()], self.COLUMNS[index.column()]
        lifted = zone["status"] == ZoneStatus.LIFTED.value
        if role == _DISPLAY:
            return self._text(zone, column)
        if role == Qt.ItemDataRole.DecorationRole and column == "tier" and zone["tier"] in self.scheme.keys:
            return QColor(self.scheme.tier(zone["tier"]).colour)
        if role == Qt.ItemDataRole.ForegroundRole:
            if lifted:
                return QColor(LIFTED_COLOUR)
            return QColor(READY_COLOUR) if column == "ready" else None
        if role == Qt.ItemDataRole.FontRole and column == "ready":
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(zone, column)
        return None

    def _text(self, zone: pd.Series, column: str) -> str:
        value = zone[column]
        if column == "tier":
            return _tier_label(self.scheme, value, self.lang)
        if column == "kind":
            return ZoneKind(value).label(self.lang) if value in ZoneKind.values() else str(value or "")
        if column == "status":
            return ZoneStatus(value).label(self.lang) if value in ZoneStatus.values() else str(value or "")
        if column == "ready":
            return self.tr("Ready") if value else ""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—" if column == "projected_downgrade" else ""
        if column == "started_at":
            return str(value)[:10]
        if column in self.NUMERIC:
            return f"{int(value):,}"
        return str(value)

    def _tooltip(self, zone: pd.Series, column: str) -> str | None:
        if column == "name":
            return str(zone["name"] or "")
        if column in ("ready", "projected_downgrade") and zone["missing"]:
            return self.tr("Not yet: %1").replace("%1", "; ".join(Missing(m).label(self.lang) for m in zone["missing"]))
        return None


# -- option widgets and dialogs ------------------------------------------------------------------------------


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
        self.small_spin, self.large_spin = _metres_spin(small_m), _metres_spin(large_m)
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
        self.small_spin, self.large_spin = _metres_spin(small_m), _metres_spin(large_m)
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
        layout.addWidget(_plain_label(zone_name))
        layout.addWidget(self.snap)
        layout.addWidget(buttons)


class TestRoundDialog(QDialog):
    """A full test round of a zone: its date and result."""

    def __init__(self, zone_name: str, day: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record Test Round"))
        lang = ui_language()
        self.date_edit = _date_edit(day)
        self.result_combo = QComboBox()
        for result in RoundResult:
            self.result_combo.addItem(result.label(lang), result.value)
        form = QFormLayout()
        form.addRow(self.tr("Zone:"), _plain_label(zone_name))
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
                    _plain_label(self._listing(report.isolation_sites["name"].astype(str).tolist())))
        form.addRow(self.tr("Facilities:"), _plain_label(self.separator.join(
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
        heading = _plain_label(title)
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


class SchemeDialog(QDialog):
    """A user-defined tier scheme: the scheme's name and each tier's names, colour and day counts."""

    def __init__(self, base: TierScheme, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Custom Tier Scheme"))
        self.base = base
        self.scheme_result: TierScheme | None = None
        self.name_edit = QLineEdit("本县方案" if base.key in PRESETS else base.zh)
        headers = [self.tr("Chinese name"), self.tr("English name"), self.tr("Colour"), self.tr("Quiet days"),
                   self.tr("Test round"), self.tr("Round window (days)"), self.tr("Days after step-down"),
                   self.tr("Contact days")]
        grid = QGridLayout()
        for column, text in enumerate(headers):
            grid.addWidget(QLabel(text), 0, column)
        self.rows: list[dict] = []
        for row, tier in enumerate(base.tiers, start=1):
            cells = {"zh": QLineEdit(tier.zh), "en": QLineEdit(tier.en), "colour": QPushButton(tier.colour),
                     "quiet_days": self._days(tier.quiet_days), "needs_test_round": QCheckBox(),
                     "round_window_days": self._days(tier.round_window_days),
                     "after_downgrade_days": self._days(tier.after_downgrade_days or 0),
                     "contact_quiet_days": self._days(tier.contact_quiet_days)}
            cells["needs_test_round"].setChecked(tier.needs_test_round)
            for name in ("zh", "en"):
                cells[name].setMinimumWidth(self.fontMetrics().horizontalAdvance("precaution zone") + 16)
            cells["after_downgrade_days"].setSpecialValueText("—")
            cells["after_downgrade_days"].setToolTip(self.tr("— : the tier's own rule also after a step down"))
            self._paint(cells["colour"], tier.colour)
            cells["colour"].clicked.connect(lambda _c=False, button=cells["colour"]: self._on_colour_clicked(button))
            for name, widget in cells.items():
                widget.setEnabled(name in ("zh", "en", "colour") or tier.downgrade_to is not None)
            for column, widget in enumerate(cells.values()):
                grid.addWidget(widget, row, column)
            self.rows.append(cells)
        self.error_label = _plain_label()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Scheme name:"), self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(grid)
        self.periods_label = _plain_label(self.tr("Management periods of this scheme (kept with it):") + "\n"
                                          + "\n".join(rule.description for rule in base.management))
        layout.addWidget(self.periods_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    @staticmethod
    def _days(value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(0, MAX_RULE_DAYS)
        spin.setValue(value)
        spin.setMaximumWidth(90)
        return spin

    @staticmethod
    def _paint(button: QPushButton, colour: str) -> None:
        button.setText(colour)
        button.setStyleSheet(f"background: {colour}; color: {'black' if QColor(colour).lightness() > 140 else 'white'};")

    def _on_colour_clicked(self, button: QPushButton) -> None:
        colour = QColorDialog.getColor(QColor(button.text()), self, self.tr("Tier Colour"))
        if colour.isValid():
            self._paint(button, colour.name())

    def edited_scheme(self) -> TierScheme:
        """The scheme as edited; UserError if it is not usable."""
        changes = {}
        for tier, cells in zip(self.base.tiers, self.rows, strict=True):
            after = cells["after_downgrade_days"].value()
            changes[tier.key] = {
                "zh": cells["zh"].text().strip(), "en": cells["en"].text().strip(), "colour": cells["colour"].text(),
                "quiet_days": cells["quiet_days"].value(), "needs_test_round": cells["needs_test_round"].isChecked(),
                "round_window_days": cells["round_window_days"].value(),
                "after_downgrade_days": after or None, "contact_quiet_days": cells["contact_quiet_days"].value()}
        return user_scheme(self.base, zh=self.name_edit.text().strip(), tiers=changes)

    def accept(self) -> None:
        try:
            self.scheme_result = self.edited_scheme()
        except UserError as error:
            self.error_label.setText(error.message())
            self.error_label.show()
            return
        super().accept()


class ChangesDialog(QDialog):
    """Zones added, upgraded, downgraded or lifted since a date: listed here and drawn as the "changes" overlay
    (cleared when the dialog closes)."""

    def __init__(self, project: Project, map_widget, since: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Changes Since…"))
        self.project, self.map_widget, self.lang = project, map_widget, ui_language()
        self.since_edit = _date_edit(since)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Change"), self.tr("Zone"), self.tr("Tier"), self.tr("When")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.summary = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("Since:"), self.since_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.since_edit.dateChanged.connect(self._on_since_changed)
        self.finished.connect(self._on_finished)
        self.resize(560, 420)
        self.refresh()

    def refresh(self) -> None:
        """List and draw the changes since the chosen date."""
        since = self.since_edit.date().toPython()
        changes = zone_store.changes_since(self.project, since)
        scheme = zone_store.load_scheme(self.project)
        self.table.setRowCount(len(changes))
        for row, change in enumerate(changes.itertuples()):
            tiers = " → ".join(_tier_label(scheme, t, self.lang) for t in (change.tier_before, change.tier_after) if t)
            cells = (ZoneChange(change.change).label(self.lang), str(change.name or change.fid), tiers,
                     str(change.changed_at).replace("T", " "))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            self.table.item(row, 0).setForeground(QColor(CHANGE_COLOURS[ZoneChange(change.change)]))
        self.table.resizeColumnsToContents()
        self.summary.setText(self.tr("%n zone(s) changed since %1.", "", len(changes)).replace("%1", since.isoformat()))
        labels = [f"{ZoneChange(c).label(self.lang)}：{n or f}" for c, n, f in
                  zip(changes["change"], changes["name"], changes["fid"], strict=True)]
        frame = changes.assign(colour=[CHANGE_COLOURS[ZoneChange(c)] for c in changes["change"]], label=labels)
        self.map_widget.show_overlay("changes", frame, label_column="label", fit=bool(len(frame)))

    def _on_since_changed(self, _date: QDate) -> None:
        self.refresh()

    def _on_finished(self, _result: int) -> None:
        self.map_widget.clear_overlay("changes")


class ProposalReview(QWidget):
    """A proposal awaiting review, read against the zones in force: its lines in four groups (new, changed,
    unchanged, may step down) with their counts. New and changed zones can be ticked to be applied (ticked by
    default, except the county-wide rest); unchanged zones and zones that may step down only inform.
    Accept or Reject."""

    ticksChanged = Signal()
    lineChosen = Signal(int)  # index of the line in the comparison's items
    accepted = Signal()
    rejected = Signal()

    COLUMNS = ("tier", "zone", "units", "population", "changes")
    _LINE = Qt.ItemDataRole.UserRole

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lang = ui_language()
        self.diff: ProposalDiff | None = None
        self.title = QLabel(self.tr("Proposal — nothing is stored until you accept"))
        self.title.setStyleSheet("font-weight: bold;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Tier"), self.tr("Zone"), self.tr("Units"), self.tr("Population"),
                                   self.tr("Changes")])
        self.accept_button = QPushButton(self.tr("Accept Ticked Zones"))
        self.reject_button = QPushButton(self.tr("Reject"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(self._on_current_item_changed)
        self.accept_button.clicked.connect(self.accepted)
        self.reject_button.clicked.connect(self.rejected)

    @property
    def proposal(self) -> Proposal | None:
        return None if self.diff is None else self.diff.proposal

    def show_diff(self, diff: ProposalDiff, scheme: TierScheme) -> None:
        """List ``diff``'s lines under their group headers; new and changed zones ticked as offered."""
        self.diff = diff
        proposal = diff.proposal
        first = proposal.as_of - dt.timedelta(days=proposal.days - 1)
        text = self.tr("%1 zones for %2 infections reported %3 to %4.").replace("%1", str(len(proposal.zones)))
        text = text.replace("%2", str(proposal.cases_used)).replace("%3", first.isoformat())
        text = text.replace("%4", proposal.as_of.isoformat())
        if proposal.cases_outside_units:
            text += " " + self.tr("%1 more lie outside every unit and are left out.").replace(
                "%1", str(proposal.cases_outside_units))
        text += " " + self.tr("Unchanged zones and zones that may be lifted or stepped down are not changed by "
                              "accepting.")
        self.summary.setText(text)
        self.tree.blockSignals(True)
        self.tree.clear()
        for group, count in diff.counts().items():
            header = QTreeWidgetItem([f"{group.label(self.lang)}（{count}）" if self.lang == "zh"
                                      else f"{group.label(self.lang).capitalize()} ({count})"])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            for index, line in enumerate(diff.items):
                if line.group is group:
                    header.addChild(self._line_item(index, line, scheme))
            header.setExpanded(True)
        self.tree.blockSignals(False)
        for column in (0, 2, 3, 4):
            self.tree.resizeColumnToContents(column)
        self.tree.setColumnWidth(1, min(self.tree.sizeHintForColumn(1) + 12, 240))

    def group_item(self, group: ProposalGroup) -> QTreeWidgetItem:
        """The header of ``group``; its children are the group's lines."""
        return self.tree.topLevelItem(list(ProposalGroup).index(group))

    def ticked(self) -> list[int]:
        """Positions in the proposal of the ticked zones."""
        return [self.diff.items[index].position for index, item in self._line_items()
                if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.checkState(0) == Qt.CheckState.Checked]

    def set_ticked(self, position: int, ticked: bool) -> None:
        """Tick or untick the zone at ``position`` in the proposal (a new or changed zone)."""
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        for index, item in self._line_items():
            if self.diff.items[index].position == position:
                item.setCheckState(0, state)

    def _line_items(self):
        """(index in the comparison, tree item) of every line."""
        for group in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(group)
            for child in range(header.childCount()):
                item = header.child(child)
                yield item.data(0, self._LINE), item

    def _line_item(self, index: int, line: ZoneComparison, scheme: TierScheme) -> QTreeWidgetItem:
        zone = line.shown
        units = str(len(zone.unit_codes))
        population = "" if line.proposed is None else f"{line.proposed.population:,}"
        item = QTreeWidgetItem([_tier_label(scheme, line.tier, self.lang), line.name or "", units, population,
                                self._changes_text(line, scheme)])
        item.setData(0, self._LINE, index)
        item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(scheme.tier(line.tier).colour)
                     if line.tier in scheme.keys else QColor(LIFTED_COLOUR))
        if line.applicable:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if line.ticked_by_default else Qt.CheckState.Unchecked)
        else:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for column in range(len(self.COLUMNS)):
                item.setForeground(column, QColor(LIFTED_COLOUR))
        tips = [] if line.proposed is None else [line.proposed.reason if self.lang == "zh"
                                                   else line.proposed.reason_en]
        if line.group is ProposalGroup.MAY_STEP_DOWN:
            tips.append(self.tr("Not changed by accepting: pick it to select the zone in the list, then step it "
                                "down or lift it there."))
        elif line.proposed is not None and line.proposed.is_rest_of_county and line.applicable:
            tips.append(self.tr("The rest of the county: tick it to store it as a zone too."))
        for column in range(len(self.COLUMNS)):
            item.setToolTip(column, "\n".join(tips))
        for column in (2, 3):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _changes_text(self, line: ZoneComparison, scheme: TierScheme) -> str:
        """What accepting would change (changed), or what the proposal says about a zone that may step down."""
        if line.group is ProposalGroup.MAY_STEP_DOWN:
            if line.proposed is None:
                return self.tr("no recent infection supports it")
            return self.tr("proposed as %1").replace("%1", _tier_label(scheme, line.proposed.tier, self.lang))
        if line.group is not ProposalGroup.CHANGED:
            return ""
        separator = "、" if self.lang == "zh" else ", "
        words = [change.label(self.lang) for change in line.changes]
        if ZoneDifference.TIER in line.changes:
            was, now = (_tier_label(scheme, tier, self.lang) for tier in (line.active.tier, line.tier))
            words[0] += f" {was} → {now}"
        return separator.join(words)

    def _on_item_changed(self, _item=None, _column: int = 0) -> None:
        self.ticksChanged.emit()

    def _on_current_item_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and current.data(0, self._LINE) is not None:
            self.lineChosen.emit(current.data(0, self._LINE))


# -- the panel -----------------------------------------------------------------------------------------------


class ZonePanel(QDockWidget):
    """The control zones as of a date, with their countdowns, and the zone actions (all undoable).

    ``schemeChanged`` is emitted after the project's tier scheme was changed here (the map has been told).
    """

    schemeChanged = Signal()
    _projectChanged = Signal(object)  # carries the project's change reports onto the UI thread

    def __init__(self, project: Project, map_widget, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(self.tr("Control Zones"), parent)
        self.setObjectName("ZonePanel")
        self.project, self.map_widget, self.undo_stack = project, map_widget, undo_stack
        self.lang = ui_language()
        self.scheme = zone_store.load_scheme(project)
        self._unsubscribe: Callable[[], None] | None = None
        self._cases: list[int] = []  # cases chosen for control circles (selected, or the last clicked)
        self._cursor: tuple[float, float] | None = None
        self._pick: tuple[float, float] | None = None  # radii while waiting for a click on the map
        self._press: QPointF | None = None  # where a mouse press on the map began, while picking
        self._fit_on_select = True  # a zone chosen on the map is not zoomed to: it is in view already
        self._worker: Worker | None = None
        self._changes: ChangesDialog | None = None
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)

        self.date_edit = _date_edit(dt.date.today())
        self.date_edit.setToolTip(self.tr("Countdowns and actions are for this day"))
        self.scheme_combo = QComboBox()
        self.scheme_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scheme_combo.setMinimumContentsLength(14)
        self._build_actions()
        self.model = ZoneTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setMaximumSectionSize(220)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.message_label = _plain_label()
        self.message_label.hide()
        self.review = ProposalReview()
        self.review.hide()

        top = QFormLayout()
        top.addRow(self.tr("As of:"), self.date_edit)
        top.addRow(self.tr("Tier scheme:"), self.scheme_combo)
        tools = QGridLayout()
        for position, action in enumerate((self.propose_action, self.circles_action, self.snap_action,
                                           self.changes_action, self.effective_action)):
            tools.addWidget(self._button(action), position // 3, position % 3)
        zone_buttons = QGridLayout()  # rows of three, so that the panel fits beside the map on a 1366 px screen
        tier_button = self._button(self.tier_menu.menuAction())
        tier_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        zone_buttons.addWidget(tier_button, 0, 0)
        for position, action in enumerate((self.downgrade_action, self.lift_action, self.test_round_action,
                                           self.rename_action, self.report_action), start=1):
            zone_buttons.addWidget(self._button(action), position // 3, position % 3)
        zone_buttons.setColumnStretch(3, 1)
        zones = QWidget()
        zone_layout = QVBoxLayout(zones)
        zone_layout.setContentsMargins(0, 0, 0, 0)
        zone_layout.addWidget(self.table, 1)
        zone_layout.addLayout(zone_buttons)
        zone_layout.addWidget(self.message_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(zones)
        splitter.addWidget(self.review)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(splitter, 1)
        self.setWidget(body)

        self._projectChanged.connect(self._on_project_changed, Qt.ConnectionType.QueuedConnection)
        self._reload_timer.timeout.connect(self.reload)
        self.date_edit.dateChanged.connect(self._on_date_changed)
        self.scheme_combo.activated.connect(self._on_scheme_chosen)
        self.table.selectionModel().selectionChanged.connect(self._on_zone_selected)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.review.ticksChanged.connect(self._on_proposal_ticks_changed)
        self.review.lineChosen.connect(self._on_proposal_line_chosen)
        self.review.accepted.connect(self._on_proposal_accepted)
        self.review.rejected.connect(self._on_proposal_rejected)
        map_widget.featureClicked.connect(self._on_feature_clicked)
        map_widget.selectionChanged.connect(self.set_case_selection)
        map_widget.cursorMoved.connect(self._on_cursor_moved)
        self.set_project(project)

    def _build_actions(self) -> None:
        def action(text: str, slot, tip: str = "") -> QAction:
            made = QAction(text, self)
            made.setToolTip(tip or text)
            made.triggered.connect(slot)
            return made

        self.propose_action = action(self.tr("Propose Zones…"), self._on_propose,
                                     self.tr("Propose zones for the infections of the last days, to review"))
        self.circles_action = action(self.tr("Control Circles…"), self._on_circles,
                                     self.tr("A small and a large circle around selected cases or a clicked point"))
        self.snap_action = action(self.tr("Snap to Units…"), self._on_snap,
                                  self.tr("Replace the selected circle or drawn zone by the units it covers"))
        self.changes_action = action(self.tr("Changes Since…"), self._on_changes)
        self.effective_action = action(self.tr("Effective Tiers"), self._on_effective_toggled,
                                       self.tr("Where zones overlap the highest tier wins"))
        self.effective_action.setCheckable(True)
        self.downgrade_action = action(self.tr("Step Down"), self._on_downgrade,
                                       self.tr("Step the zone down one tier (refused unless ready)"))
        self.lift_action = action(self.tr("Lift"), self._on_lift)
        self.test_round_action = action(self.tr("Test Round…"), self._on_test_round,
                                        self.tr("Record a full test round of the zone"))
        self.report_action = action(self.tr("Report…"), self._on_report,
                                    self.tr("Units, people, sites and cases inside the zone"))
        self.rename_action = action(self.tr("Rename…"), self._on_rename, self.tr("Give the zone another name"))
        self.tier_menu = QMenu(self.tr("Change Tier"), self)
        self.tier_group = QActionGroup(self)
        self.tier_group.triggered.connect(self._on_tier_chosen)
        self.zone_menu = QMenu(self)
        self.zone_menu.addMenu(self.tier_menu)
        self.zone_menu.addActions([self.downgrade_action, self.lift_action, self.test_round_action, self.snap_action])
        self.zone_menu.addSeparator()
        self.zone_menu.addActions([self.rename_action, self.report_action])

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # -- public API -------------------------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Show the zones of ``project`` and follow its changes (instead of the previous project's)."""
        self._stop_following()
        self._end_pick()
        self._discard_proposal()
        if self._changes is not None:
            self._changes.close()
        self.effective_action.setChecked(False)
        self.map_widget.clear_overlay("effective")
        self.project = project
        self._cases = []
        self._follow()
        self._load_scheme()
        self.reload()

    def as_of(self) -> dt.date:
        """The day countdowns are computed for and actions are dated."""
        return self.date_edit.date().toPython()

    def set_as_of(self, day: dt.date) -> None:
        """Show the zones as of ``day`` (the table follows at once)."""
        self.date_edit.setDate(_qdate(day))

    def selected_fid(self) -> int | None:
        """The zone selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return int(self.model.row(rows[0].row())["fid"]) if rows else None

    def select_zone(self, fid: int, *, fit: bool = True) -> None:
        """Select zone ``fid`` in the table (which outlines it on the map, fitting the map to it if ``fit``)."""
        row = self.model.row_of(fid)
        if row is not None:
            self._fit_on_select = fit
            self.table.selectRow(row)
            self._fit_on_select = True

    def set_case_selection(self, layer: str, fids: list) -> None:
        """The cases chosen for control circles: give the selection of any layer; only cases are kept."""
        if layer == "cases":
            self._cases = [int(f) for f in fids]

    def reload(self) -> None:
        """Re-read the zones and their countdowns for the as-of day, keeping the selected zone."""
        self._reload_timer.stop()
        fid = self.selected_fid()
        selection = self.table.selectionModel()
        selection.blockSignals(True)
        self.model.set_rows(zone_store.zone_rows(self.project, self.as_of()), self.scheme)
        row = self.model.row_of(fid) if fid is not None else None
        if row is not None:
            self.table.selectRow(row)
        selection.blockSignals(False)
        self.table.resizeColumnsToContents()
        self._update_actions()
        self._highlight(fit=False)
        if self.effective_action.isChecked():
            self._show_effective()
        if self._changes is not None and self._changes.isVisible():
            self._changes.refresh()

    # -- following the project ---------------------------------------------------------------------------

    def _follow(self) -> None:
        self._unsubscribe = self.project.subscribe(self._projectChanged.emit)  # commits may happen on any thread
        self.destroyed.connect(self._unsubscribe)  # a panel deleted unclosed must not be called

    def _stop_following(self) -> None:
        self._reload_timer.stop()
        if self._unsubscribe:
            self.destroyed.disconnect(self._unsubscribe)
            self._unsubscribe()
            self._unsubscribe = None

    def _on_project_changed(self, layers: set[str]) -> None:
        if LAYER in layers:
            self._reload_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Shown again after being closed: follow the project again, re-reading what changed meanwhile."""
        if self._unsubscribe is None:
            self._follow()
            self.reload()
        super().showEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._stop_following()
        self._end_pick()
        super().closeEvent(event)

    # -- the tier scheme ----------------------------------------------------------------------------------

    def _load_scheme(self) -> None:
        """Read the project's scheme into the scheme combo, the tier menu and the map."""
        self.scheme = zone_store.load_scheme(self.project)
        self.scheme_combo.blockSignals(True)
        self.scheme_combo.clear()
        schemes = dict(PRESETS)
        schemes.setdefault(self.scheme.key, self.scheme)
        for key, scheme in schemes.items():
            self.scheme_combo.addItem(scheme.zh if self.lang == "zh" else scheme.en, key)
        self.scheme_combo.addItem(self.tr("Custom…"), CUSTOM_SCHEME)
        self.scheme_combo.setCurrentIndex(self.scheme_combo.findData(self.scheme.key))
        self.scheme_combo.blockSignals(False)
        self.tier_menu.clear()
        for action in self.tier_group.actions():
            self.tier_group.removeAction(action)
        for tier in self.scheme.tiers:
            action = self.tier_menu.addAction(tier.label(self.lang))
            action.setData(tier.key)
            action.setCheckable(True)
            self.tier_group.addAction(action)

    def _on_scheme_chosen(self, index: int) -> None:
        key = self.scheme_combo.itemData(index)
        if key == CUSTOM_SCHEME:
            dialog = SchemeDialog(self.scheme, self)
            chosen = dialog.scheme_result if dialog.exec() == QDialog.DialogCode.Accepted else None
        else:
            chosen = None if key == self.scheme.key else PRESETS.get(key)
        if chosen is not None:
            try:
                zone_store.save_scheme(self.project, chosen)
            except UserError as error:
                self._show_error(error)
            else:
                self._show_message(self.tr("Tier scheme: %1").replace("%1", chosen.zh if self.lang == "zh" else chosen.en))
                self.map_widget.set_tiers(tier_styles(self.project, self.lang))
                self.schemeChanged.emit()
        self._load_scheme()
        self.reload()

    # -- the selected zone ---------------------------------------------------------------------------------

    def _selected_row(self) -> pd.Series | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        zone = self._selected_row()
        active = zone is not None and zone["status"] != ZoneStatus.LIFTED.value
        for action in (self.lift_action, self.test_round_action, self.rename_action):
            action.setEnabled(active)
        self.tier_menu.setEnabled(active)
        self.downgrade_action.setEnabled(active and pd.notna(zone["next_tier"]))
        self.snap_action.setEnabled(active and zone["kind"] in (ZoneKind.CIRCLE.value, ZoneKind.DRAWN.value))
        self.report_action.setEnabled(zone is not None)
        for action in self.tier_group.actions():
            action.setChecked(zone is not None and action.data() == zone["tier"])

    def _on_zone_selected(self, _selected=None, _deselected=None) -> None:
        self._update_actions()
        self._highlight(fit=self._fit_on_select)

    def _highlight(self, *, fit: bool) -> None:
        """Outline the selected zone on the map (the "zone" overlay), fitting the map to it if ``fit``."""
        fid = self.selected_fid()
        if fid is None:
            self.map_widget.clear_overlay("zone")
            return
        frame = _one_zone_frame(self.project, fid)
        highlight = frame[["name", "geometry"]].assign(colour=HIGHLIGHT_COLOUR)
        self.map_widget.show_overlay("zone", highlight, label_column="name", fit=fit, fill_opacity=0.1)

    def _on_context_menu(self, position) -> None:
        if self.table.indexAt(position).isValid():
            self.zone_menu.exec(self.table.viewport().mapToGlobal(position))

    def _zone_title(self, zone: pd.Series) -> str:
        return f"{self._zone_name(zone)}（{_tier_label(self.scheme, zone['tier'], self.lang)}）"

    def _zone_name(self, zone: pd.Series) -> str:
        """How messages name a zone row (its name; an unnamed zone of old by its tier and number)."""
        return zone_store.zone_title(zone.rename(int(zone["fid"])), self.scheme)

    def _action_day(self) -> dt.date | None:
        """The date actions are stamped with: None (now) while the as-of day is today."""
        day = self.as_of()
        return None if day == dt.date.today() else day

    # -- zone actions -------------------------------------------------------------------------------------

    def _push(self, command: _ZoneCommand, *, show_refusal: bool = True) -> UserError | None:
        """Push ``command``; returns its refusal (then nothing changed), shown unless ``show_refusal`` is False."""
        self.message_label.hide()
        self.undo_stack.push(command)
        if command.error is None:
            command.report_error = self._show_error
        elif show_refusal:
            self._show_error(command.error)
        return command.error

    def _act(self, action: Callable[[int], object], text: str, *, show_refusal: bool = True) -> UserError | None:
        """Run ``action(fid)`` on the selected zone as an undoable command titled ``text`` ({zone}: its name)."""
        zone = self._selected_row()
        if zone is None:
            return None
        fid = int(zone["fid"])
        command = ZoneActionCommand(self.project, fid, lambda: action(fid), text.replace("{zone}", self._zone_name(zone)))
        return self._push(command, show_refusal=show_refusal)

    def _on_tier_chosen(self, chosen: QAction) -> None:
        tier = chosen.data()
        text = self.tr("Change {zone} to %1").replace("%1", _tier_label(self.scheme, tier, self.lang))
        self._act(lambda fid: zone_store.change_tier(self.project, fid, tier, at=self._action_day()), text)
        self._update_actions()

    def _on_downgrade(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        on = self._action_day()
        refusal = self._act(lambda fid: zone_store.downgrade(self.project, fid, on=on), self.tr("Step down {zone}"),
                            show_refusal=False)
        if refusal is None:
            return
        clock = zone_store.zone_countdown(self.project, int(zone["fid"]), self.as_of())
        if clock.next_tier is None or clock.ready:
            self._show_error(refusal)
        elif self._confirm_force(refusal, clock.next_tier):
            self._act(lambda fid: zone_store.downgrade(self.project, fid, on=on, force=True),
                      self.tr("Step down {zone} early"))
        else:
            self._show_error(refusal)

    def _confirm_force(self, refusal: UserError, next_tier: str) -> bool:
        """Show why a zone may not step down yet; True only if the user explicitly steps it down anyway."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not Ready to Step Down"), refusal.message(),
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        tier = _tier_label(self.scheme, next_tier, self.lang)
        box.setInformativeText(self.tr("Step it down to %1 anyway, although the condition above is not met? "
                                       "The early step is logged.").replace("%1", tier))
        force = box.addButton(self.tr("Step Down Anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is force

    def _on_lift(self) -> None:
        self._act(lambda fid: zone_store.lift(self.project, fid, at=self._action_day()), self.tr("Lift {zone}"))

    def _on_test_round(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        dialog = TestRoundDialog(self._zone_title(zone), self.as_of(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        day, result = dialog.day(), dialog.result()
        text = self.tr("Test round of {zone} on %1").replace("%1", day.isoformat())
        self._act(lambda fid: zone_store.record_test_round(self.project, fid, day, result), text)

    def _on_rename(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        old = self._zone_name(zone)
        name, ok = QInputDialog.getText(self, self.tr("Rename Zone"), self.tr("New name of “%1”:").replace("%1", old),
                                        text=old)
        if ok and name.strip() and name.strip() != old:
            self._act(lambda fid: zone_store.rename_zone(self.project, fid, name),
                      self.tr("Rename “{zone}” to “%1”").replace("%1", name.strip()))

    def _on_report(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        geometry = _one_zone_frame(self.project, int(zone["fid"])).geometry.iloc[0]
        ZoneReportDialog(self._zone_title(zone), zone_store.zone_report_for(self.project, geometry), self).exec()

    def _on_snap(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        dialog = SnapDialog(self._zone_title(zone), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        geometry = _one_zone_frame(self.project, int(zone["fid"])).geometry.iloc[0]
        try:
            snapped = snap_to_units(geometry, zone_store.control_units(self.project, dialog.snap.level()),
                                    rule=dialog.snap.rule(), threshold=dialog.snap.threshold())
        except UserError as error:
            self._show_error(error)
            return
        if snapped.units.empty:
            self._show_message(self.tr("No unit is covered under this rule; the zone is left as it is."), error=True)
            return
        text = self.tr("Snap {zone} to %n unit(s)", "", len(snapped.units))
        self._act(lambda fid: replace_with_units(self.project, fid, snapped.units, snapped.outline), text)

    # -- control circles -----------------------------------------------------------------------------------

    def _on_circles(self) -> None:
        small_tier, large_tier = circle_tiers(self.scheme)
        dialog = CircleDialog(len(self._cases), (_tier_label(self.scheme, small_tier, self.lang),
                                                 _tier_label(self.scheme, large_tier, self.lang)), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        small_m, large_m = dialog.radii()
        remember_circle_radii(small_m, large_m)
        if not dialog.around_cases():
            self._start_pick(small_m, large_m)
            return
        cases = self.project.read_layer("cases").loc[self._cases]
        infected = cases[cases["category"].isin([c.value for c in INFECTED])]["reported_at"].dropna()
        self.add_control_circles(cases.geometry, small_m, large_m, last_case_at=infected.max() if len(infected) else None)

    def add_control_circles(self, points, small_m: float, large_m: float, *, last_case_at=None) -> UserError | None:
        """Create the small and the large control circle around ``points`` (a GeoSeries, or (lon, lat) pairs in
        the storage CRS) as circle zones, in one undoable step; returns the refusal if refused."""
        small_tier, large_tier = circle_tiers(self.scheme)

        def create() -> list[int]:
            circles = control_circles(points, small_m=small_m, large_m=large_m)
            zones = [zone_store.create_zone(self.project, shape, tier=tier, kind=ZoneKind.CIRCLE.value, radius_m=radius,
                                            last_case_at=last_case_at, at=self._action_day())
                     for shape, tier, radius in ((circles.small, small_tier, small_m),
                                                 (circles.large, large_tier, large_m))]
            warnings.extend(w.message(self.lang) for zone in zones for w in zone.warnings
                            if w.other_fid not in zones)  # the large circle holds the small one: by design
            return zones

        warnings: list[str] = []
        refusal = self._push(CreateZonesCommand(self.project, create, self.tr("Add control circles")))
        if refusal is None and warnings:
            self._show_message("\n".join(warnings), error=True)
        return refusal

    def _start_pick(self, small_m: float, large_m: float) -> None:
        """Wait for a click on the map; the circles go where it lands."""
        self._pick = (small_m, large_m)
        (self.map_widget.focusProxy() or self.map_widget).installEventFilter(self)
        self._show_message(self.tr("Click the map where the circles go (Esc cancels)."))

    def _end_pick(self) -> None:
        if self._pick is not None:
            (self.map_widget.focusProxy() or self.map_widget).removeEventFilter(self)
            self._pick = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """While picking a point: a click (not a drag) on the map places the circles; Esc cancels."""
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._press = event.position()
        elif kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            moved = (event.position() - self._press).manhattanLength()
            self._press = None
            if moved < 5:
                QTimer.singleShot(120, self._on_point_picked)  # the page reports the cursor a moment later
        elif kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self._end_pick()
            self.message_label.hide()
        return False

    def _on_point_picked(self) -> None:
        if self._pick is None or self._cursor is None:
            return
        (small_m, large_m), point = self._pick, self._cursor
        self._end_pick()
        self.message_label.hide()
        self.add_control_circles([point], small_m, large_m)

    def _on_cursor_moved(self, lon: float, lat: float) -> None:
        self._cursor = (lon, lat)

    def _on_feature_clicked(self, layer: str, fid: int) -> None:
        if layer == "cases":
            self._cases = [int(fid)]

    # -- proposals -----------------------------------------------------------------------------------------

    def _on_propose(self) -> None:
        if self._worker is not None:
            return
        dialog = ProposalDialog(self.scheme, self.as_of(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        options = dialog.options()
        remember_circle_radii(options["small_m"], options["large_m"])
        project, as_of, title = self.project, self.as_of(), self.tr("Proposing zones…")

        def work(progress, _cancelled) -> ProposalDiff:  # on the worker's thread: no Qt here
            progress(0, title)
            return zone_store.compare_proposal(project, zone_store.propose(project, as_of=as_of, **options))

        self._discard_proposal()
        self._worker = Worker(work, self)
        self._worker.finished.connect(self._on_proposal_ready)
        self._worker.failed.connect(self._on_proposal_failed)
        progress = ProgressDialog(self._worker, title, self)
        progress.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._worker.start()

    def _end_worker(self) -> bool:
        """Drop the finished worker; False if the user cancelled it."""
        worker, self._worker = self._worker, None
        worker.deleteLater()
        return not worker.cancelled()

    def _on_proposal_ready(self, diff: ProposalDiff) -> None:
        if not self._end_worker():
            return
        proposal = diff.proposal
        if not proposal.zones:
            first = proposal.as_of - dt.timedelta(days=proposal.days - 1)
            self._show_message(self.tr("No confirmed or asymptomatic cases from %1 to %2: nothing to propose.")
                               .replace("%1", first.isoformat()).replace("%2", proposal.as_of.isoformat()))
            if not diff.items:
                return
        self.review.show_diff(diff, self.scheme)
        self.review.show()
        self._show_proposal_overlays()
        self.map_widget.fit_bounds(self._focus_bounds(diff))

    @staticmethod
    def _focus_bounds(diff: ProposalDiff) -> tuple[float, ...]:
        """Where to look at a proposal: what accepting would change, else every line, leaving out the rest of the
        county (it is all of it) unless nothing else is there; with a margin."""
        local = [line for line in diff.items if line.proposed is None or not line.proposed.is_rest_of_county]
        lines = [line for line in local if line.applicable] or local or list(diff.items)
        west, south, east, north = gpd.GeoSeries([line.geometry for line in lines]).total_bounds
        margin = 0.15 * max(east - west, north - south)
        return west - margin, south - margin, east + margin, north + margin

    def _on_proposal_failed(self, error: Exception) -> None:
        if self._end_worker():
            self._show_error(error)

    def _show_proposal_overlays(self) -> None:
        """The proposal on the map: ticked new and changed zones in their tier's colours, unchanged zones faint,
        zones that may step down in grey."""
        frame = self.review.diff.to_frame()
        ticked = set(self.review.ticked())
        lines = self.review.diff.items
        chosen = [line.applicable and line.position in ticked for line in lines]
        groups = frame["group"]
        self.map_widget.show_overlay("proposal", frame[chosen], label_column="name")
        self.map_widget.show_overlay("proposal_unchanged", frame[groups == ProposalGroup.UNCHANGED.value],
                                     label_column="name", fill_opacity=UNCHANGED_FILL_OPACITY)
        step_down = frame[groups == ProposalGroup.MAY_STEP_DOWN.value].drop(columns="tier")
        self.map_widget.show_overlay("proposal_step_down", step_down.assign(colour=LIFTED_COLOUR),
                                     label_column="name", fill_opacity=UNCHANGED_FILL_OPACITY)

    def _on_proposal_ticks_changed(self) -> None:
        if self.review.diff is not None:
            self._show_proposal_overlays()

    def _on_proposal_line_chosen(self, index: int) -> None:
        line = self.review.diff.items[index]
        if line.group is ProposalGroup.MAY_STEP_DOWN and self.model.row_of(line.zone_fid) is not None:
            self.select_zone(line.zone_fid)  # the step-down and lift actions now act on it
        self.map_widget.fit_bounds(line.geometry.bounds)

    def _on_proposal_accepted(self) -> None:
        diff, positions = self.review.diff, self.review.ticked()
        if not positions:
            self._discard_proposal()
            self._show_message(self.tr("Nothing ticked to apply: the zones stay as they are."))
            return
        proposal, project, at = diff.proposal, self.project, self._action_day()
        updates = [line.zone_fid for line in diff.items if line.group is ProposalGroup.CHANGED
                   and line.position in positions]
        text = self.tr("Apply proposal (%n zone(s))", "", len(positions))
        command = CreateZonesCommand(project, lambda: zone_store.apply_proposal(project, proposal, at=at,
                                                                                only=positions), text, updates)
        if self._push(command) is None:
            self._discard_proposal()

    def _on_proposal_rejected(self) -> None:
        self._discard_proposal()

    def _discard_proposal(self) -> None:
        self.review.hide()
        self.review.diff = None
        for key in PROPOSAL_OVERLAYS:
            self.map_widget.clear_overlay(key)

    # -- views ---------------------------------------------------------------------------------------------

    def _on_changes(self) -> None:
        if self._changes is None:
            self._changes = ChangesDialog(self.project, self.map_widget, self.as_of() - dt.timedelta(days=1), self)
            self._changes.finished.connect(self._on_changes_closed)
        self._changes.show()
        self._changes.raise_()

    def _on_changes_closed(self, _result: int) -> None:
        self._changes.deleteLater()
        self._changes = None

    def _on_effective_toggled(self, on: bool) -> None:
        if on:
            self._show_effective()
        else:
            self.map_widget.clear_overlay("effective")

    def _show_effective(self) -> None:
        try:
            surface = zone_store.effective_tier_layer(self.project)
        except UserError as error:
            self._show_error(error)
            return
        label = "tier_label" if self.lang == "zh" else "tier_en"
        self.map_widget.show_overlay("effective", surface, label_column=label, fill_opacity=0.45)

    def _on_date_changed(self, _date: QDate) -> None:
        self.reload()

    # -- messages ------------------------------------------------------------------------------------------

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet(ERROR_STYLE if error else "")
        self.message_label.setText(text)
        self.message_label.show()

    def _show_error(self, error: Exception) -> None:
        self._show_message(error.message() if isinstance(error, UserError) else str(error), error=True)

