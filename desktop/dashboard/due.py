"""The follow-up tab: key persons' follow-up tests due or overdue, and reporting steps past their deadline."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from data import dashboard_readers
from data.dashboard_readers import FOLLOWUP_LOOKBACK_DAYS
from data.project import Project
from desktop.dashboard.widgets import ALERT, WARNING, DashboardTab, FrameTable, term_labels
from gis.deadlines import REPORTING_DEADLINES
from gis.errors import ui_language
from gis.glossary import CaseCategory, KeyPersonCategory

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


class DueTab(DashboardTab):
    """Key persons' follow-up tests due on the as-of day or overdue, and reporting steps past their
    deadline, by grid."""

    layers = frozenset({"key_persons", "cases", "grids", "admin_units"})

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.followup_label = QLabel()
        self.followup_label.setWordWrap(True)
        self.followup_table = FrameTable({"grid": self.tr("Grid"), "person_no": self.tr("Person no."),
                                          "state": self.tr("State"), "due_date": self.tr("Due"),
                                          "test": self.tr("Test"), "category": self.tr("Key person")})
        self.report_label = QLabel()
        self.report_label.setWordWrap(True)
        self.report_table = FrameTable({"grid": self.tr("Grid"), "case_no": self.tr("Case no."),
                                        "label": self.tr("Step"), "hours_over": self.tr("Hours over"),
                                        "deadline": self.tr("Deadline"), "category": self.tr("Category")})
        reports = QWidget()
        report_layout = QVBoxLayout(reports)
        report_layout.setContentsMargins(0, 0, 0, 0)
        report_layout.addWidget(self.report_label)
        report_layout.addWidget(self.report_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.followup_table)
        splitter.addWidget(reports)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.followup_label)
        layout.addWidget(splitter, 1)

    def job(self) -> Callable[[Project], object]:
        as_of = self.dock.as_of()
        at = dt.datetime.now() if as_of >= dt.date.today() else dt.datetime.combine(as_of, dt.time(23, 59, 59))
        return functools.partial(dashboard_readers.read_due, on_date=as_of, at=at)

    def show_result(self, result: dict) -> None:
        followups, reports = result["followups"], result["reports"]
        overdue = followups["state"] == "overdue"
        self.followup_label.setText(
            self.tr("Follow-up tests on {day}: <b>{due}</b> due, <span style='color:{alert}'><b>{overdue}</b> "
                    "overdue</span> (up to {days} days late), in {grids} grids.").format(
                day=result["on_date"].isoformat(), due=int((~overdue).sum()), overdue=int(overdue.sum()),
                alert=ALERT, days=FOLLOWUP_LOOKBACK_DAYS, grids=followups["grid_code"].nunique()))
        self.followup_table.show_frame(followups.assign(
            category=term_labels(term_labels(followups["category"], KeyPersonCategory), CaseCategory),  # and contacts
            state=np.where(overdue, self.tr("Overdue"), self.tr("Due today")),
            _colour=np.where(overdue, ALERT, WARNING)))
        lang = ui_language()
        steps = {rule.field: rule.zh if lang == "zh" else rule.en for rule in REPORTING_DEADLINES}
        deadlines = "; ".join(f"{steps[rule.field]} {rule.hours:g} h" for rule in REPORTING_DEADLINES)
        self.report_label.setText(self.tr("Reporting steps past their deadline at {time}: <b>{count}</b> "
                                          "({deadlines} from discovery).").format(
            time=result["at"].strftime("%Y-%m-%d %H:%M"), count=len(reports), deadlines=deadlines))
        self.report_table.show_frame(reports.assign(category=term_labels(reports["category"], CaseCategory),
                                                    label=reports["step"].map(steps).fillna(reports["label"]),
                                                    _colour=ALERT))
