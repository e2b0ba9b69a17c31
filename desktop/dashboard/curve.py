"""The curve tab: daily new infections and, apart, new close and secondary contacts, by report or onset date,
for the county or one area, under the totals."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QVBoxLayout

from data import dashboard_readers
from data.project import Project
from desktop.dashboard.charts import ChartCanvas
from desktop.dashboard.widgets import MUTED, DashboardTab
from gis.errors import ui_language
from gis.glossary import CONTACTS, INFECTED, CaseCategory, totals_sentence
from gis.symbology import CASE_COLOURS

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


class CurveTab(DashboardTab):
    """Daily new infections (confirmed and asymptomatic stacked; suspected cases as a separate line, not
    counted) and, in a chart of their own, new close and secondary contacts, by report or onset date, for the
    county or one town, village or community; above them the totals, each group under its own word."""

    layers = frozenset({"cases", "admin_units", "grids"})

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.curve = pd.DataFrame()
        self.unit_combo = QComboBox()
        self.unit_combo.setEditable(True)
        self.unit_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.unit_combo.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.unit_combo.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.unit_combo.setMinimumContentsLength(16)
        self.date_combo = QComboBox()
        self.date_combo.addItem(self.tr("By report date"), "reported")
        self.date_combo.addItem(self.tr("By onset date"), "onset")
        self.date_combo.setToolTip(self.tr("Onset date where one is recorded; people without one (asymptomatic "
                                           "infections, contacts) stay on their report date"))
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.chart = ChartCanvas(380)
        self.infection_axes = self.contact_axes = None  # the two charts' axes, once drawn
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Area:")))
        row.addWidget(self.unit_combo, 1)
        row.addWidget(self.date_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.chart, 1)
        self.unit_combo.currentIndexChanged.connect(self._on_unit_changed)
        self.date_combo.currentIndexChanged.connect(self._on_unit_changed)

    def unit_code(self) -> str | None:
        """The code of the area shown (None: the county)."""
        return self.unit_combo.currentData()

    def job(self) -> Callable[[Project], object]:
        return functools.partial(dashboard_readers.read_curve, unit_code=self.unit_code(), as_of=self.dock.as_of(),
                                 date=self.date_combo.currentData())

    def show_result(self, result: dict) -> None:
        self._fill_units(result["units"])
        self.curve = result["curve"]
        self._plot(result["as_of"])

    def reset(self) -> None:
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        self.unit_combo.blockSignals(False)

    def _fill_units(self, units: pd.DataFrame) -> None:
        """County first, then each town followed by its villages and communities."""
        order = [None] + units["code"].tolist()
        if [self.unit_combo.itemData(i) for i in range(self.unit_combo.count())] == order:
            return
        current = self.unit_code()
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        self.unit_combo.addItem(self.dock.project.metadata.get("name") or self.tr("County"), None)
        for code, name in zip(units["code"], units["name"], strict=True):
            self.unit_combo.addItem(name, code)
        self.unit_combo.setCurrentIndex(max(self.unit_combo.findData(current), 0))
        self.unit_combo.blockSignals(False)

    def _plot(self, as_of: dt.date) -> None:
        curve, lang = self.curve, ui_language()
        infected, contacts = [c.value for c in INFECTED], [c.value for c in CONTACTS]
        recent = int(curve.loc[curve.index >= pd.Timestamp(as_of - dt.timedelta(days=6)), infected].to_numpy().sum())
        text = self.tr("{totals}. {recent} new infections in the 7 days to {day}.").format(
            totals=totals_sentence(curve.sum(), lang), recent=recent, day=as_of.isoformat())
        if curve.attrs.get("without_onset"):
            text += " " + self.tr("{count} without an onset date are shown on their report day.").format(
                count=curve.attrs["without_onset"])
        self.summary_label.setText(text)
        area = self.unit_combo.currentText()
        with self.chart.plotting() as figure:
            self.infection_axes, self.contact_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
            self.infection_axes.set_title(self.tr("New infections a day: {area}").format(area=area), loc="left")
            self.contact_axes.set_title(self.tr("New close and secondary contacts a day"), loc="left")
            drawn = [self._stacked(self.infection_axes, curve, infected, self.tr("No infections reported"),
                                   self.tr("Infections per day"), as_of),
                     self._stacked(self.contact_axes, curve, contacts, self.tr("No contacts reported"),
                                   self.tr("Persons per day"), as_of)]
            suspected = CaseCategory.SUSPECTED
            if curve[suspected.value].sum():  # a line of its own over the bars, never stacked on them
                self.infection_axes.plot(mdates.date2num(pd.to_datetime(curve.index)), curve[suspected.value],
                                         color=CASE_COLOURS[suspected.value], linestyle="--", marker="o",
                                         markersize=3, linewidth=1, label=self.tr(
                                             "{suspected} (not counted as infections)").format(
                                             suspected=suspected.label(lang)))
                self.infection_axes.legend(loc="upper left", frameon=False, ncols=3)
                drawn[0] = True
            if any(drawn):
                axes = self.contact_axes if drawn[1] else self.infection_axes
                axes.xaxis_date()
                axes.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))

    def _stacked(self, axes, curve: pd.DataFrame, categories: list[str], empty: str, ylabel: str,
                 as_of: dt.date) -> bool:
        """Draw the daily counts of ``categories`` stacked on ``axes`` (the as-of day's end dotted); False (and a
        note) when they are all zero."""
        lang = ui_language()
        present = [c for c in categories if c in curve and curve[c].sum() > 0]
        if not present:
            axes.text(0.5, 0.5, empty, ha="center", va="center", transform=axes.transAxes, color=MUTED)
            axes.set_yticks([])
            return False
        days = mdates.date2num(pd.to_datetime(curve.index))
        bottom = np.zeros(len(curve))
        for category in present:
            counts = curve[category].to_numpy()
            axes.bar(days, counts, bottom=bottom, width=0.8, color=CASE_COLOURS[category],
                     label=CaseCategory(category).label(lang))
            bottom = bottom + counts
        axes.axvline(mdates.date2num(pd.Timestamp(as_of)) + 0.5, color=MUTED, linestyle=":", linewidth=1)  # its end
        axes.set_ylabel(ylabel)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # people come whole
        axes.margins(y=0.35)  # room for the legend above the tallest bar
        axes.legend(loc="upper left", frameon=False, ncols=3)
        return True

    @Slot(int)
    def _on_unit_changed(self, _index: int) -> None:
        self.refreshWanted.emit()
