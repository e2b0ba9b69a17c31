"""The grids tab: cases per grid, village or town for a date window, and one grid's cases and key persons."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSplitter, QVBoxLayout, QWidget

from data import dashboard_readers
from data.project import Project
from desktop.dashboard.widgets import DashboardTab, FrameTable, column_titles, row, term_labels
from gis.errors import ui_language
from gis.glossary import CaseCategory, KeyPersonCategory, totals_sentence

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


class GridTab(DashboardTab):
    """Cases per grid, village or town for a date window; a grid's cases and key persons when it is clicked
    in the table or on the map (personal fields never shown)."""

    layers = frozenset({"cases", "key_persons", "grids", "admin_units"})

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.result: dict | None = None
        self.grid_fid: int | None = None  # the grid whose cases are listed
        self.level_combo = QComboBox()
        for text, level in ((self.tr("Grids"), "grid"), (self.tr("Villages and communities"), "village"),
                            (self.tr("Towns"), "town")):
            self.level_combo.addItem(text, level)
        self.window_combo = QComboBox()
        for text, days in ((self.tr("All days"), None), (self.tr("Last 14 days"), 14), (self.tr("Last 7 days"), 7),
                           (self.tr("As-of day only"), 1)):
            self.window_combo.addItem(text, days)
        self.window_combo.setToolTip(self.tr("Cases reported in this window, ending on the as-of day"))
        self.with_cases_check = QCheckBox(self.tr("Only with cases"))
        self.with_cases_check.setChecked(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)  # the totals sentence must not widen the dashboard over the map
        self.count_table = FrameTable(column_titles("name", "infections", *CaseCategory.values(), "contacts"))
        self.count_table.setToolTip(self.tr("Click a row to show it on the map"))
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.case_table = FrameTable({"case_no": self.tr("Case no."), "category": self.tr("Category"),
                                      "reported": self.tr("Reported"), "address": self.tr("Address"),
                                      "site_name": self.tr("Isolation site")})
        self.person_table = FrameTable({"person_no": self.tr("Person no."), "category": self.tr("Key person"),
                                        "arrival_at": self.tr("Arrived"), "origin": self.tr("From"),
                                        "schedule": self.tr("Schedule")})

        options = row(self.level_combo, self.window_combo, self.with_cases_check, None)
        details = QWidget()
        detail_layout = QVBoxLayout(details)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(self.case_table, 3)
        detail_layout.addWidget(self.person_table, 2)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.count_table)
        splitter.addWidget(details)
        layout = QVBoxLayout(self)
        layout.addLayout(options)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)

        self.level_combo.currentIndexChanged.connect(self._on_options_changed)
        self.window_combo.currentIndexChanged.connect(self._on_options_changed)
        self.with_cases_check.toggled.connect(self._on_with_cases_toggled)
        self.count_table.clicked.connect(self._on_count_clicked)
        dock.map_widget.featureClicked.connect(self._on_feature_clicked)

    def job(self) -> Callable[[Project], object]:
        as_of, days = self.dock.as_of(), self.window_combo.currentData()
        start = as_of - dt.timedelta(days=days - 1) if days else None
        return functools.partial(dashboard_readers.read_grid_counts, by=self.level_combo.currentData(), start=start,
                                 end=as_of, grid=self.grid_fid)

    def show_result(self, result: dict) -> None:
        shown, self.result = self.result, result
        if shown is None or shown["by"] != result["by"] or not shown["counts"].equals(result["counts"]) \
                or shown["unlocated"] != result["unlocated"]:
            self._show_counts()  # a grid listed, the figures unchanged: the table keeps its place
        if self.grid_fid is not None:
            self.show_grid(self.grid_fid)

    def reset(self) -> None:
        self.result, self.grid_fid = None, None
        self.detail_label.setText(self.tr("Click a grid on the map or in the table to list its cases."))
        self.case_table.model().clear()
        self.person_table.model().clear()

    def show_grid(self, fid: int) -> None:
        """List the cases (in the window) and key persons of grid ``fid`` and select its row; they are read off
        the UI thread first, unless the figures shown came with them."""
        self.grid_fid = fid
        if self.result is None:
            return  # shown once the figures arrive
        if fid not in self.result["grids"].index:
            self.detail_label.setText(self.tr("That grid is no longer in the project."))
            return
        listed = self.result["grid"]
        if listed is None or listed["fid"] != fid:
            self.refreshWanted.emit()  # read with the figures (kept, not counted again), then shown here
            return
        grids = self.result["grids"]
        code, name = grids.at[fid, "code"], grids.at[fid, "name"]
        cases, persons = listed["cases"], listed["persons"]
        self.detail_label.setText(self.tr("<b>{grid}</b> ({code}): {totals}; {persons} key persons").format(
            grid=name, code=code, totals=totals_sentence(cases["category"].value_counts(), ui_language()),
            persons=len(persons)))
        self.case_table.show_frame(cases.assign(category=term_labels(cases["category"], CaseCategory)))
        self.person_table.show_frame(persons.assign(category=term_labels(persons["category"], KeyPersonCategory)))
        position = self.count_table.model().row_of("fid", fid) if self.result["by"] == "grid" else None
        if position is not None:
            self.count_table.selectRow(position)

    def _show_counts(self) -> None:
        counts = self.result["counts"]
        units = int((counts["total"] > 0).sum())
        text = self.tr("{totals}, in {units} of {all} areas").format(
            totals=totals_sentence(counts.sum(numeric_only=True), ui_language()), units=units, all=len(counts))
        if self.result["unlocated"]:
            text += self.tr("; {count} more records lie in no area").format(count=self.result["unlocated"])
        self.summary_label.setText(text)
        if self.with_cases_check.isChecked():
            counts = counts[counts["total"] > 0]
        self.count_table.show_frame(counts.sort_values(["infections", "contacts"], ascending=False, kind="stable")
                                    .assign(_tooltip=counts["code"]))

    @Slot(int)
    def _on_options_changed(self, _index: int) -> None:
        self.refreshWanted.emit()

    @Slot(bool)
    def _on_with_cases_toggled(self, _checked: bool) -> None:
        if self.result is not None:
            self._show_counts()

    @Slot(QModelIndex)
    def _on_count_clicked(self, index: QModelIndex) -> None:
        fid = int(self.count_table.model().frame.at[index.row(), "fid"])
        bounds = self.result["bounds"]
        if fid in bounds.index and bounds.loc[fid].notna().all():
            self.dock.map_widget.fit_bounds(bounds.loc[fid].to_numpy())
        if self.result["by"] == "grid":
            self.show_grid(fid)

    @Slot(str, int)
    def _on_feature_clicked(self, layer: str, fid: int) -> None:
        if layer == "grids":
            self.show_grid(fid)
