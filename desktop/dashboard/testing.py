"""The testing tab: sampling points each town or grid needs to test everyone, against those present."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout

from data import stats_store
from data.project import Project
from desktop.dashboard.widgets import ALERT, DashboardTab, FrameTable, column_titles, row
from desktop.preferences import sampling_assumptions

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


class TestingTab(DashboardTab):
    """Sampling points each town or grid needs to test everyone within 2 days, against those present."""

    layers = frozenset({"facilities", "grids", "admin_units"})

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.level_combo = QComboBox()
        self.level_combo.addItem(self.tr("Towns"), "town")
        self.level_combo.addItem(self.tr("Grids"), "grid")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.table = FrameTable(column_titles("name", "population", "points_needed", "points_present",
                                              "points_missing"))
        layout = QVBoxLayout(self)
        layout.addLayout(row(self.level_combo, None))
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        self.level_combo.currentIndexChanged.connect(self._on_level_changed)

    def job(self) -> Callable[[Project], object]:
        return functools.partial(stats_store.mass_testing_plan, by=self.level_combo.currentData(),
                                 assumptions=sampling_assumptions())

    def show_result(self, plan: pd.DataFrame) -> None:
        sampling = sampling_assumptions()
        self.summary_label.setText(self.tr(
            "Testing everyone within {days} days at {rate} people per point an hour, {hours} hours a day: "
            "<b>{needed}</b> sampling points needed, {present} present, <span style='color:{alert}'><b>{missing}"
            "</b> missing</span>.").format(
            days=sampling.days, rate=sampling.people_per_point_hour, hours=sampling.hours_per_day, alert=ALERT,
            needed=int(plan["points_needed"].sum()), present=int(plan["points_present"].sum()),
            missing=int(plan["points_missing"].sum())))
        plan = plan[plan["population"] > 0].sort_values("points_missing", ascending=False, kind="stable")
        self.table.show_frame(plan.assign(_colour=np.where(plan["points_missing"] > 0, ALERT, ""),
                                          _tooltip=plan["code"]))

    @Slot(int)
    def _on_level_changed(self, _index: int) -> None:
        self.refreshWanted.emit()
