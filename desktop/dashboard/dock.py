"""The dashboard dock (防控看板): the tabs (capacity, curve, grids, follow-ups, allocation, testing) as of one day.

Each tab is a :class:`~desktop.dashboard.widgets.DashboardTab`: ``job()`` hands the dock a plain reading of the
project (:mod:`data.dashboard_readers`), which runs in a :class:`~desktop.workers.Worker` thread; ``show_result``
then draws it on the UI thread. A tab is read when it is on screen and out of date (the project changed a layer it
shows, or its options changed): a tab behind another, or the dock behind the zone panel, waits until it is shown,
so a million cases cost nothing while the user looks at something else. Writes
(activating a standby site, confirming an allocation) go onto the undo stack as a
:class:`~desktop.store_command.StoreCommand`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from PySide6.QtCore import QDate, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDateEdit, QDockWidget, QLabel, QTabWidget, QVBoxLayout, QWidget

from data import dashboard_readers
from data.project import Project
from desktop.change_feed import follow
from desktop.dashboard.allocation import AllocationTab
from desktop.dashboard.capacity import STANDARD_KEY, CapacityTab
from desktop.dashboard.curve import CurveTab
from desktop.dashboard.due import DueTab
from desktop.dashboard.grids import GridTab
from desktop.dashboard.testing import TestingTab
from desktop.dashboard.widgets import ALERT, GOOD, MUTED, DashboardTab, row
from desktop.store_command import StoreCommand
from desktop.workers import Worker
from gis.capacity import ROOMS_PER_10K_STANDARD
from gis.errors import UserError

MESSAGE_MS = 8000  # how long an information message stays


class CapacityDock(QDockWidget):
    """The dashboard dock over one project, as of one day (by default today, or the day a sample project's
    data describe). Every tab follows the project's changes; ``refreshed`` is emitted once every tab on screen
    shows the project as it is (the others are read when they are shown)."""

    refreshed = Signal()

    def __init__(self, project: Project, map_widget, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(self.tr("Dashboard"), parent)
        self.setObjectName("CapacityDock")
        self.project = project
        self.map_widget = map_widget
        self.undo_stack = undo_stack
        self.settings = QSettings()
        self._unsubscribe: Callable[[], None] | None = None
        self._worker: Worker | None = None
        self._stale: set[DashboardTab] = set()  # tabs whose figures are out of date
        self._on_screen = False  # as visibilityChanged last said
        self._refresh_timer = QTimer(self)  # coalesces a burst of changes into one reading
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.setInterval(MESSAGE_MS)

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.busy_label = QLabel(self.tr("Updating…"))
        self.busy_label.setStyleSheet(f"color: {MUTED};")
        self.busy_label.hide()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        self.capacity_tab = CapacityTab(self)
        self.curve_tab = CurveTab(self)
        self.grid_tab = GridTab(self)
        self.due_tab = DueTab(self)
        self.allocation_tab = AllocationTab(self)
        self.testing_tab = TestingTab(self)
        self.tabs: list[DashboardTab] = [self.capacity_tab, self.curve_tab, self.grid_tab, self.due_tab,
                                         self.allocation_tab, self.testing_tab]
        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        titles = (self.tr("Capacity"), self.tr("Curve"), self.tr("Grids"), self.tr("Due"), self.tr("Allocation"),
                  self.tr("Testing"))
        for tab, title in zip(self.tabs, titles, strict=True):
            self.tab_widget.addTab(tab, title)

        top = row(QLabel(self.tr("As of")), self.date_edit, self.busy_label, None)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addWidget(self.tab_widget, 1)
        self.setWidget(body)

        for tab in self.tabs:
            tab.refreshWanted.connect(functools.partial(self._request, (tab,)))
        self._refresh_timer.timeout.connect(self._on_refresh_due)
        self.tab_widget.currentChanged.connect(self._refresh_timer.start)
        self.visibilityChanged.connect(self._on_visibility_changed)
        self._message_timer.timeout.connect(self.message_label.hide)
        self.date_edit.dateChanged.connect(self._on_date_changed)
        self.set_project(project)

    # -- public API -------------------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Show ``project`` as of its present day (see :meth:`today`); follow its changes, no longer the
        previous project's."""
        self._stop_following()
        self.project = project
        for tab in self.tabs:
            tab.reset()
        day = self.today()
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self._follow()
        self.refresh()

    def today(self) -> dt.date:
        """The project's present day: the day a sample project's data describe, else today."""
        sample_day = self.project.metadata.get("sample_as_of")
        return dt.date.fromisoformat(sample_day) if sample_day else dt.date.today()

    def as_of(self) -> dt.date:
        """The day the dashboard describes."""
        return self.date_edit.date().toPython()

    def set_as_of(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def standard(self) -> float:
        """The capacity standard in rooms per 10,000 residents (QSettings ``capacity/standard``)."""
        return float(self.settings.value(STANDARD_KEY, ROOMS_PER_10K_STANDARD))

    def refresh(self) -> None:
        """Read every tab's figures again."""
        self._request(self.tabs)

    def apply_settings(self) -> None:
        """Take up the settings changed under 编辑 → 设置 (standard, demand and testing assumptions)."""
        spin = self.capacity_tab.standard_spin
        spin.blockSignals(True)
        spin.setValue(self.standard())
        spin.blockSignals(False)
        self.refresh()

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show a message above the tabs (an error stays until the next message)."""
        self.message_label.setStyleSheet(f"color: {ALERT};" if error else f"color: {GOOD};")
        self.message_label.setText(text)
        self.message_label.show()
        if error:
            self._message_timer.stop()
        else:
            self._message_timer.start()

    def push_store_edit(self, text: str, write: Callable[[], object]):
        """Run ``write`` (a data-store write) as a command on the undo stack. Returns what it returned, or None
        (message shown) if it was refused."""
        command = StoreCommand(self.project, text, write)
        self.undo_stack.push(command)
        if command.error is not None:
            self.show_message(command.error.message(), error=True)
            return None
        return command.result

    def is_busy(self) -> bool:
        """True while figures are being read, or a tab on screen waits to be."""
        return self._worker is not None or bool(self._due_tabs())

    def _on_visibility_changed(self, visible: bool) -> None:
        """Qt says whether the dock is on screen: shown, hidden, or its tab chosen or left where docks are tabbed
        together (a dock behind another stays "visible"; its window may not be painted yet, so no region tells)."""
        self._on_screen = visible
        self._refresh_timer.start()

    def is_shown(self, tab: DashboardTab) -> bool:
        """Whether ``tab`` is on screen: the dock shown (not behind another dock) and the tab in front."""
        return self.isVisible() and self._on_screen and self.tab_widget.currentWidget() is tab

    # -- following the project and reading off the UI thread -----------------------------------------

    def _follow(self) -> None:
        self._unsubscribe = follow(self.project, self._on_changes)
        self.destroyed.connect(self._unsubscribe)  # a deleted dock must not hear the project

    def _stop_following(self) -> None:
        self._refresh_timer.stop()
        self._stale.clear()
        if self._worker is not None:
            self._worker.cancel()  # its outcome is dropped when it ends
        if self._unsubscribe:
            self.destroyed.disconnect(self._unsubscribe)
            self._unsubscribe()
            self._unsubscribe = None

    def _request(self, tabs) -> None:
        self._stale.update(tabs)
        self._refresh_timer.start()

    def _due_tabs(self) -> list[DashboardTab]:
        """The out-of-date tabs to read now: those on screen, and those the map shows (the shortfall overlay)."""
        return [tab for tab in self.tabs if tab in self._stale and (self.is_shown(tab) or tab.shown_elsewhere())]

    @Slot()
    def _on_refresh_due(self) -> None:
        if self._worker is not None:
            return  # read again when it ends
        due = self._due_tabs()
        if not due:
            self.busy_label.hide()
            return
        jobs = {tab: tab.job() for tab in due}
        self._stale.difference_update(due)
        self._worker = Worker(functools.partial(dashboard_readers.run_readers, self.project, jobs), self)
        self._worker.finished.connect(functools.partial(self._on_read, self.project))
        self._worker.failed.connect(self._on_read_failed)
        self.busy_label.show()
        self._worker.start()

    def _on_read(self, project: Project, results: dict | None) -> None:
        cancelled = self._end_worker()
        if results is not None and not cancelled and project is self.project:
            for tab, result in results.items():
                tab.show_result(result)
        self._next_reading()

    @Slot(object)
    def _on_read_failed(self, error: Exception) -> None:
        self._end_worker()
        self.show_message(error.message() if isinstance(error, UserError) else f"{type(error).__name__}: {error}",
                          error=True)
        self._next_reading()

    def _end_worker(self) -> bool:
        """Drop the finished worker; True if it had been cancelled."""
        worker, self._worker = self._worker, None
        worker.deleteLater()
        return worker.cancelled()

    def _next_reading(self) -> None:
        if self._due_tabs():
            self._on_refresh_due()
        else:
            self.busy_label.hide()
            self.refreshed.emit()

    # -- slots ------------------------------------------------------------------------------------

    def _on_changes(self, changeset) -> None:
        """Read again the figures of the tabs showing a layer the changeset touched (here or at another desk)."""
        self._request([tab for tab in self.tabs if tab.layers & changeset.layers])

    def _on_date_changed(self, _date: QDate) -> None:
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Shown again after being closed: follow the project again and re-read it (the tab in front now)."""
        if self._unsubscribe is None:
            self._follow()
            self.refresh()
        super().showEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Stop following the project; a reading under way is cancelled and abandoned, never waited for (it
        ends on its own and reports to nobody), and the shortfall overlay leaves the map."""
        self._stop_following()
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.abandon()
            self.busy_label.hide()
        self.capacity_tab.shortfall_button.setChecked(False)  # takes the overlay off the map
        super().closeEvent(event)
