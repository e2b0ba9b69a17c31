"""The allocation tab: who goes to which isolation site, planned off the UI thread, confirmed as one undoable
edit, exported as Excel transfer lists."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QSplitter, QVBoxLayout

from data import capacity_store, dashboard_readers
from data.project import Project
from desktop.dashboard.widgets import ALERT, GOOD, DashboardTab, FrameTable, row, term_labels
from desktop.workers import ProgressDialog, Worker
from gis.errors import UserError
from gis.glossary import CaseCategory

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


class AllocationTab(DashboardTab):
    """Who goes to which isolation site: a plan made off the UI thread (nothing written), confirmed as one
    undoable edit, exported as Excel transfer lists."""

    layers = frozenset({"cases", "isolation_sites", "control_zones"})
    planReady = Signal()

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.plan: pd.DataFrame | None = None
        self.state = "none"  # of the plan shown: none / ready / confirmed / stale (see dashboard_readers.plan_state)
        self._worker: Worker | None = None
        self.plan_button = QPushButton(self.tr("Plan allocation"))
        self.plan_button.setToolTip(self.tr("Nearest site with a free room, sealed-zone residents first"))
        self.confirm_button = QPushButton(self.tr("Confirm allocation"))
        self.export_button = QPushButton(self.tr("Export transfer lists…"))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.site_table = FrameTable({"site_name": self.tr("Isolation site"), "arriving": self.tr("Arriving"),
                                      "free": self.tr("Free rooms now"), "free_after": self.tr("Free rooms after")})
        self.plan_table = FrameTable({"case_no": self.tr("Case no."), "site_name": self.tr("Isolation site"),
                                      "distance_km": self.tr("km"), "sealed": self.tr("Sealed zone"),
                                      "category": self.tr("Category"), "grid": self.tr("Grid")})
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.plan_button, self.confirm_button, self.export_button, None))
        layout.addWidget(self.status_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.site_table)
        splitter.addWidget(self.plan_table)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        self.plan_button.clicked.connect(self._on_plan_clicked)
        self.confirm_button.clicked.connect(self._on_confirm_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)

    def job(self) -> Callable[[Project], object]:
        return functools.partial(dashboard_readers.plan_state, plan=self.plan)

    def show_result(self, state: str) -> None:
        self._show_state(state)

    def reset(self) -> None:
        self.plan = None
        self.site_table.model().clear()
        self.plan_table.model().clear()
        self._show_state("none")

    def export_transfer_lists(self, path) -> Path:
        """Write the plan's transfer lists (Excel) to ``path``."""
        return capacity_store.write_transfer_lists(self.plan, path)

    def _show_state(self, state: str) -> None:
        self.state = state
        plan = self.plan
        assigned = 0 if plan is None else int(plan["site_fid"].notna().sum())
        self.enable_writing(self.confirm_button, state == "ready" and assigned > 0)
        self.export_button.setEnabled(state in ("ready", "confirmed") and assigned > 0)
        colour = {"stale": ALERT, "confirmed": GOOD}.get(state, "")
        self.status_label.setStyleSheet(f"color: {colour};" if colour else "")
        if state == "none":
            text = self.tr("Plan who goes to which site: the nearest active site with a free room, sealed-zone "
                           "residents first. Nothing is written until you confirm.")
        elif state == "stale":
            text = self.tr("The project changed since this plan was made: plan again.")
        elif plan.empty:
            text = self.tr("Nobody is waiting for isolation.")
        elif state == "confirmed":
            text = self.tr("Confirmed: {count} people assigned (Edit ▸ Undo takes it back).").format(count=assigned)
        else:
            text = self.tr("{assigned} of {waiting} waiting people assigned to {sites} sites, {sealed} of them from "
                           "sealed zones; {left} left without a room. Nothing written yet.").format(
                assigned=assigned, waiting=len(plan), sites=plan["site_fid"].nunique(),
                sealed=int(plan["sealed"].sum()), left=len(plan) - assigned)
        self.status_label.setText(text)

    @Slot()
    def _on_plan_clicked(self) -> None:
        if self._worker is not None:
            return
        self._worker = Worker(functools.partial(dashboard_readers.make_plan, self.dock.project,
                                                self.tr("Reading the people waiting and the sites…")), self)
        self._worker.finished.connect(self._on_planned)
        self._worker.failed.connect(self._on_plan_failed)
        dialog = ProgressDialog(self._worker, self.tr("Planning the allocation"), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._worker.start()

    @Slot(object)
    def _on_planned(self, result: dict | None) -> None:
        self._finish_worker()
        if result is None:  # cancelled
            return
        self.plan = plan = result["plan"]
        self.site_table.show_frame(result["sites"])
        self.plan_table.show_frame(plan.reset_index(names="fid").assign(
            category=term_labels(plan["category"], CaseCategory).to_numpy(),
            distance_km=(plan["distance_m"] / 1000).to_numpy(),
            _colour=np.where(plan["site_fid"].isna(), ALERT, "")))
        self._show_state("ready")
        self.planReady.emit()

    @Slot(object)
    def _on_plan_failed(self, error: Exception) -> None:
        self._finish_worker()
        self.dock.show_message(error.message() if isinstance(error, UserError) else str(error), error=True)

    def _finish_worker(self) -> None:
        self._worker.deleteLater()
        self._worker = None

    @Slot()
    def _on_confirm_clicked(self) -> None:
        plan, project = self.plan, self.dock.project
        assigned = plan[plan["site_fid"].notna()]
        text = self.tr("Allocate {count} people to isolation sites").format(count=len(assigned))
        confirmed = self.dock.push_store_edit(text, lambda: capacity_store.confirm_allocation(project, plan))
        if confirmed is not None:
            self._show_state("confirmed")

    @Slot()
    def _on_export_clicked(self) -> None:
        name = self.tr("transfer-lists-{day}.xlsx").format(day=self.dock.as_of().isoformat())
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export Transfer Lists"), name,
                                              self.tr("Excel workbook (*.xlsx)"))
        if not path:
            return
        try:
            written = self.export_transfer_lists(path)
        except (UserError, OSError) as error:
            self.dock.show_message(error.message() if isinstance(error, UserError) else str(error), error=True)
            return
        self.dock.show_message(self.tr("Transfer lists written to {path}").format(path=written))
