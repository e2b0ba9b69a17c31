"""The scheme editor: a user-defined tier scheme made from the one in force, its name and each tier's names,
colour and day counts; the scheme's management periods are shown and kept with it."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.zone_panel.widgets import ERROR_STYLE, plain_label
from gis.errors import UserError
from gis.zoning.schemes import MAX_RULE_DAYS, PRESETS, TierScheme, user_scheme


class SchemeDialog(QDialog):
    """A user-defined tier scheme: the scheme's name and each tier's names, colour and day counts."""

    def __init__(self, base: TierScheme, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Custom Tier Scheme"))
        self.base = base
        self.scheme_result: TierScheme | None = None
        self.name_edit = QLineEdit("本县方案" if base.key in PRESETS else base.zh)
        headers = [self.tr("Chinese name"), self.tr("English name"), self.tr("Colour"), self.tr("Quiet days"),
                   self.tr("Test round"), self.tr("Round window (days)"), self.tr("Days after step-down"),
                   self.tr("Contact days")]
        grid = QGridLayout()
        for column, text in enumerate(headers):
            grid.addWidget(QLabel(text), 0, column)
        self.rows: list[dict] = []
        for row, tier in enumerate(base.tiers, start=1):
            cells = {"zh": QLineEdit(tier.zh), "en": QLineEdit(tier.en), "colour": QPushButton(tier.colour),
                     "quiet_days": self._days(tier.quiet_days), "needs_test_round": QCheckBox(),
                     "round_window_days": self._days(tier.round_window_days),
                     "after_downgrade_days": self._days(tier.after_downgrade_days or 0),
                     "contact_quiet_days": self._days(tier.contact_quiet_days)}
            cells["needs_test_round"].setChecked(tier.needs_test_round)
            for name in ("zh", "en"):
                cells[name].setMinimumWidth(self.fontMetrics().horizontalAdvance("precaution zone") + 16)
            cells["after_downgrade_days"].setSpecialValueText("—")
            cells["after_downgrade_days"].setToolTip(self.tr("— : the tier's own rule also after a step down"))
            self._paint(cells["colour"], tier.colour)
            cells["colour"].clicked.connect(lambda _c=False, button=cells["colour"]: self._on_colour_clicked(button))
            for name, widget in cells.items():
                widget.setEnabled(name in ("zh", "en", "colour") or tier.downgrade_to is not None)
            for column, widget in enumerate(cells.values()):
                grid.addWidget(widget, row, column)
            self.rows.append(cells)
        self.error_label = plain_label()
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Scheme name:"), self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(grid)
        self.periods_label = plain_label(self.tr("Management periods of this scheme (kept with it):") + "\n"
                                          + "\n".join(rule.description for rule in base.management))
        layout.addWidget(self.periods_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    @staticmethod
    def _days(value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(0, MAX_RULE_DAYS)
        spin.setValue(value)
        spin.setMaximumWidth(90)
        return spin

    @staticmethod
    def _paint(button: QPushButton, colour: str) -> None:
        button.setText(colour)
        button.setStyleSheet(f"background: {colour}; color: {'black' if QColor(colour).lightness() > 140 else 'white'};")

    def _on_colour_clicked(self, button: QPushButton) -> None:
        colour = QColorDialog.getColor(QColor(button.text()), self, self.tr("Tier Colour"))
        if colour.isValid():
            self._paint(button, colour.name())

    def edited_scheme(self) -> TierScheme:
        """The scheme as edited; UserError if it is not usable."""
        changes = {}
        for tier, cells in zip(self.base.tiers, self.rows, strict=True):
            after = cells["after_downgrade_days"].value()
            changes[tier.key] = {
                "zh": cells["zh"].text().strip(), "en": cells["en"].text().strip(), "colour": cells["colour"].text(),
                "quiet_days": cells["quiet_days"].value(), "needs_test_round": cells["needs_test_round"].isChecked(),
                "round_window_days": cells["round_window_days"].value(),
                "after_downgrade_days": after or None, "contact_quiet_days": cells["contact_quiet_days"].value()}
        return user_scheme(self.base, zh=self.name_edit.text().strip(), tiers=changes)

    def accept(self) -> None:
        try:
            self.scheme_result = self.edited_scheme()
        except UserError as error:
            self.error_label.setText(error.message())
            self.error_label.show()
            return
        super().accept()
