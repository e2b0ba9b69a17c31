"""The capacity tab: rooms, occupancy and demand for the county, per town and per site; activating a standby
site; recording the day's occupancy (and its chart); towns below the standard shown on the map."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import geopandas as gpd
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from data import capacity_store, dashboard_readers
from data.project import Project
from desktop.dashboard.charts import ChartCanvas
from desktop.dashboard.widgets import (
    ALERT,
    ALERT_BACKGROUND,
    GOOD,
    MUTED,
    WARNING,
    DashboardTab,
    FrameTable,
    StatTile,
    column_titles,
    display_text,
    row,
    term_labels,
)
from desktop.preferences import demand_assumptions
from gis.errors import UserError
from gis.glossary import SiteStatus

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock


STANDARD_KEY = "capacity/standard"  # QSettings: rooms per 10,000 residents a county and each town should have


class CapacityTab(DashboardTab):
    """Rooms, occupancy and demand for the county, per town and per site; activating a standby site;
    recording the day's occupancy; towns below the standard shown on the map."""

    layers = frozenset({"isolation_sites", "occupancy_snapshots", "cases", "admin_units", "grids"})
    OVERLAY = "shortfall"

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.result: dict | None = None
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.tiles = {
            "rooms": StatTile(self.tr("Rooms"), self.tr("Rooms of active and standby sites")),
            "occupied": StatTile(self.tr("Occupied")),
            "free": StatTile(self.tr("Free"), self.tr("Rooms of active sites neither occupied nor reserved")),
            "standby_rooms": StatTile(self.tr("Standby rooms"), self.tr("Rooms of standby sites, free once activated")),
            "rooms_per_10k": StatTile(self.tr("Per 10,000"), self.tr("Rooms per 10,000 residents")),
            "demand": StatTile(self.tr("Demand"),
                               self.tr("People waiting for isolation plus the forecast from new cases")),
            "runs_out": StatTile(self.tr("Free rooms run out"),
                                 self.tr("The day the demand exceeds the free rooms if nothing changes")),
            "days_until_full": StatTile(self.tr("Days until full"),
                                        self.tr("Free rooms at the net intake of the last 7 days of snapshots")),
        }
        self.standard_spin = QDoubleSpinBox()
        self.standard_spin.setRange(0, 1000)
        self.standard_spin.setDecimals(1)
        self.standard_spin.setValue(dock.standard())
        self.standard_spin.setSuffix(self.tr(" rooms per 10,000"))
        self.standard_spin.setToolTip(self.tr("The capacity standard: rooms per 10,000 residents (national: 20)"))
        self.shortfall_button = QPushButton(self.tr("Show towns below the standard on the map"))
        self.shortfall_button.setCheckable(True)
        self.town_table = FrameTable(column_titles("name", "population", "rooms", "occupied", "free", "standby_rooms",
                                                   "rooms_per_10k", "demand", "days_until_full"))
        self.activate_button = QPushButton(self.tr("Activate standby site"))
        self.activate_button.setEnabled(False)
        self.activate_button.setToolTip(self.tr("Select a standby site in the table first"))
        self.record_button = QPushButton(self.tr("Record today's occupancy"))
        self.record_button.setToolTip(self.tr("Keep today's occupied rooms of every site (one snapshot a day; "
                                              "a sample project's today is the day its data describe)"))
        self.site_table = FrameTable(column_titles("name", "status", "rooms", "occupied", "free", "days_until_full",
                                                   gaps=self.tr("Missing")))
        self.occupancy_chart = ChartCanvas(150)
        self.occupancy_chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        tiles = QGridLayout()
        tiles.setSpacing(4)
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, i // 4, i % 4)
        standard_row = row(QLabel(self.tr("Standard:")), self.standard_spin, None, self.shortfall_button)
        site_row = row(QLabel(self.tr("Isolation sites")), None, self.activate_button, self.record_button)
        sites = QWidget()
        site_layout = QVBoxLayout(sites)
        site_layout.setContentsMargins(0, 0, 0, 0)
        site_layout.addLayout(site_row)
        site_layout.addWidget(self.site_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.town_table)
        splitter.addWidget(sites)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(tiles)
        layout.addLayout(standard_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.occupancy_chart)

        self.standard_spin.valueChanged.connect(self._on_standard_changed)
        self.shortfall_button.toggled.connect(self._on_shortfall_toggled)
        self.site_table.selectionModel().selectionChanged.connect(self._on_site_selected)
        self.activate_button.clicked.connect(self._on_activate_clicked)
        self.record_button.clicked.connect(self._on_record_clicked)

    def job(self) -> Callable[[Project], object]:
        return functools.partial(dashboard_readers.read_capacity, as_of=self.dock.as_of(), standard=self.dock.standard(),
                                 demand=demand_assumptions())

    def show_result(self, result: dict) -> None:
        self.result = result
        county, demand, standard = result["county"], result["demand"], result["standard"]
        for key in ("rooms", "occupied", "free", "standby_rooms"):
            self.tiles[key].set_value(str(int(county[key])))
        self.tiles["rooms_per_10k"].set_value(
            display_text(county["rooms_per_10k"]), alert=bool(county["shortfall"]),
            caption=self.tr("Per 10,000 (standard {standard})").format(standard=f"{standard:g}"))
        self.tiles["demand"].set_value(str(int(county["demand"])), alert=demand.shortfall > 0,
                                       caption=self.tr("Demand, next {days} days").format(days=demand.horizon_days))
        runs_out = demand.runs_out_on
        soon = runs_out is not None and (runs_out - demand.as_of).days <= demand.horizon_days
        self.tiles["runs_out"].set_value(runs_out.isoformat() if runs_out else "—", alert=soon)
        days = county["days_until_full"]
        self.tiles["days_until_full"].set_value(display_text(days) or "—",
                                                alert=pd.notna(days) and days <= demand.horizon_days)
        self.banner.setText(self._banner_html(county, demand, result["towns"], standard))
        self.town_table.show_frame(self._town_rows(result["towns"], standard))
        self.site_table.show_frame(self._site_rows(result["sites"]))
        self._on_site_selected()
        self._plot_occupancy(result["occupancy"], result["as_of"])
        if self.shortfall_button.isChecked():
            self._show_shortfall(fit=False)

    def reset(self) -> None:
        self.result = None
        self.enable_writing(self.record_button)
        self.shortfall_button.setChecked(False)

    def shown_elsewhere(self) -> bool:
        return self.shortfall_button.isChecked()  # the towns below the standard are drawn on the map

    def _banner_html(self, county: dict, demand, towns: pd.DataFrame, standard: float) -> str:
        lines = []
        if county["shortfall"]:
            lines.append((ALERT, self.tr("The county is below the standard: {value} rooms per 10,000 residents, "
                                         "standard {standard}.").format(value=display_text(county["rooms_per_10k"]),
                                                                        standard=f"{standard:g}")))
        if demand.shortfall:
            lines.append((ALERT, self.tr("The expected demand exceeds the free rooms by {count}; {standby} standby "
                                         "rooms could be activated.").format(count=demand.shortfall,
                                                                             standby=demand.standby_rooms)))
        short = towns.loc[towns["shortfall"], "name"].tolist()
        if short:
            lines.append((ALERT, self.tr("{count} towns below the standard: {names}.").format(
                count=len(short), names="、".join(short))))
        if not lines:
            lines.append((GOOD, self.tr("Rooms meet the standard and the expected demand.")))
        return "<br>".join(f'<span style="color:{colour}; font-weight:600">{text}</span>' for colour, text in lines)

    def _town_rows(self, towns: pd.DataFrame, standard: float) -> pd.DataFrame:
        below = self.tr("Below the standard of {standard} rooms per 10,000 residents").format(standard=f"{standard:g}")
        short = towns["shortfall"]
        return towns.drop(columns="geometry").assign(_colour=np.where(short, ALERT, ""),
                                                     _background=np.where(short, ALERT_BACKGROUND, ""),
                                                     _tooltip=np.where(short, below, ""))

    def _site_rows(self, sites: pd.DataFrame) -> pd.DataFrame:
        checklist = self.tr("Checklist: {items}")
        team = self.tr("Team: {roles}")
        gaps = [[*([checklist.format(items="、".join(c))] if c else []),
                 *([team.format(roles="、".join(t))] if t else [])]
                for c, t in zip(sites["checklist_missing"], sites["team_missing"], strict=True)]
        contact = self.tr("Contact: {name} {phone}")
        tooltips = ["\n".join([*g, contact.format(name=display_text(n), phone=display_text(p))])
                    for g, n, p in zip(gaps, sites["contact"], sites["phone"], strict=True)]
        inactive = (sites["status"] != SiteStatus.ACTIVE.value).to_numpy()
        colour = np.select([inactive, np.array([bool(g) for g in gaps], dtype=bool)], [MUTED, WARNING], "")
        return sites.reset_index(names="fid").assign(
            status=term_labels(sites["status"], SiteStatus).to_numpy(), state=sites["status"].to_numpy(),
            gaps=["；".join(g) for g in gaps], _colour=colour, _tooltip=tooltips)

    def _plot_occupancy(self, snapshots: pd.DataFrame, as_of: dt.date) -> None:
        daily = snapshots.groupby("date")[["rooms", "occupied"]].sum()
        daily = daily[pd.to_datetime(daily.index) <= pd.Timestamp(as_of)]
        with self.occupancy_chart.plotting() as figure:
            axes = figure.add_subplot()
            axes.set_title(self.tr("Occupied rooms by day (recorded sites)"), loc="left")
            if daily.empty:
                axes.text(0.5, 0.5, self.tr("No occupancy recorded yet"), ha="center", va="center",
                          transform=axes.transAxes, color=MUTED)
                axes.set_axis_off()
                return
            days = pd.to_datetime(daily.index)
            occupied = daily["occupied"].astype("float64")
            axes.fill_between(days, occupied, color="#1d70b8", alpha=0.18, linewidth=0)
            axes.plot(days, occupied, color="#1d70b8", marker=".", label=self.tr("Occupied"))
            axes.plot(days, daily["rooms"].astype("float64"), color=MUTED, linestyle="--", label=self.tr("Rooms"))
            axes.set_ylim(bottom=0)
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
            axes.legend(loc="center left", frameon=False, ncols=2)

    def _selected_site(self) -> pd.Series | None:
        rows = self.site_table.selectionModel().selectedRows()
        return self.site_table.model().frame.iloc[rows[0].row()] if rows else None

    def _show_shortfall(self, fit: bool) -> None:
        towns = self.result["towns"]
        short = towns[towns["shortfall"]]
        frame = gpd.GeoDataFrame({"colour": ALERT, "label": [f"{n} {display_text(v)}" for n, v in
                                                            zip(short["name"], short["rooms_per_10k"], strict=True)]},
                                 geometry=short["geometry"].to_numpy(), crs="EPSG:4490")
        self.dock.map_widget.show_overlay(self.OVERLAY, frame, label_column="label", fit=fit and len(frame) > 0,
                                          fill_opacity=0.35)
        if fit and frame.empty:
            self.dock.show_message(self.tr("No town is below the standard."))

    @Slot(float)
    def _on_standard_changed(self, value: float) -> None:
        self.dock.settings.setValue(STANDARD_KEY, value)
        self.refreshWanted.emit()

    @Slot(bool)
    def _on_shortfall_toggled(self, checked: bool) -> None:
        if not checked:
            self.dock.map_widget.clear_overlay(self.OVERLAY)
        elif self.result is not None:
            self._show_shortfall(fit=True)

    @Slot()
    def _on_site_selected(self, *_args) -> None:
        site = self._selected_site()
        self.enable_writing(self.activate_button, site is not None and site["state"] == SiteStatus.STANDBY.value)

    @Slot()
    def _on_activate_clicked(self) -> None:
        site = self._selected_site()
        if site is None:
            return
        fid, project = int(site["fid"]), self.dock.project
        self.dock.push_store_edit(self.tr("Activate {site}").format(site=site["name"]),
                                  lambda: capacity_store.activate_site(project, fid))

    @Slot()
    def _on_record_clicked(self) -> None:
        day = self.dock.today()
        try:
            count = capacity_store.record_occupancy_snapshot(self.dock.project, day)
        except UserError as error:
            self.dock.show_message(error.message(), error=True)
            return
        self.dock.show_message(self.tr("Recorded the occupancy of {count} sites for {day}.").format(
            count=count, day=day.isoformat()))
