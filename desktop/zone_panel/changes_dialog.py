"""The changes dialog: zones added, upgraded, downgraded or lifted since a date, listed and drawn on the map."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from data import zone_store
from data.project import Project
from desktop.zone_panel.widgets import date_edit, tier_label
from gis.errors import ui_language
from gis.glossary import ZoneChange

CHANGE_COLOURS = {ZoneChange.ADDED: "#d7191c", ZoneChange.UPGRADED: "#fdae61", ZoneChange.DOWNGRADED: "#2c7bb6",
                  ZoneChange.LIFTED: "#7f7f7f"}


class ChangesDialog(QDialog):
    """Zones added, upgraded, downgraded or lifted since a date: listed here and drawn as the "changes" overlay
    (cleared when the dialog closes)."""

    def __init__(self, project: Project, map_widget, since: dt.date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Changes Since…"))
        self.project, self.map_widget, self.lang = project, map_widget, ui_language()
        self.since_edit = date_edit(since)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Change"), self.tr("Zone"), self.tr("Tier"), self.tr("When")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.summary = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("Since:"), self.since_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.since_edit.dateChanged.connect(self._on_since_changed)
        self.finished.connect(self._on_finished)
        self.resize(560, 420)
        self.refresh()

    def refresh(self) -> None:
        """List and draw the changes since the chosen date."""
        since = self.since_edit.date().toPython()
        changes = zone_store.changes_since(self.project, since)
        scheme = zone_store.load_scheme(self.project)
        self.table.setRowCount(len(changes))
        for row, change in enumerate(changes.itertuples()):
            tiers = " → ".join(tier_label(scheme, t, self.lang) for t in (change.tier_before, change.tier_after) if t)
            cells = (ZoneChange(change.change).label(self.lang), str(change.name or change.fid), tiers,
                     str(change.changed_at).replace("T", " "))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            self.table.item(row, 0).setForeground(QColor(CHANGE_COLOURS[ZoneChange(change.change)]))
        self.table.resizeColumnsToContents()
        self.summary.setText(self.tr("%n zone(s) changed since %1.", "", len(changes)).replace("%1", since.isoformat()))
        labels = [f"{ZoneChange(c).label(self.lang)}：{n or f}" for c, n, f in
                  zip(changes["change"], changes["name"], changes["fid"], strict=True)]
        frame = changes.assign(colour=[CHANGE_COLOURS[ZoneChange(c)] for c in changes["change"]], label=labels)
        self.map_widget.show_overlay("changes", frame, label_column="label", fit=bool(len(frame)))

    def _on_since_changed(self, _date: QDate) -> None:
        self.refresh()

    def _on_finished(self, _result: int) -> None:
        self.map_widget.clear_overlay("changes")
