"""The review of a proposal in the zone panel: the proposal read against the zones in force, its lines in four
groups (new, changed, unchanged, may step down), the new and changed ones to tick, Accept or Reject."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from desktop.zone_panel.widgets import LIFTED_COLOUR, tier_label
from gis.errors import ui_language
from gis.glossary import ProposalGroup, ZoneDifference
from gis.zoning.proposal_diff import ProposalDiff, ZoneComparison
from gis.zoning.proposals import Proposal
from gis.zoning.schemes import TierScheme


class ProposalReview(QWidget):
    """A proposal awaiting review, read against the zones in force: its lines in four groups (new, changed,
    unchanged, may step down) with their counts. New and changed zones can be ticked to be applied (ticked by
    default, except the county-wide rest); unchanged zones and zones that may step down only inform.
    Accept or Reject."""

    ticksChanged = Signal()
    lineChosen = Signal(int)  # index of the line in the comparison's items
    accepted = Signal()
    rejected = Signal()

    COLUMNS = ("tier", "zone", "units", "population", "changes")
    _LINE = Qt.ItemDataRole.UserRole

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lang = ui_language()
        self.diff: ProposalDiff | None = None
        self.title = QLabel(self.tr("Proposal — nothing is stored until you accept"))
        self.title.setStyleSheet("font-weight: bold;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Tier"), self.tr("Zone"), self.tr("Units"), self.tr("Population"),
                                   self.tr("Changes")])
        self.accept_button = QPushButton(self.tr("Accept Ticked Zones"))
        self.reject_button = QPushButton(self.tr("Reject"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(self._on_current_item_changed)
        self.accept_button.clicked.connect(self.accepted)
        self.reject_button.clicked.connect(self.rejected)

    @property
    def proposal(self) -> Proposal | None:
        return None if self.diff is None else self.diff.proposal

    def show_diff(self, diff: ProposalDiff, scheme: TierScheme) -> None:
        """List ``diff``'s lines under their group headers; new and changed zones ticked as offered."""
        self.diff = diff
        proposal = diff.proposal
        first = proposal.as_of - dt.timedelta(days=proposal.days - 1)
        text = self.tr("%1 zones for %2 infections reported %3 to %4.").replace("%1", str(len(proposal.zones)))
        text = text.replace("%2", str(proposal.cases_used)).replace("%3", first.isoformat())
        text = text.replace("%4", proposal.as_of.isoformat())
        if proposal.cases_outside_units:
            text += " " + self.tr("%1 more lie outside every unit and are left out.").replace(
                "%1", str(proposal.cases_outside_units))
        text += " " + self.tr("Unchanged zones and zones that may be lifted or stepped down are not changed by "
                              "accepting.")
        self.summary.setText(text)
        self.tree.blockSignals(True)
        self.tree.clear()
        for group, count in diff.counts().items():
            header = QTreeWidgetItem([f"{group.label(self.lang)}（{count}）" if self.lang == "zh"
                                      else f"{group.label(self.lang).capitalize()} ({count})"])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            for index, line in enumerate(diff.items):
                if line.group is group:
                    header.addChild(self._line_item(index, line, scheme))
            header.setExpanded(True)
        self.tree.blockSignals(False)
        for column in (0, 2, 3, 4):
            self.tree.resizeColumnToContents(column)
        self.tree.setColumnWidth(1, min(self.tree.sizeHintForColumn(1) + 12, 240))

    def group_item(self, group: ProposalGroup) -> QTreeWidgetItem:
        """The header of ``group``; its children are the group's lines."""
        return self.tree.topLevelItem(list(ProposalGroup).index(group))

    def ticked(self) -> list[int]:
        """Positions in the proposal of the ticked zones."""
        return [self.diff.items[index].position for index, item in self._line_items()
                if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.checkState(0) == Qt.CheckState.Checked]

    def set_ticked(self, position: int, ticked: bool) -> None:
        """Tick or untick the zone at ``position`` in the proposal (a new or changed zone)."""
        state = Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        for index, item in self._line_items():
            if self.diff.items[index].position == position:
                item.setCheckState(0, state)

    def _line_items(self):
        """(index in the comparison, tree item) of every line."""
        for group in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(group)
            for child in range(header.childCount()):
                item = header.child(child)
                yield item.data(0, self._LINE), item

    def _line_item(self, index: int, line: ZoneComparison, scheme: TierScheme) -> QTreeWidgetItem:
        zone = line.shown
        units = str(len(zone.unit_codes))
        population = "" if line.proposed is None else f"{line.proposed.population:,}"
        item = QTreeWidgetItem([tier_label(scheme, line.tier, self.lang), line.name or "", units, population,
                                self._changes_text(line, scheme)])
        item.setData(0, self._LINE, index)
        item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(scheme.tier(line.tier).colour)
                     if line.tier in scheme.keys else QColor(LIFTED_COLOUR))
        if line.applicable:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if line.ticked_by_default else Qt.CheckState.Unchecked)
        else:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for column in range(len(self.COLUMNS)):
                item.setForeground(column, QColor(LIFTED_COLOUR))
        tips = [] if line.proposed is None else [line.proposed.reason if self.lang == "zh"
                                                   else line.proposed.reason_en]
        if line.group is ProposalGroup.MAY_STEP_DOWN:
            tips.append(self.tr("Not changed by accepting: pick it to select the zone in the list, then step it "
                                "down or lift it there."))
        elif line.proposed is not None and line.proposed.is_rest_of_county and line.applicable:
            tips.append(self.tr("The rest of the county: tick it to store it as a zone too."))
        for column in range(len(self.COLUMNS)):
            item.setToolTip(column, "\n".join(tips))
        for column in (2, 3):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _changes_text(self, line: ZoneComparison, scheme: TierScheme) -> str:
        """What accepting would change (changed), or what the proposal says about a zone that may step down."""
        if line.group is ProposalGroup.MAY_STEP_DOWN:
            if line.proposed is None:
                return self.tr("no recent infection supports it")
            return self.tr("proposed as %1").replace("%1", tier_label(scheme, line.proposed.tier, self.lang))
        if line.group is not ProposalGroup.CHANGED:
            return ""
        separator = "、" if self.lang == "zh" else ", "
        words = [change.label(self.lang) for change in line.changes]
        if ZoneDifference.TIER in line.changes:
            was, now = (tier_label(scheme, tier, self.lang) for tier in (line.active.tier, line.tier))
            words[0] += f" {was} → {now}"
        return separator.join(words)

    def _on_item_changed(self, _item=None, _column: int = 0) -> None:
        self.ticksChanged.emit()

    def _on_current_item_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and current.data(0, self._LINE) is not None:
            self.lineChosen.emit(current.data(0, self._LINE))
