"""What the dashboard's tabs share: the colours, how a cell is shown, column titles in the UI language, a
read-only sortable table over a DataFrame (:class:`FrameTable`), a headline figure (:class:`StatTile`) and the
base of every tab (:class:`DashboardTab`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from data import capacity_store, stats_store
from data.project import Project
from gis.errors import ui_language
from gis.glossary import Term

if TYPE_CHECKING:
    from desktop.dashboard.dock import CapacityDock

ALERT = "#b3261e"  # shortfalls, overdue items
ALERT_BACKGROUND = "#fbe3e0"
WARNING = "#9a5b00"  # due today, gaps in a site's readiness
MUTED = "#767676"  # standby and closed sites, captions
GOOD = "#2b7a3d"
_COLUMN_LABELS = {**stats_store.COLUMN_LABELS, **capacity_store.COLUMN_LABELS}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ROOT = QModelIndex()
_STYLE_COLUMNS = {Qt.ItemDataRole.ForegroundRole: "_colour", Qt.ItemDataRole.BackgroundRole: "_background",
                  Qt.ItemDataRole.ToolTipRole: "_tooltip"}



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


def row(*items: QWidget | None) -> QHBoxLayout:
    """A row of ``items`` side by side; None stands for the stretch that takes the spare width."""
    layout = QHBoxLayout()
    for item in items:
        if item is None:
            layout.addStretch(1)
        else:
            layout.addWidget(item)
    return layout


def column_titles(*columns: str, **extra: str) -> dict[str, str]:
    """Headers of the given store columns in the UI language, followed by ``extra`` (column -> title)."""
    index = 0 if ui_language() == "zh" else 1
    return {**{column: _COLUMN_LABELS[column][index] for column in columns}, **extra}


def term_labels(values: pd.Series, term: type[Term]) -> pd.Series:
    """Stored glossary values shown by their labels (unknown values as they are)."""
    return values.map({member.value: member.label(ui_language()) for member in term}).fillna(values)


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
        self._values = [self.frame[c].to_numpy(dtype=object) for c in self._columns]  # shown as asked for
        self._numeric = [pd.api.types.is_numeric_dtype(self.frame[c]) and not pd.api.types.is_bool_dtype(self.frame[c])
                         for c in self._columns]
        self._styles = {role: self.frame[column].to_numpy(dtype=object) for role, column in _STYLE_COLUMNS.items()
                        if column in self.frame.columns}  # looked up per cell and role: no pandas call there
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
            return display_text(self._values[index.column()][index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self._numeric[index.column()] else None
        styles = self._styles.get(role)
        value = None if styles is None else styles[index.row()]
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

    def shown_elsewhere(self) -> bool:
        """Whether the map shows this tab's figures (then they are kept up to date while the tab is hidden)."""
        return False

    def enable_writing(self, button: QWidget, ready: bool = True) -> None:
        """Enable ``button``, which writes to the project, when ``ready`` and the user may edit the project (greyed
        for a viewer and in a project opened read-only)."""
        button.setEnabled(ready and self.dock.project.can_edit)
