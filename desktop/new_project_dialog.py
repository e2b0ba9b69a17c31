"""The 新建项目 dialog: find the county by name or code, check its outline in a preview, choose the file, create.

The lookup and the project are :mod:`data.counties`'; this dialog only lists the candidates as the user types,
draws the chosen outline and asks where to save.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, QStandardPaths, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data.counties import County, county_outline, create_county_project, find_county, search_counties
from data.project import Project
from desktop.widgets import MessageLabel
from gis.errors import UserError

_FOLDER_KEY = "new_project/folder"
_OUTLINE_PEN = QColor("#9b1c1c")
_OUTLINE_FILL = QColor(155, 28, 28, 40)


class NewProjectDialog(QDialog):
    """Create a project for a county: type its name or code, pick it among the candidates (each shown with
    its province and city), see its outline, choose the file. After ``exec()`` is accepted, ``project`` is the
    new project, open."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("New Project"))
        self.project: Project | None = None
        self._settings = QSettings()
        self._path_typed = False  # the user chose the file: picking another county no longer renames it

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("County name or code, e.g. 叶县, 410422, 平顶山市 叶县"))
        self.search_edit.setClearButtonEnabled(True)
        self.candidate_list = QListWidget()
        self.preview = QGraphicsView(QGraphicsScene(self))
        self.preview.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.preview.setMinimumSize(260, 220)
        self.outline_item = self.preview.scene().addPath(QPainterPath(), _cosmetic_pen(), QBrush(_OUTLINE_FILL))
        self.county_label = QLabel()
        self.county_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(self.tr("Create"))

        self._build_layout()
        self.search_edit.textChanged.connect(self._on_search_changed)
        self.candidate_list.currentItemChanged.connect(self._on_candidate_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.path_edit.textChanged.connect(self._refresh_button)
        self.browse_button.clicked.connect(self._on_browse)
        self.buttons.accepted.connect(self._on_create)
        self.buttons.rejected.connect(self.reject)
        self._refresh_button()
        self.resize(720, 440)

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("County (name or code):")))
        left.addWidget(self.search_edit)
        left.addWidget(self.candidate_list, 1)
        right = QVBoxLayout()
        right.addWidget(self.preview, 1)
        right.addWidget(self.county_label)
        top = QHBoxLayout()
        top.addLayout(left, 1)
        top.addLayout(right, 1)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(self.tr("Project file:")))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addLayout(file_row)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    # -- the county -----------------------------------------------------------------------------------

    def county(self) -> County | None:
        """The county picked in the list, if any."""
        item = self.candidate_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        self.candidate_list.clear()
        candidates = search_counties(text)
        for county in candidates:
            item = QListWidgetItem(f"{county.name}    {county.province} {county.city}  {county.code}")
            item.setData(Qt.ItemDataRole.UserRole, county)
            self.candidate_list.addItem(item)
        if len(candidates) == 1:
            self.candidate_list.setCurrentRow(0)
        self.message.show_message(self._no_match_hint(text) if text.strip() and not candidates else "")

    def _no_match_hint(self, text: str) -> str:
        """Why nothing matches, with the closest names (the command line's message)."""
        try:
            find_county(text)
        except UserError as error:
            return error.message()
        return ""

    @Slot()
    def _on_candidate_changed(self) -> None:
        county = self.county()
        path = QPainterPath()
        self.county_label.clear()
        if county is not None:
            try:
                path = _outline_path(county_outline(county))
            except UserError as error:
                self.message.show_message(error.message())
            self.county_label.setText(f"{county.label}（{county.code}）")
            if not self._path_typed:
                self.path_edit.setText(str(self._folder() / f"{county.name}.gpkg"))
        self.outline_item.setPath(path)
        self._fit_preview()
        self._refresh_button()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_preview()

    def _fit_preview(self) -> None:
        """Fill the preview with the outline, leaving a small margin."""
        box = self.outline_item.path().boundingRect()
        margin = max(box.width(), box.height()) * 0.05
        box = box.adjusted(-margin, -margin, margin, margin)
        self.preview.scene().setSceneRect(box)
        self.preview.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)

    # -- the file ---------------------------------------------------------------------------------------

    def _folder(self) -> Path:
        """The folder last used for a new project, else the user's documents folder."""
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(self._settings.value(_FOLDER_KEY, documents or str(Path.home()), str))

    @Slot()
    def _on_path_edited(self) -> None:
        self._path_typed = True

    @Slot()
    def _on_browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("New Project"), self.path_edit.text(),
                                              self.tr("GeoPackage (*.gpkg)"))
        if path:
            self._path_typed = True
            self.path_edit.setText(path if path.lower().endswith(".gpkg") else f"{path}.gpkg")

    @Slot()
    def _refresh_button(self) -> None:
        self.create_button.setEnabled(self.county() is not None and bool(self.path_edit.text().strip()))

    @Slot()
    def _on_create(self) -> None:
        county, path = self.county(), Path(self.path_edit.text().strip())
        if county is None:
            return
        overwrite = path.exists()
        if overwrite and QMessageBox.question(
                self, self.tr("New Project"), self.tr("%1 already exists. Replace it?").replace("%1", str(path)),
        ) != QMessageBox.StandardButton.Yes:
            return
        try:
            self.project = create_county_project(path, county, overwrite=overwrite)
        except (UserError, OSError) as error:
            self.message.show_message(error.message() if isinstance(error, UserError) else str(error))
            return
        self._settings.setValue(_FOLDER_KEY, str(path.parent))
        self.accept()


def _cosmetic_pen() -> QPen:
    pen = QPen(_OUTLINE_PEN, 1.5)
    pen.setCosmetic(True)  # the same width at any zoom
    return pen


def _outline_path(outline) -> QPainterPath:
    """The outline as a painter path in scene units: longitude scaled by cos(latitude) so shapes keep their
    proportions, y pointing down."""
    scale = math.cos(math.radians(outline.centroid.y))
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for polygon in outline.geoms:
        for ring in (polygon.exterior, *polygon.interiors):
            path.addPolygon(QPolygonF([QPointF(x * scale, -y) for x, y in ring.coords]))
            path.closeSubpath()
    return path
