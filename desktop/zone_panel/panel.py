"""The zone panel dock: the control zones as of a date with their countdowns, and the zone actions of
:mod:`data.zone_store` wired to its buttons and menus — tier changes, stepping down, lifting, test rounds,
renaming, reports, proposals, control circles, snapping to units, the change map and the effective tiers.

Every change is a :class:`~desktop.store_command.StoreCommand` on the shared undo stack. The panel follows the
project's changes, whichever thread commits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from PySide6.QtCore import QDate, QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QInputDialog,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from data import zone_store
from data.project import ConflictError, Project
from data.web_map import tier_styles
from desktop.change_feed import follow
from desktop.store_command import StoreCommand
from desktop.workers import ProgressDialog, Worker
from desktop.zone_panel.changes_dialog import ChangesDialog
from desktop.zone_panel.dialogs import CircleDialog, ProposalDialog, SnapDialog, TestRoundDialog, ZoneReportDialog
from desktop.zone_panel.proposal_review import ProposalReview
from desktop.zone_panel.radii import remember_circle_radii
from desktop.zone_panel.scheme_dialog import SchemeDialog
from desktop.zone_panel.table_model import ZoneTableModel
from desktop.zone_panel.widgets import ERROR_STYLE, LIFTED_COLOUR, date_edit, plain_label, qdate, tier_label
from gis.errors import UserError, ui_language
from gis.glossary import ProposalGroup, ZoneKind, ZoneStatus
from gis.zoning.circles import circle_tiers, control_circles
from gis.zoning.proposal_diff import ProposalDiff
from gis.zoning.schemes import PRESETS

LAYER = zone_store.LAYER
HIGHLIGHT_COLOUR = "#00a6ed"  # the map's selection colour
UNCHANGED_FILL_OPACITY = 0.05  # zones a proposal leaves as they are: drawn faint under what it changes
PROPOSAL_OVERLAYS = ("proposal", "proposal_unchanged", "proposal_step_down")
CUSTOM_SCHEME = "__custom__"


class ZonePanel(QDockWidget):
    """The control zones as of a date, with their countdowns, and the zone actions (all undoable).

    ``schemeChanged`` is emitted after the project's tier scheme was changed here (the map has been told).
    """

    schemeChanged = Signal()

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

        self.date_edit = date_edit(dt.date.today())
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
        self.message_label = plain_label()
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
        for action in (self.propose_action, self.circles_action):  # what a viewer's role may not do stays grey
            action.setEnabled(project.can_edit)
        self.scheme_combo.setEnabled(project.can_admin)
        self._follow()
        self._load_scheme()
        self.reload()

    def as_of(self) -> dt.date:
        """The day countdowns are computed for and actions are dated."""
        return self.date_edit.date().toPython()

    def set_as_of(self, day: dt.date) -> None:
        """Show the zones as of ``day`` (the table follows at once)."""
        self.date_edit.setDate(qdate(day))

    def selected_fid(self) -> int | None:
        """The zone selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return int(self.model.row(rows[0].row())["fid"]) if rows else None

    def shown_version(self, fid: int) -> int | None:
        """The version of zone ``fid`` as the list shows it (None if it is not listed): what an edit of that
        zone elsewhere (on the map) expects to find."""
        row = self.model.row_of(int(fid))
        return None if row is None else int(self.model.row(row)["version"])

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
        self._unsubscribe = follow(self.project, self._on_project_changed)
        self.destroyed.connect(self._unsubscribe)  # a panel deleted unclosed must not be called

    def _stop_following(self) -> None:
        self._reload_timer.stop()
        if self._unsubscribe:
            self.destroyed.disconnect(self._unsubscribe)
            self._unsubscribe()
            self._unsubscribe = None

    def _on_project_changed(self, changeset) -> None:
        """Re-read the zones when a changeset (here or at another desk) touched them."""
        if LAYER in changeset.layers:
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
        active = self.project.can_edit and zone is not None and zone["status"] != ZoneStatus.LIFTED.value
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
        frame = zone_store.zone_frame(self.project, fid)
        highlight = frame[["name", "geometry"]].assign(colour=HIGHLIGHT_COLOUR)
        self.map_widget.show_overlay("zone", highlight, label_column="name", fit=fit, fill_opacity=0.1)

    def _on_context_menu(self, position) -> None:
        if self.table.indexAt(position).isValid():
            self.zone_menu.exec(self.table.viewport().mapToGlobal(position))

    def _zone_title(self, zone: pd.Series) -> str:
        return f"{self._zone_name(zone)}（{tier_label(self.scheme, zone['tier'], self.lang)}）"

    def _zone_name(self, zone: pd.Series) -> str:
        """How messages name a zone row (its name; an unnamed zone of old by its tier and number)."""
        return zone_store.zone_title(zone.rename(int(zone["fid"])), self.scheme)

    def _action_day(self) -> dt.date | None:
        """The date actions are stamped with: None (now) while the as-of day is today."""
        day = self.as_of()
        return None if day == dt.date.today() else day

    # -- zone actions -------------------------------------------------------------------------------------

    def _push(self, command: StoreCommand, *, show_refusal: bool = True) -> UserError | None:
        """Push ``command``; returns its refusal (then nothing changed), shown unless ``show_refusal`` is False.
        A zone another desk changed meanwhile is always named, and the list re-read."""
        self.message_label.hide()
        self.undo_stack.push(command)
        if command.error is None:
            command.report_error = self._show_error
        elif show_refusal or isinstance(command.error, ConflictError):
            self._show_error(command.error)
        if isinstance(command.error, ConflictError):
            self.reload()
        return command.error

    def _act(self, action: Callable[..., object], text: str, *, show_refusal: bool = True) -> UserError | None:
        """Run ``action(fid, expected_version=…)`` on the selected zone as an undoable command titled ``text``
        ({zone}: its name). The first run expects the version of the row shown; a redo acts on the zone as it
        is then."""
        zone = self._selected_row()
        if zone is None:
            return None
        fid = int(zone["fid"])
        shown = [int(zone["version"])]

        def run():
            expected = shown.pop() if shown else None
            return action(fid, expected_version=expected)

        command = StoreCommand(self.project, text.replace("{zone}", self._zone_name(zone)), run,
                               rerun=True)
        return self._push(command, show_refusal=show_refusal)

    def _on_tier_chosen(self, chosen: QAction) -> None:
        tier = chosen.data()
        text = self.tr("Change {zone} to %1").replace("%1", tier_label(self.scheme, tier, self.lang))
        self._act(lambda fid, **v: zone_store.change_tier(self.project, fid, tier, at=self._action_day(), **v), text)
        self._update_actions()

    def _on_downgrade(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        on = self._action_day()
        refusal = self._act(lambda fid, **v: zone_store.downgrade(self.project, fid, on=on, **v), self.tr("Step down {zone}"),
                            show_refusal=False)
        if refusal is None:
            return
        clock = zone_store.zone_countdown(self.project, int(zone["fid"]), self.as_of())
        if clock.next_tier is None or clock.ready:
            self._show_error(refusal)
        elif self._confirm_force(refusal, clock.next_tier):
            self._act(lambda fid, **v: zone_store.downgrade(self.project, fid, on=on, force=True, **v),
                      self.tr("Step down {zone} early"))
        else:
            self._show_error(refusal)

    def _confirm_force(self, refusal: UserError, next_tier: str) -> bool:
        """Show why a zone may not step down yet; True only if the user explicitly steps it down anyway."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not Ready to Step Down"), refusal.message(),
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        tier = tier_label(self.scheme, next_tier, self.lang)
        box.setInformativeText(self.tr("Step it down to %1 anyway, although the condition above is not met? "
                                       "The early step is logged.").replace("%1", tier))
        force = box.addButton(self.tr("Step Down Anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is force

    def _on_lift(self) -> None:
        self._act(lambda fid, **v: zone_store.lift(self.project, fid, at=self._action_day(), **v), self.tr("Lift {zone}"))

    def _on_test_round(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        dialog = TestRoundDialog(self._zone_title(zone), self.as_of(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        day, result = dialog.day(), dialog.result()
        text = self.tr("Test round of {zone} on %1").replace("%1", day.isoformat())
        self._act(lambda fid, **v: zone_store.record_test_round(self.project, fid, day, result, **v), text)

    def _on_rename(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        old = self._zone_name(zone)
        name, ok = QInputDialog.getText(self, self.tr("Rename Zone"), self.tr("New name of “%1”:").replace("%1", old),
                                        text=old)
        if ok and name.strip() and name.strip() != old:
            self._act(lambda fid, **v: zone_store.rename_zone(self.project, fid, name, **v),
                      self.tr("Rename “{zone}” to “%1”").replace("%1", name.strip()))

    def _on_report(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        geometry = zone_store.zone_frame(self.project, int(zone["fid"])).geometry.iloc[0]
        ZoneReportDialog(self._zone_title(zone), zone_store.zone_report_for(self.project, geometry), self).exec()

    def _on_snap(self) -> None:
        zone = self._selected_row()
        if zone is None:
            return
        dialog = SnapDialog(self._zone_title(zone), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            snapped = zone_store.snapped_zone(self.project, int(zone["fid"]), level=dialog.snap.level(),
                                              rule=dialog.snap.rule(), threshold=dialog.snap.threshold())
        except UserError as error:
            self._show_error(error)
            return
        if snapped.units.empty:
            self._show_message(self.tr("No unit is covered under this rule; the zone is left as it is."), error=True)
            return
        text = self.tr("Snap {zone} to %n unit(s)", "", len(snapped.units))
        self._act(lambda fid, **v: zone_store.replace_with_units(self.project, fid, snapped, **v), text)

    # -- control circles -----------------------------------------------------------------------------------

    def _on_circles(self) -> None:
        small_tier, large_tier = circle_tiers(self.scheme)
        dialog = CircleDialog(len(self._cases), (tier_label(self.scheme, small_tier, self.lang),
                                                 tier_label(self.scheme, large_tier, self.lang)), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        small_m, large_m = dialog.radii()
        remember_circle_radii(small_m, large_m)
        if not dialog.around_cases():
            self._start_pick(small_m, large_m)
            return
        points, last_case_at = zone_store.circle_cases(self.project, self._cases)
        self.add_control_circles(points, small_m, large_m, last_case_at=last_case_at)

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
        refusal = self._push(StoreCommand(self.project, self.tr("Add control circles"), create))
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
        self.map_widget.fit_bounds(diff.focus_bounds())

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
        text = self.tr("Apply proposal (%n zone(s))", "", len(positions))
        command = StoreCommand(project, text, lambda: zone_store.apply_proposal(project, proposal, at=at, only=positions))
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

