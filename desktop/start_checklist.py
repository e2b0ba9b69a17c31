"""The first steps shown over the map of an empty project: each item opens the import wizard for its layer."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

STEPS = ("admin_units", "grids", "isolation_sites", "cases")
"""The layers a new county brings in first, in the order the list offers them."""
_MARGIN = (54, 10)  # from the map's top-left corner, beside Leaflet's zoom buttons
_STYLE = """
#startChecklist { background: rgba(255, 255, 255, 0.96); border: 1px solid #b9b2a3; border-radius: 6px; }
#startChecklist QPushButton { text-align: left; padding: 5px 10px; }
#startChecklist QLabel { color: #333333; }
"""


class StartChecklist(QFrame):
    """A short list floating over ``map_widget``; ``importRequested(layer)`` when an item is clicked.

    Items whose layer already has features show as done; the list hides once every item is done or the
    user closes it."""

    importRequested = Signal(str)

    def __init__(self, map_widget: QWidget):
        super().__init__(map_widget)
        self.setObjectName("startChecklist")
        self.setStyleSheet(_STYLE)
        texts = {"admin_units": self.tr("Import village boundaries"), "grids": self.tr("Import grids"),
                 "isolation_sites": self.tr("Import isolation sites"), "cases": self.tr("Import cases")}
        self._texts = texts
        title = QLabel(self.tr("This project is empty. Start with your county's files:"))
        title.setStyleSheet("font-weight: bold;")
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Hide this list"))
        close.clicked.connect(self.hide)
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        self.buttons: dict[str, QPushButton] = {}
        for layer in STEPS:
            button = QPushButton(texts[layer])
            button.clicked.connect(lambda _checked=False, name=layer: self.importRequested.emit(name))
            layout.addWidget(button)
            self.buttons[layer] = button
        hint = QLabel(self.tr("Or drop a file onto the map."))
        hint.setStyleSheet("color: #666666;")
        layout.addWidget(hint)
        self.hide()
        self._follower = _RaiseOnChildren(self, map_widget)

    def offer(self, done: set[str]) -> None:
        """Show the list (for an empty project), items in ``done`` marked as done."""
        self.mark_done(done)
        if not set(STEPS) <= done:
            self.adjustSize()
            self.move(*_MARGIN)
            self.show()
            self.raise_()

    def mark_done(self, done: set[str]) -> None:
        """Tick the items whose layers now have features; hide once all are done."""
        for layer, button in self.buttons.items():
            finished = layer in done
            button.setText(("✓ " if finished else "") + self._texts[layer])
            button.setFlat(finished)
        if set(STEPS) <= done:
            self.hide()


class _RaiseOnChildren(QObject):
    """Keeps the list above the web view's own widgets, which appear once its page loads."""

    def __init__(self, overlay: QWidget, host: QWidget):
        super().__init__(overlay)
        self._overlay = overlay
        host.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.ChildAdded, QEvent.Type.Show) and self._overlay.isVisible():
            self._overlay.raise_()
        return False

