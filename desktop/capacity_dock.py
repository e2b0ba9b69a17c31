"""The dashboard dock (防控看板): isolation capacity against the standard, the epidemic curve, cases per grid,
follow-up tests and reports due, the isolation allocation and the mass-testing plan, as of one day.

Each tab is a :class:`DashboardTab`: ``job()`` hands the dock a plain reading of the project (from
:mod:`data.capacity_store` and :mod:`data.stats_store`), which runs in a :class:`~desktop.workers.Worker`
thread whenever the project reports a change to a layer the tab shows; ``show_result`` then draws it on the
UI thread. Writes (activating a standby site, confirming an allocation) go onto the undo stack as a
:class:`StoreEditCommand`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from data import capacity_store, stats_store
from data.project import Project
from desktop.preferences import demand_assumptions, sampling_assumptions
from desktop.workers import ProgressDialog, Worker
from gis.capacity import ROOMS_PER_10K_STANDARD, DemandAssumptions, site_rooms
from gis.deadlines import REPORTING_DEADLINES
from gis.errors import UserError, ui_language
from gis.glossary import (
    CONTACTS,
    INFECTED,
    CaseCategory,
    KeyPersonCategory,
    SiteStatus,
    Term,
    UnitLevel,
    totals_sentence,
)
from gis.grid_stats import VILLAGE_LEVELS, in_window, positions_of, values_by_code
from gis.symbology import CASE_COLOURS

STANDARD_KEY = "capacity/standard"  # QSettings: rooms per 10,000 residents a county and each town should have
ALERT = "#b3261e"  # shortfalls, overdue items
ALERT_BACKGROUND = "#fbe3e0"
WARNING = "#9a5b00"  # due today, gaps in a site's readiness
MUTED = "#767676"  # standby and closed sites, captions
GOOD = "#2b7a3d"
MESSAGE_MS = 8000  # how long an information message stays
FOLLOWUP_LOOKBACK_DAYS = 3  # a missed follow-up test stays listed (as overdue) this many days
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Noto Sans CJK JP", "Droid Sans Fallback")
_COLUMN_LABELS = {**stats_store.COLUMN_LABELS, **capacity_store.COLUMN_LABELS}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ROOT = QModelIndex()
_STYLE_COLUMNS = {Qt.ItemDataRole.ForegroundRole: "_colour", Qt.ItemDataRole.BackgroundRole: "_background",
                  Qt.ItemDataRole.ToolTipRole: "_tooltip"}


# --- small shared pieces ------------------------------------------------------------------------------


def display_text(value) -> str:
    """A cell as shown: blank when missing, ✓ for True, lists joined with "、", one decimal for fractions,
    minutes for times."""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    if value is None or pd.isna(value):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return f"{value:.1f}"
    return str(value)


def column_titles(*columns: str, **extra: str) -> dict[str, str]:
    """Headers of the given store columns in the UI language, followed by ``extra`` (column -> title)."""
    index = 0 if ui_language() == "zh" else 1
    return {**{column: _COLUMN_LABELS[column][index] for column in columns}, **extra}


def term_labels(values: pd.Series, term: type[Term]) -> pd.Series:
    """Stored glossary values shown by their labels (unknown values as they are)."""
    return values.map({member.value: member.label(ui_language()) for member in term}).fillna(values)


@functools.cache
def chart_rc() -> dict:
    """matplotlib settings for the dashboard's charts: the first installed Chinese font before the default
    sans-serif fonts (without one, Chinese text shows as boxes but nothing fails), and small text."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    chinese = [family for family in CJK_FAMILIES if family in installed][:1]
    return {"font.family": "sans-serif", "font.sans-serif": [*chinese, *matplotlib.rcParams["font.sans-serif"]],
            "font.size": 8, "axes.unicode_minus": False, "axes.spines.top": False, "axes.spines.right": False}


def field_values(project: Project, touched: dict[str, tuple[list[int], list[str]]]) -> dict[str, dict[int, dict]]:
    """The current values of some fields of some features, ``{layer: {fid: {field: value}}}``, for
    ``touched`` = ``{layer: (fids, fields)}``."""
    values = {}
    for layer, (fids, fields) in touched.items():
        frame = project.read_layer(layer, where=f"fid IN ({', '.join(str(int(fid)) for fid in fids)})")
        rows = frame[list(fields)].to_dict("index")
        values[layer] = {int(fid): {k: stats_store.plain_value(v) for k, v in row.items()} for fid, row in rows.items()}
    return values


class StoreEditCommand(QUndoCommand):
    """An edit already written by a data-store function, made undoable: ``before`` and ``after`` hold the
    fields it changed (see :func:`field_values`); undo writes ``before`` back, redo ``after`` (each one
    audited transaction). The first redo, when pushed, finds the edit done."""

    def __init__(self, project: Project, text: str, before: dict, after: dict):
        super().__init__(text)
        self.project, self.before, self.after = project, before, after
        self._written = True

    def redo(self) -> None:
        if self._written:
            self._written = False
            return
        self._write(self.after, "redo")

    def undo(self) -> None:
        self._write(self.before, "undo")

    def _write(self, values: dict, action: str) -> None:
        with self.project.transaction() as edit:
            for layer, rows in values.items():
                for fid, row in rows.items():
                    edit.update(layer, fid, row, action=action)


class FrameModel(QAbstractTableModel):
    """A read-only table over a DataFrame. ``headers`` maps the columns shown, in order, to their titles;
    other columns stay in ``frame`` for the caller (codes, fids; the frame's index is dropped). Optional
    ``_colour``, ``_background`` and ``_tooltip`` columns style a row. Numbers are right-aligned; sorting by
    a header keeps missing values last and survives new frames."""

    def __init__(self, headers: dict[str, str], parent=None):
        super().__init__(parent)
        self.headers = headers
        self._sort: tuple[str, bool] | None = None
        self.clear()

    def clear(self) -> None:
        """Show no rows (the headers stay)."""
        self.set_frame(pd.DataFrame(columns=list(self.headers)))

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show ``frame``."""
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        if self._sort and self._sort[0] in frame.columns:
            column, ascending = self._sort
            self.frame = self.frame.sort_values(column, ascending=ascending, na_position="last", kind="stable",
                                                key=_sort_key, ignore_index=True)
        self._columns = [c for c in self.headers if c in frame.columns]
        self._text = [[display_text(v) for v in self.frame[c]] for c in self._columns]
        self._numeric = [pd.api.types.is_numeric_dtype(self.frame[c]) and not pd.api.types.is_bool_dtype(self.frame[c])
                         for c in self._columns]
        self.endResetModel()

    def row_of(self, column: str, value) -> int | None:
        """The first row whose ``column`` holds ``value``."""
        hits = np.flatnonzero(self.frame[column].to_numpy() == value) if column in self.frame else []
        return int(hits[0]) if len(hits) else None

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text[index.column()][index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self._numeric[index.column()] else None
        column = _STYLE_COLUMNS.get(role)
        value = self.frame.at[index.row(), column] if column in self.frame.columns else None
        if not isinstance(value, str) or not value:
            return None
        return value if role == Qt.ItemDataRole.ToolTipRole else QColor(value)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt override)
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[self._columns[section]]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self._columns):
            self._sort = (self._columns[column], order == Qt.SortOrder.AscendingOrder)
            self.set_frame(self.frame)


def _sort_key(values: pd.Series) -> pd.Series:
    return values.map(display_text) if values.dtype == object else values


class FrameTable(QTableView):
    """A compact read-only table showing a :class:`FrameModel`, sortable by clicking a header."""

    MAX_COLUMN_WIDTH = 240

    def __init__(self, headers: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(FrameModel(headers, self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)

    def show_frame(self, frame: pd.DataFrame) -> None:
        """Show ``frame`` and fit the columns to it."""
        self.model().set_frame(frame)
        self.resizeColumnsToContents()
        header = self.horizontalHeader()
        for column in range(header.count()):
            header.resizeSection(column, min(header.sectionSize(column) + 8, self.MAX_COLUMN_WIDTH))


class ChartCanvas(FigureCanvasQTAgg):
    """A matplotlib chart drawn with a Chinese font (:func:`chart_rc`), matplotlib's global settings untouched."""

    def __init__(self, minimum_height: int, parent: QWidget | None = None):
        super().__init__(Figure(layout="constrained"))
        self.setParent(parent)
        self.setMinimumHeight(minimum_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @contextlib.contextmanager
    def plotting(self) -> Iterator[Figure]:
        """Redraw: yields the cleared figure to plot on (with the chart settings in force), then repaints."""
        with matplotlib.rc_context(chart_rc()):
            self.figure.clear()
            yield self.figure
        self.draw_idle()

    def draw(self) -> None:
        with matplotlib.rc_context(chart_rc()):  # tick labels are made while drawing
            super().draw()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override; the figure's own size would crowd out the tables)
        return QSize(320, self.minimumHeight())


class StatTile(QFrame):
    """One headline figure: a large value over a short caption, tinted red when it flags a shortfall."""

    _STYLE = "StatTile {{ border: 1px solid {border}; border-radius: 3px; background: {background}; }}"

    def __init__(self, caption: str, tooltip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.value_label = QLabel("—")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.value_label.setFont(font)
        self.caption_label = QLabel(caption)
        self.caption_label.setWordWrap(True)
        self.caption_label.setStyleSheet(f"color: {MUTED};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(0)
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)
        layout.addStretch(1)
        self.setToolTip(tooltip)
        self.set_value("—")

    def set_value(self, value: str, *, alert: bool = False, caption: str | None = None) -> None:
        self.value_label.setText(value)
        self.value_label.setStyleSheet(f"color: {ALERT};" if alert else "")
        self.setStyleSheet(self._STYLE.format(border="#e0a39c" if alert else "#d4d4d4",
                                              background=ALERT_BACKGROUND if alert else "palette(base)"))
        if caption is not None:
            self.caption_label.setText(caption)

    def value(self) -> str:
        return self.value_label.text()


# --- tabs ------------------------------------------------------------------------------------------------


class DashboardTab(QWidget):
    """One page of the dashboard. ``job()`` (UI thread) returns the reading ``job(project)`` to run off the
    UI thread; ``show_result`` (UI thread) draws what it returned. The dock runs the job again when one of
    ``layers`` changes, and when the tab asks with ``refreshWanted`` (its options changed)."""

    layers: frozenset[str] = frozenset()
    refreshWanted = Signal()

    def __init__(self, dock: CapacityDock):
        super().__init__()
        self.dock = dock

    def job(self) -> Callable[[Project], object]:
        raise NotImplementedError

    def show_result(self, result) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what belongs to the previous project."""


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
        standard_row = QHBoxLayout()
        standard_row.addWidget(QLabel(self.tr("Standard:")))
        standard_row.addWidget(self.standard_spin)
        standard_row.addStretch(1)
        standard_row.addWidget(self.shortfall_button)
        site_row = QHBoxLayout()
        site_row.addWidget(QLabel(self.tr("Isolation sites")))
        site_row.addStretch(1)
        site_row.addWidget(self.activate_button)
        site_row.addWidget(self.record_button)
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
        return functools.partial(_read_capacity, as_of=self.dock.as_of(), standard=self.dock.standard(),
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
        self.shortfall_button.setChecked(False)

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
        self.activate_button.setEnabled(site is not None and site["state"] == SiteStatus.STANDBY.value)

    @Slot()
    def _on_activate_clicked(self) -> None:
        site = self._selected_site()
        if site is None:
            return
        fid, project = int(site["fid"]), self.dock.project
        self.dock.push_store_edit(self.tr("Activate {site}").format(site=site["name"]),
                                  {"isolation_sites": ([fid], ["status"])},
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
        return functools.partial(_read_curve, unit_code=self.unit_code(), as_of=self.dock.as_of(),
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

        options = QHBoxLayout()
        options.addWidget(self.level_combo)
        options.addWidget(self.window_combo)
        options.addWidget(self.with_cases_check)
        options.addStretch(1)
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
        return functools.partial(_read_grid_counts, by=self.level_combo.currentData(), start=start, end=as_of)

    def show_result(self, result: dict) -> None:
        self.result = result
        self._show_counts()
        if self.grid_fid is not None:
            self.show_grid(self.grid_fid)

    def reset(self) -> None:
        self.result, self.grid_fid = None, None
        self.detail_label.setText(self.tr("Click a grid on the map or in the table to list its cases."))
        self.case_table.model().clear()
        self.person_table.model().clear()

    def show_grid(self, fid: int) -> None:
        """List the cases (in the window) and key persons of grid ``fid`` and select its row."""
        self.grid_fid = fid
        if self.result is None:
            return  # shown once the figures arrive
        grids = self.result["grids"]
        if fid not in grids.index:
            self.detail_label.setText(self.tr("That grid is no longer in the project."))
            return
        code, name = grids.at[fid, "code"], grids.at[fid, "name"]
        cases = self.result["cases"][self.result["cases"]["grid_code"] == code]
        persons = self.result["persons"][self.result["persons"]["grid_code"] == code]
        self.detail_label.setText(self.tr("<b>{grid}</b> ({code}): {totals}; {persons} key persons").format(
            grid=name, code=code, totals=totals_sentence(cases["category"].value_counts(), ui_language()),
            persons=len(persons)))
        self.case_table.show_frame(cases.assign(category=term_labels(cases["category"], CaseCategory)))
        self.person_table.show_frame(persons.assign(category=term_labels(persons["category"], KeyPersonCategory)))
        row = self.count_table.model().row_of("fid", fid) if self.result["by"] == "grid" else None
        if row is not None:
            self.count_table.selectRow(row)

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
        return functools.partial(_read_due, on_date=as_of, at=at)

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


class AllocationTab(DashboardTab):
    """Who goes to which isolation site: a plan made off the UI thread (nothing written), confirmed as one
    undoable edit, exported as Excel transfer lists."""

    layers = frozenset({"cases", "isolation_sites", "control_zones"})
    planReady = Signal()

    def __init__(self, dock: CapacityDock):
        super().__init__(dock)
        self.plan: pd.DataFrame | None = None
        self.state = "none"  # of the plan shown: none / ready / confirmed / stale (see _plan_state)
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
        buttons = QHBoxLayout()
        for button in (self.plan_button, self.confirm_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
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
        return functools.partial(_plan_state, plan=self.plan)

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
        self.confirm_button.setEnabled(state == "ready" and assigned > 0)
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
        self._worker = Worker(functools.partial(_make_plan, self.dock.project,
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
        touched = {"cases": (assigned.index.tolist(), ["site_name"]),
                   "isolation_sites": (assigned["site_fid"].astype(int).unique().tolist(), ["occupied"])}
        text = self.tr("Allocate {count} people to isolation sites").format(count=len(assigned))
        confirmed = self.dock.push_store_edit(text, touched, lambda: capacity_store.confirm_allocation(project, plan))
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
        row = QHBoxLayout()
        row.addWidget(self.level_combo)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
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


# --- readings (plain Python, run off the UI thread) ------------------------------------------------------


def _read_capacity(project: Project, as_of: dt.date, standard: float, demand: DemandAssumptions) -> dict:
    towns = capacity_store.town_capacity(project, standard, as_of, demand)
    outlines = project.read_layer("admin_units", where="level = ?", params=(UnitLevel.TOWN.value,)).geometry
    readiness = capacity_store.site_readiness(project)[["checklist_missing", "team_missing", "contact", "phone"]]
    return {"as_of": as_of, "standard": standard,
            "county": capacity_store.county_capacity(project, standard, as_of, demand),
            "demand": capacity_store.demand_summary(project, as_of, demand),
            "towns": towns.assign(geometry=outlines.reindex(towns.index)),
            "sites": capacity_store.site_capacity(project, as_of).join(readiness),
            "occupancy": project.read_layer("occupancy_snapshots")}


def _read_curve(project: Project, unit_code: str | None, as_of: dt.date, date: str = "reported") -> dict:
    """The curve of one area, and the areas that can be chosen: those whose code names them alone (each town
    followed by its villages and communities, then villages outside every town)."""
    units = project.read_layer("admin_units")
    units = units[positions_of(units["code"], units["code"]) >= 0].sort_values("code")
    towns = units[units["level"] == UnitLevel.TOWN.value]
    villages = units[units["level"].isin(VILLAGE_LEVELS)]
    order = [code for town in towns["code"] for code in [town, *villages.loc[villages["parent_code"] == town, "code"]]]
    order += villages.loc[~villages["code"].isin(order), "code"].tolist()
    units = units.set_index("code").loc[order, ["name"]].reset_index()
    units["name"] = units["name"].fillna(units["code"])
    unit_code = unit_code if unit_code in set(order) else None
    return {"as_of": as_of, "units": units, "curve": stats_store.epidemic_curve(project, unit_code, end=as_of, date=date)}


def _read_grid_counts(project: Project, by: str, start: dt.date | None, end: dt.date) -> dict:
    counts = stats_store.case_counts(project, by, start, end)
    cases = stats_store.located_cases(project)
    grids = project.read_layer("grids")
    persons = project.read_layer("key_persons")
    areas = grids if by == "grid" else project.read_layer("admin_units")
    return {
        "by": by, "counts": counts.reset_index(), "unlocated": counts.attrs["unlocated"],
        "cases": cases.loc[in_window(cases["reported"], start, end),
                           ["case_no", "category", "reported", "address", "site_name", "grid_code"]],
        "persons": persons[["person_no", "category", "arrival_at", "origin", "schedule", "grid_code"]],
        "grids": grids[["code", "name"]],
        "bounds": areas.geometry.bounds,  # by fid
    }


def _read_due(project: Project, on_date: dt.date, at: dt.datetime) -> dict:
    grids = project.read_layer("grids")
    followups = stats_store.followups_due(project, on_date, FOLLOWUP_LOOKBACK_DAYS)
    reports = stats_store.overdue_reports(project, at)
    return {"on_date": on_date, "at": at,
            "followups": followups.assign(grid=_grid_names(followups["grid_code"], grids)),
            "reports": reports.assign(grid=_grid_names(reports["grid_code"], grids))}


def _grid_names(codes: pd.Series, grids: pd.DataFrame) -> pd.Series:
    """The names of the grids with these codes (the code where no grid, or more than one, has it)."""
    names = values_by_code(grids["code"], grids["name"], codes).to_numpy()
    return pd.Series(np.where(pd.isna(names), codes.to_numpy(dtype=object), names), index=codes.index, dtype=object)


def _plan_state(project: Project, plan: pd.DataFrame | None) -> str:
    """Whether ``plan`` can still be confirmed ("ready"), is in the project ("confirmed"), or no longer fits
    the project ("stale"); "none" without a plan."""
    if plan is None:
        return "none"
    assigned = plan[plan["site_fid"].notna()]
    fids, _x, _y, cases = project.read_points("cases", ["site_name"])
    site = pd.Series(cases["site_name"].to_numpy(), index=fids).reindex(assigned.index)
    site = site.fillna("").astype(str).str.strip()
    if len(assigned) and (site == assigned["site_name"]).all():
        return "confirmed"
    if (site == "").all():
        free = site_rooms(project.read_layer("isolation_sites"))["free"]
        arrivals = assigned.groupby("site_fid").size()
        if (arrivals <= free.reindex(arrivals.index, fill_value=0)).all():
            return "ready"
    return "stale"


def _make_plan(project: Project, label: str, progress, cancelled) -> dict | None:
    """Work function: the ``plan`` of :func:`data.capacity_store.plan_allocation` and the arrivals per site
    (``sites``), or None if cancelled."""
    progress(10, label)
    try:
        plan = capacity_store.plan_allocation(project)
        sites = project.read_layer("isolation_sites")
        grids = project.read_layer("grids")
    finally:
        project.close()  # this thread's connection
    arriving = plan["site_fid"].dropna().astype("int64").value_counts()
    free = site_rooms(sites)["free"].reindex(arriving.index)
    per_site = pd.DataFrame({"site_name": sites["name"].reindex(arriving.index), "arriving": arriving, "free": free,
                             "free_after": free - arriving})
    return None if cancelled() else {"plan": plan.assign(grid=_grid_names(plan["grid_code"], grids)),
                                     "sites": per_site}


def _run_jobs(project: Project, jobs: dict, progress, cancelled) -> dict | None:
    """Work function: each tab's reading, or None if cancelled."""
    results = {}
    try:
        for i, (tab, job) in enumerate(jobs.items()):
            if cancelled():
                return None
            progress(100 * i // len(jobs), "")
            results[tab] = job(project)
    finally:
        project.close()  # this thread's connection
    return results


# --- the dock --------------------------------------------------------------------------------------------


class CapacityDock(QDockWidget):
    """The dashboard dock over one project, as of one day (by default today, or the day a sample project's
    data describe). Every tab follows the project's changes; ``refreshed`` is emitted once all of them show
    the project as it is."""

    refreshed = Signal()
    _projectChanged = Signal(object)  # carries the project's change reports onto the UI thread

    def __init__(self, project: Project, map_widget, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(self.tr("Dashboard"), parent)
        self.setObjectName("CapacityDock")
        self.project = project
        self.map_widget = map_widget
        self.undo_stack = undo_stack
        self.settings = QSettings()
        self._unsubscribe: Callable[[], None] | None = None
        self._worker: Worker | None = None
        self._pending: set[DashboardTab] = set()
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

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("As of")))
        top.addWidget(self.date_edit)
        top.addWidget(self.busy_label)
        top.addStretch(1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addWidget(self.tab_widget, 1)
        self.setWidget(body)

        for tab in self.tabs:
            tab.refreshWanted.connect(functools.partial(self._request, (tab,)))
        self._projectChanged.connect(self._on_project_changed, Qt.ConnectionType.QueuedConnection)
        self._refresh_timer.timeout.connect(self._on_refresh_due)
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

    def push_store_edit(self, text: str, touched: dict[str, tuple[list[int], list[str]]], write: Callable[[], object]):
        """Run ``write`` (a data-store write changing only the ``touched`` fields, see :func:`field_values`) and
        push it onto the undo stack. Returns what it returned, or None (message shown) if it was refused."""
        before = field_values(self.project, touched)
        try:
            result = write()
        except UserError as error:
            self.show_message(error.message(), error=True)
            return None
        self.undo_stack.push(StoreEditCommand(self.project, text, before, field_values(self.project, touched)))
        return result

    def is_busy(self) -> bool:
        """True while figures are being read or wait to be."""
        return self._worker is not None or bool(self._pending)

    # -- following the project and reading off the UI thread -----------------------------------------

    def _follow(self) -> None:
        self._unsubscribe = self.project.subscribe(self._projectChanged.emit)  # commits may come on any thread
        self.destroyed.connect(self._unsubscribe)  # a deleted dock must not hear the project

    def _stop_following(self) -> None:
        self._refresh_timer.stop()
        self._pending.clear()
        if self._worker is not None:
            self._worker.cancel()  # its outcome is dropped when it ends
        if self._unsubscribe:
            self.destroyed.disconnect(self._unsubscribe)
            self._unsubscribe()
            self._unsubscribe = None

    def _request(self, tabs) -> None:
        self._pending.update(tabs)
        self._refresh_timer.start()

    @Slot()
    def _on_refresh_due(self) -> None:
        if self._worker is not None or not self._pending:
            return
        jobs = {tab: tab.job() for tab in self.tabs if tab in self._pending}
        self._pending.clear()
        self._worker = Worker(functools.partial(_run_jobs, self.project, jobs), self)
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
        if self._pending:
            self._on_refresh_due()
        else:
            self.busy_label.hide()
            self.refreshed.emit()

    # -- slots ------------------------------------------------------------------------------------

    def _on_project_changed(self, layers: set[str]) -> None:
        self._request([tab for tab in self.tabs if tab.layers & layers])

    def _on_date_changed(self, _date: QDate) -> None:
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Shown again after being closed: follow the project again and re-read it."""
        if self._unsubscribe is None:
            self._follow()
            self.refresh()
        super().showEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Stop following the project; a reading under way is cancelled and waited for (no thread outlives
        the dock), and the shortfall overlay leaves the map."""
        self._stop_following()
        if self._worker is not None:
            self._worker.stop()
        self.capacity_tab.shortfall_button.setChecked(False)  # takes the overlay off the map
        super().closeEvent(event)
