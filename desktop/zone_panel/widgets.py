"""Small pieces the zone panel's widgets share: date and radius editors, a plain-text label for names from
imported files, a tier's label in the UI language, and the colours used for lifted zones and refusals."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtWidgets import QDateEdit, QDoubleSpinBox, QLabel

from gis.zoning.schemes import TierScheme

LIFTED_COLOUR = "#8a8a8a"
ERROR_STYLE = "color: #9b1c1c;"


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def date_edit(day: dt.date) -> QDateEdit:
    edit = QDateEdit(qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit



def metres_spin(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(10, 50_000)
    spin.setDecimals(0)
    spin.setSingleStep(100)
    spin.setValue(value)
    spin.setSuffix(QCoreApplication.translate("ZonePanel", " m"))
    return spin


def plain_label(text: str = "") -> QLabel:
    """A label for data text: never read as rich text (names come from imported files)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def tier_label(scheme: TierScheme, key: str, lang: str) -> str:
    return scheme.label(key, lang) if key in scheme.keys else str(key)
