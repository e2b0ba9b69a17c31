"""The layer list beside the map: which layers show, in what order, how opaque, and whether unit names are drawn.

The dock keeps its settings in a plain dict (:meth:`LayerDock.state`) so the main window can save them and
put them back on a newly loaded map page with :meth:`LayerDock.restore`.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from data.map_payload import MAP_LAYERS
from data.schema import layer_spec
from gis.errors import ui_language

LABELLED_LAYER = "admin_units"
"""The layer whose names the map can draw (``set_labels``)."""
_HINT_STYLE = "color: #555555;"
_NAME_ROLE = Qt.ItemDataRole.UserRole


def layer_title(name: str) -> str:
    """A layer's name as users read it: Chinese, or English in an English UI."""
    spec = layer_spec(name)
    return spec.zh if ui_language() == "zh" else spec.en[:1].upper() + spec.en[1:]


class LayerDock(QDockWidget):
    """The map's layers, top layer first: visibility checkboxes, drag-and-drop drawing order, and for the
    current layer its opacity (and, for administrative units, whether their names are drawn).

    ``map_widget`` needs ``set_layer_visible``, ``set_layer_opacity``, ``set_layer_order`` and ``set_labels``.
    ``attributesRequested(layer)`` asks for the attribute table of a layer (its button, or a double click).
    """

    attributesRequested = Signal(str)

    def __init__(self, map_widget, parent: QWidget | None = None):
        super().__init__(self.tr("Layers"), parent)
        self.setObjectName("LayerDock")
        self.map_widget = map_widget
        self._layers = {name: {"visible": True, "opacity": 1.0} for name in MAP_LAYERS}
        self._labels = True

        self.layer_list = QListWidget()
        self.layer_list.setSpacing(2)
        self.layer_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.layer_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.layer_list.setToolTip(self.tr("Tick a layer to show it; drag layers to change which is drawn on top."))
        hint = QLabel(self.tr("Drag to reorder: layers higher in the list are drawn on top."))
        hint.setWordWrap(True)
        hint.setStyleSheet(_HINT_STYLE)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_label = QLabel()
        self.opacity_label.setMinimumWidth(self.opacity_label.fontMetrics().horizontalAdvance("100%") + 4)
        self.opacity_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(self.opacity_slider, 1)
        opacity_row.addWidget(self.opacity_label)
        self.labels_check = QCheckBox(self.tr("Show unit names"))
        self.labels_check.setChecked(self._labels)
        self.table_button = QPushButton(self.tr("Attribute Table"))
        self.table_button.setToolTip(self.tr("Open the attribute table of this layer below the map"))

        self.current_box = QGroupBox()
        form = QFormLayout(self.current_box)
        form.addRow(self.tr("Opacity"), opacity_row)
        form.addRow(self.labels_check)
        form.addRow(self.table_button)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.layer_list)
        layout.addWidget(hint)
        layout.addWidget(self.current_box)
        layout.addStretch(1)
        self.setWidget(body)

        self._fill_list(list(MAP_LAYERS))
        self.layer_list.setFixedHeight(self._list_height())
        self.layer_list.itemChanged.connect(self._on_item_changed)
        self.layer_list.currentItemChanged.connect(self._on_current_item_changed)
        self.layer_list.model().rowsMoved.connect(self._on_rows_moved)
        self.opacity_slider.valueChanged.connect(self._on_opacity_changed)
        self.labels_check.toggled.connect(self._on_labels_toggled)
        self.table_button.clicked.connect(lambda: self.attributesRequested.emit(self._current_name()))
        self.layer_list.itemDoubleClicked.connect(lambda item: self.attributesRequested.emit(item.data(_NAME_ROLE)))
        self.layer_list.setCurrentRow(0)

    # -- state ------------------------------------------------------------------------------------

    def order(self) -> list[str]:
        """Layer names bottom-up, as the map takes them."""
        return [self.layer_list.item(row).data(_NAME_ROLE) for row in reversed(range(self.layer_list.count()))]

    def state(self) -> dict:
        """The settings as plain data: ``{"order": [bottom-up], "layers": {name: {"visible", "opacity"}},
        "labels": bool}``."""
        return {"order": self.order(), "layers": copy.deepcopy(self._layers), "labels": self._labels}

    def restore(self, state: dict) -> None:
        """Show the settings of :meth:`state` and apply all of them to the map. Unknown layers are ignored;
        layers the saved state lacks keep their defaults."""
        for name, saved in state.get("layers", {}).items():
            if name in self._layers:
                layer = self._layers[name]
                layer["visible"] = bool(saved.get("visible", layer["visible"]))
                layer["opacity"] = min(1.0, max(0.0, float(saved.get("opacity", layer["opacity"]))))
        self._labels = bool(state.get("labels", self._labels))
        order = [name for name in dict.fromkeys(state.get("order", MAP_LAYERS)) if name in self._layers]
        for name in MAP_LAYERS:
            if name not in order:
                order.insert(min(MAP_LAYERS.index(name), len(order)), name)
        current = self._current_name()
        self._fill_list(order)
        with QSignalBlocker(self.labels_check):
            self.labels_check.setChecked(self._labels)
        self.layer_list.setCurrentRow(list(reversed(order)).index(current))
        self._apply_to_map()

    def _apply_to_map(self) -> None:
        for name, layer in self._layers.items():
            self.map_widget.set_layer_visible(name, layer["visible"])
            self.map_widget.set_layer_opacity(name, layer["opacity"])
        self.map_widget.set_layer_order(self.order())
        self.map_widget.set_labels(self._labels)

    def _fill_list(self, order: list[str]) -> None:
        """(Re)build the list from ``order`` (bottom-up), top layer first, without reporting changes."""
        with QSignalBlocker(self.layer_list):
            self.layer_list.clear()
            for name in reversed(order):
                item = QListWidgetItem(layer_title(name))
                item.setData(_NAME_ROLE, name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
                visible = self._layers[name]["visible"]
                item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
                self.layer_list.addItem(item)

    def _list_height(self) -> int:
        """Tall enough to show every layer without scrolling."""
        rows = self.layer_list.count()
        return self.layer_list.sizeHintForRow(0) * rows + 2 * self.layer_list.spacing() * rows \
            + 2 * self.layer_list.frameWidth()

    def _current_name(self) -> str:
        item = self.layer_list.currentItem()
        return item.data(_NAME_ROLE) if item else MAP_LAYERS[-1]

    # -- slots ------------------------------------------------------------------------------------

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        name = item.data(_NAME_ROLE)
        visible = item.checkState() == Qt.CheckState.Checked
        if visible != self._layers[name]["visible"]:
            self._layers[name]["visible"] = visible
            self.map_widget.set_layer_visible(name, visible)

    def _on_rows_moved(self, _parent: QModelIndex, _start: int, _end: int, _dest: QModelIndex, _row: int) -> None:
        self.map_widget.set_layer_order(self.order())

    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is None:
            return
        name = current.data(_NAME_ROLE)
        self.current_box.setTitle(layer_title(name))
        percent = round(self._layers[name]["opacity"] * 100)
        with QSignalBlocker(self.opacity_slider):
            self.opacity_slider.setValue(percent)
        self.opacity_label.setText(f"{percent}%")
        self.labels_check.setVisible(name == LABELLED_LAYER)

    def _on_opacity_changed(self, percent: int) -> None:
        name = self._current_name()
        self._layers[name]["opacity"] = percent / 100
        self.opacity_label.setText(f"{percent}%")
        self.map_widget.set_layer_opacity(name, percent / 100)

    def _on_labels_toggled(self, on: bool) -> None:
        self._labels = on
        self.map_widget.set_labels(on)
