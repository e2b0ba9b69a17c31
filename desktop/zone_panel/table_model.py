"""The zone list of the zone panel: the rows of :func:`data.zone_store.zone_rows` (top tier first) as a Qt
table model, with tier swatches, lifted zones greyed and the zones ready to step down marked."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont

from data import zone_store
from desktop.zone_panel.widgets import LIFTED_COLOUR, tier_label
from gis.errors import ui_language
from gis.glossary import Missing, ZoneKind, ZoneStatus
from gis.zoning.schemes import TierScheme

READY_COLOUR = "#1a7f37"
_DISPLAY = Qt.ItemDataRole.DisplayRole
_ROOT = QModelIndex()


class ZoneTableModel(QAbstractTableModel):
    """The rows of :func:`data.zone_store.zone_rows` (top tier first), with tier swatches and the ready flag."""

    COLUMNS = ("name", "tier", "kind", "started_at", "days_since_last_case", "projected_downgrade", "ready",
               "population", "status")
    NUMERIC = ("days_since_last_case", "population")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.lang = ui_language()
        self.rows = pd.DataFrame(columns=zone_store.ROW_COLUMNS)
        self.scheme: TierScheme | None = None
        self._titles = [self.tr("Zone"), self.tr("Tier"), self.tr("Kind"), self.tr("Since"), self.tr("Quiet days"),
                        self.tr("Step down"), self.tr("Ready"), self.tr("People"), self.tr("Status")]
        self._tips = [self.tr("Zone name"), self.tr("Tier"), self.tr("Kind of zone"), self.tr("Day the zone entered its tier"),
                      self.tr("Days since the last new infection inside"), self.tr("Projected first day it may step down"),
                      self.tr("Ready to step down on the as-of day"), self.tr("Population inside"), self.tr("Status")]
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: pd.DataFrame, scheme: TierScheme) -> None:
        self.beginResetModel()
        self.rows, self.scheme = rows.reset_index(drop=True), scheme
        self.endResetModel()

    def row(self, row: int) -> pd.Series:
        return self.rows.iloc[row]

    def row_of(self, fid: int) -> int | None:
        found = (self.rows["fid"] == fid).to_numpy().nonzero()[0]
        return int(found[0]) if len(found) else None

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == _DISPLAY:
            return self._titles[section]
        return self._tips[section] if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if not index.isValid():
            return None
        zone, column = self.rows.iloc[index.row()], self.COLUMNS[index.column()]
        lifted = zone["status"] == ZoneStatus.LIFTED.value
        if role == _DISPLAY:
            return self._text(zone, column)
        if role == Qt.ItemDataRole.DecorationRole and column == "tier" and zone["tier"] in self.scheme.keys:
            return QColor(self.scheme.tier(zone["tier"]).colour)
        if role == Qt.ItemDataRole.ForegroundRole:
            if lifted:
                return QColor(LIFTED_COLOUR)
            return QColor(READY_COLOUR) if column == "ready" else None
        if role == Qt.ItemDataRole.FontRole and column == "ready":
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(zone, column)
        return None

    def _text(self, zone: pd.Series, column: str) -> str:
        value = zone[column]
        if column == "tier":
            return tier_label(self.scheme, value, self.lang)
        if column == "kind":
            return ZoneKind(value).label(self.lang) if value in ZoneKind.values() else str(value or "")
        if column == "status":
            return ZoneStatus(value).label(self.lang) if value in ZoneStatus.values() else str(value or "")
        if column == "ready":
            return self.tr("Ready") if value else ""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—" if column == "projected_downgrade" else ""
        if column == "started_at":
            return str(value)[:10]
        if column in self.NUMERIC:
            return f"{int(value):,}"
        return str(value)

    def _tooltip(self, zone: pd.Series, column: str) -> str | None:
        if column == "name":
            return str(zone["name"] or "")
        if column in ("ready", "projected_downgrade") and zone["missing"]:
            return self.tr("Not yet: %1").replace("%1", "; ".join(Missing(m).label(self.lang) for m in zone["missing"]))
        return None
