"""The print dialog (page options with a live preview, PDF/PNG/atlas output) and the export dialog
(Excel report, GeoJSON, KML, GeoPackage copy, HTML map).

The drawing is :mod:`data.printing`'s and the writing :mod:`data.exports`'; these dialogs only collect the
choices and run the work in a :class:`desktop.workers.Worker`. matplotlib's settings are global while a
page is drawn, so the print dialog runs one job at a time: a preview or an output file, never two.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF, QSettings, QSize, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data.exports import DEFAULT_LAYERS, EXPORT_FORMATS, export
from data.printing import DEFAULT_SECRECY, PAPERS_MM, load_content, print_atlas, print_map, render_preview
from data.printing.atlas import atlas_pages
from data.printing.content import PrintContent, place_name
from data.printing.layout import default_title
from data.project import Project
from data.schema import SPATIAL_LAYERS, layer_spec
from desktop.change_feed import follow
from desktop.widgets import MessageLabel
from desktop.workers import Connections, ProgressDialog, Work, Worker
from gis.errors import UserError, ui_language
from gis.glossary import UnitLevel

PREVIEW_DELAY_MS = 400
"""Quiet time after the last change before the preview is redrawn."""
_PREVIEW_DPI = (30.0, 150.0)  # the preview is drawn to fit its pane, within these resolutions
_ISSUER_KEY = "print/issuer"
_PRINT_FOLDER_KEY = "print/folder"
_EXPORT_FOLDER_KEY = "export/folder"
_WARNING_STYLE = "color: #9b1c1c; background: #fde2e1; border: 1px solid #f3b4b0; border-radius: 3px; padding: 6px;"
_HINT_STYLE = "QLabel { color: #555555; } QLabel:disabled { color: #a0a0a0; }"
_DESK = QColor("#8a8f96")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Preview:
    """What a preview job hands back: the page image, the content it drew and the atlas page count."""

    png: bytes
    content: PrintContent
    pages: int


class PrintDialog(QDialog):
    """Choose how the map is printed, see the page as it will come out, and write it as PDF or PNG.

    ``view_bounds`` (min lon, min lat, max lon, max lat), the map's current view, adds "current view" to
    the extents. ``previewUpdated`` is emitted when a new preview is shown, ``exported(path)`` when a file
    has been written.
    """

    previewUpdated = Signal()
    exported = Signal(object)

    def __init__(self, project: Project, parent: QWidget | None = None, *, view_bounds=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Print Map"))
        self._project = project
        self._view_bounds = tuple(view_bounds) if view_bounds is not None else None
        self._place = place_name(str(project.metadata.get("name", "")))
        self._settings = QSettings()
        self._contents: dict[str, PrintContent] = {}  # by privacy mode, read once per dialog
        self._worker: Worker | None = None
        self._worker_output: Path | None = None  # the file the running job writes; None for a preview
        self._links = Connections()
        self._preview_due = False
        self._pending_output: Path | None = None
        self._auto_title = ""  # the default title last filled in
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)

        self._build_controls()
        self._build_layout()
        self._refresh_title()
        self._refresh_states()
        self._connect_controls()
        self.resize(1180, 720)
        self._schedule_preview(0)

    # -- building the dialog ------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.paper_combo = QComboBox()
        for paper in PAPERS_MM:
            self.paper_combo.addItem(paper, paper)
        self.orientation_combo = QComboBox()
        self.orientation_combo.addItem(self.tr("Portrait"), False)
        self.orientation_combo.addItem(self.tr("Landscape"), True)

        self.title_edit = QLineEdit()
        self.subtitle_edit = QLineEdit()
        self.subtitle_edit.setPlaceholderText(self.tr("Optional, e.g. the briefing it is for"))
        self.issuer_edit = QLineEdit(self._settings.value(_ISSUER_KEY, "", str))
        self.issuer_edit.setPlaceholderText(self.tr("The unit issuing the map"))
        self.secrecy_check = QCheckBox(self.tr("Secrecy marking:"))
        self.secrecy_check.setChecked(True)
        self.secrecy_check.setToolTip(self.tr("Clear to print the map without a secrecy marking"))
        self.secrecy_edit = QLineEdit(DEFAULT_SECRECY)

        self.extent_combo = QComboBox()
        self.extent_combo.addItem(self.tr("Whole county"), "county")
        self.extent_combo.addItem(self.tr("One town"), "unit")
        if self._view_bounds is not None:
            self.extent_combo.addItem(self.tr("Current map view"), "view")
        self.town_combo = QComboBox()
        towns = self._project.read_layer("admin_units", where="level = ?", params=(UnitLevel.TOWN.value,))
        for town in towns.sort_values("code").itertuples():
            self.town_combo.addItem(str(town.name), str(town.code))
        self.privacy_combo = QComboBox()
        self.privacy_combo.addItem(self.tr("Aggregated: case counts per grid"), "aggregated")
        self.privacy_combo.addItem(self.tr("Exact: case points"), "exact")
        self.privacy_warning = QLabel(self.tr(
            "Exact mode prints every case as a point. It is for the command room only: do not hand it out, "
            "post it or send it on. (Names, ID numbers and phone numbers are never printed.)"))
        self.privacy_warning.setWordWrap(True)
        self.privacy_warning.setStyleSheet(_WARNING_STYLE)
        self.summary_check = QCheckBox(self.tr("Include the summary tables"))
        self.summary_check.setChecked(True)
        self.mbtiles_edit = QLineEdit()
        self.mbtiles_edit.setPlaceholderText(self.tr("Offline basemap"))
        self.mbtiles_edit.setClearButtonEnabled(True)
        self.mbtiles_button = QPushButton(self.tr("Browse…"))
        self.atlas_combo = QComboBox()
        self.atlas_combo.addItem(self.tr("None: a single page"), None)
        self.atlas_combo.addItem(self.tr("One page per town"), "town")
        self.atlas_combo.addItem(self.tr("One page per control zone"), "zone")

        self.preview = PagePreview()
        self.preview_caption = QLabel()
        self.preview_caption.setStyleSheet(_HINT_STYLE)
        self.preview_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = MessageLabel()
        self.saved_note = SavedNote()
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.png_button = QPushButton(self.tr("Export PNG…"))
        self.pdf_button.setDefault(True)

    def _build_layout(self) -> None:
        page_form = _form()
        page_form.addRow(self.tr("Paper:"), self.paper_combo)
        page_form.addRow(self.tr("Orientation:"), self.orientation_combo)
        page_group = _group(self.tr("Page"), page_form)

        text_form = _form()
        text_form.addRow(self.tr("Title:"), self.title_edit)
        text_form.addRow(self.tr("Subtitle:"), self.subtitle_edit)
        text_form.addRow(self.tr("Issuing unit:"), self.issuer_edit)
        text_form.addRow(self.secrecy_check, self.secrecy_edit)
        text_group = _group(self.tr("Text"), text_form)

        extent_row = QHBoxLayout()
        extent_row.addWidget(self.extent_combo)
        extent_row.addWidget(self.town_combo, 1)
        basemap_row = QHBoxLayout()
        basemap_row.addWidget(self.mbtiles_edit, 1)
        basemap_row.addWidget(self.mbtiles_button)
        map_form = _form()
        map_form.addRow(self.tr("Extent:"), extent_row)
        map_form.addRow(self.tr("Privacy:"), self.privacy_combo)
        map_form.addRow(self.privacy_warning)
        map_form.addRow(self.tr("Basemap:"), basemap_row)
        map_form.addRow(self.tr("Atlas:"), self.atlas_combo)
        map_form.addRow("", self.summary_check)
        map_group = _group(self.tr("Map"), map_form)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.png_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        _align_labels(page_form, text_form, map_form)
        controls = QVBoxLayout()
        for widget in (page_group, text_group, map_group, self.message):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.saved_note)
        controls.addWidget(buttons)
        side = QWidget()
        side.setLayout(controls)
        side.setFixedWidth(420)

        preview_column = QVBoxLayout()
        preview_column.addWidget(self.preview, 1)
        preview_column.addWidget(self.preview_caption)
        root = QHBoxLayout(self)
        root.addWidget(side)
        root.addLayout(preview_column, 1)

    def _connect_controls(self) -> None:
        for combo in (self.paper_combo, self.orientation_combo, self.extent_combo, self.town_combo,
                      self.privacy_combo, self.atlas_combo):
            combo.currentIndexChanged.connect(self._on_option_changed)
        for edit in (self.title_edit, self.subtitle_edit, self.issuer_edit, self.secrecy_edit, self.mbtiles_edit):
            edit.textChanged.connect(self._on_option_changed)
        for check in (self.secrecy_check, self.summary_check):
            check.toggled.connect(self._on_option_changed)
        self.issuer_edit.textChanged.connect(self._on_issuer_changed)
        self.mbtiles_button.clicked.connect(self._on_mbtiles_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        self.png_button.clicked.connect(self._on_png_clicked)
        self.preview.resized.connect(self._on_preview_resized)
        self._debounce.timeout.connect(self._start_next)
        self._unsubscribe = follow(self._project, self._on_project_changed)

    # -- the options --------------------------------------------------------------------------------

    def options(self) -> dict:
        """The keyword arguments for :func:`data.printing.print_map` as chosen (an atlas takes the same,
        but for ``extent``)."""
        return {
            "paper": self.paper_combo.currentData(),
            "landscape": bool(self.orientation_combo.currentData()),
            "title": self.title_edit.text().strip() or None,
            "subtitle": self.subtitle_edit.text().strip() or None,
            "issuer": self.issuer_edit.text().strip() or None,
            "secrecy": self.secrecy_edit.text().strip() if self.secrecy_check.isChecked() else "",
            "privacy": self.privacy_combo.currentData(),
            "extent": self._extent(),
            "include_summary": self.summary_check.isChecked(),
            "mbtiles": self.mbtiles_edit.text().strip() or None,
        }

    def atlas_kind(self) -> str | None:
        """"town" or "zone" for an atlas (see :func:`data.printing.print_atlas`), None for a single page."""
        return self.atlas_combo.currentData()

    def _extent(self):
        if self.atlas_kind() is not None:
            return None
        mode = self.extent_combo.currentData()
        if mode == "unit":
            return self.town_combo.currentData()
        if mode == "view":
            return self._view_bounds
        return None

    def _page_mm(self) -> tuple[float, float]:
        width, height = PAPERS_MM[self.paper_combo.currentData()]
        return (height, width) if self.orientation_combo.currentData() else (width, height)

    # -- reacting to the controls -------------------------------------------------------------------

    @Slot()
    def _on_option_changed(self) -> None:
        self._refresh_title()
        self._refresh_states()
        self._schedule_preview(PREVIEW_DELAY_MS)

    @Slot(str)
    def _on_issuer_changed(self, text: str) -> None:
        self._settings.setValue(_ISSUER_KEY, text.strip())

    @Slot(object)
    def _on_project_changed(self, _changeset) -> None:
        self._contents.clear()
        self._schedule_preview(PREVIEW_DELAY_MS)

    @Slot()
    def _on_mbtiles_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose an MBTiles Basemap"), self.mbtiles_edit.text(),
                                              self.tr("MBTiles (*.mbtiles)"))
        if path:
            self.mbtiles_edit.setText(path)

    @Slot()
    def _on_preview_resized(self) -> None:
        shown = self.preview.dpi()
        if not shown or abs(self._preview_dpi() - shown) / shown > 0.2:
            self._schedule_preview(PREVIEW_DELAY_MS)

    @Slot()
    def _on_pdf_clicked(self) -> None:
        self._ask_output(".pdf", self.tr("PDF (*.pdf)"))

    @Slot()
    def _on_png_clicked(self) -> None:
        self._ask_output(".png", self.tr("PNG image, 300 dpi (*.png)"))

    def _refresh_title(self) -> None:
        """Keep the title at the default for the extent (as print_map titles it) until it is edited."""
        if self.title_edit.text().strip() != self._auto_title:
            return
        one_town = self.atlas_kind() is None and self.extent_combo.currentData() == "unit"
        self._auto_title = default_title("", self._place + (self.town_combo.currentText() if one_town else ""))
        blocker = self.title_edit.blockSignals(True)
        self.title_edit.setText(self._auto_title)
        self.title_edit.blockSignals(blocker)

    def _refresh_states(self) -> None:
        single = self.atlas_kind() is None
        self.extent_combo.setEnabled(single)
        self.town_combo.setEnabled(single and self.extent_combo.currentData() == "unit")
        self.town_combo.setVisible(self.extent_combo.currentData() == "unit")
        self.secrecy_edit.setEnabled(self.secrecy_check.isChecked())
        self.privacy_warning.setVisible(self.privacy_combo.currentData() == "exact")
        self.png_button.setEnabled(single and self._pending_output is None and self._worker_output is None)
        self.pdf_button.setEnabled(self._pending_output is None and self._worker_output is None)
        self.png_button.setToolTip("" if single else self.tr("An atlas is written as one PDF"))

    # -- writing files ------------------------------------------------------------------------------

    def _ask_output(self, suffix: str, file_filter: str) -> None:
        folder = Path(self._settings.value(_PRINT_FOLDER_KEY, str(Path.home()), str))
        name = (self.title_edit.text().strip() or self._place or "map").replace("/", "_") + suffix
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export Map"), str(folder / name), file_filter)
        if chosen:
            path = Path(chosen)
            self.export_to(path if path.suffix.lower() == suffix else path.with_name(path.name + suffix))

    def export_to(self, path: Path) -> None:
        """Write the page (or the atlas) to ``path`` (.pdf or .png) once the running job is done."""
        self._pending_output = Path(path)
        self.saved_note.clear()
        self.message.show_message("")
        self._refresh_states()
        self._start_next()

    # -- jobs: one at a time ------------------------------------------------------------------------

    def _schedule_preview(self, delay_ms: int) -> None:
        """Redraw the preview after ``delay_ms`` of quiet; a render already running is now stale."""
        self._preview_due = True
        if self._worker is not None and self._worker_output is None:
            self._worker.cancel()
        self.preview.set_busy(True)
        self._debounce.start(delay_ms)

    @Slot()
    def _start_next(self) -> None:
        """Start the waiting output file, else a due preview, unless a job is running."""
        if self._worker is not None:
            return
        if self._pending_output is not None:
            path, self._pending_output = self._pending_output, None
            atlas = self.atlas_kind() is not None
            self._start(self._output_work(path), path)
            _output_dialog(self._worker, self.tr("Writing {file}…").format(file=path.name), self, stoppable=atlas)
        elif self._preview_due and not self._debounce.isActive():
            self._preview_due = False
            self._start(self._preview_work(), None)

    def _start(self, work: Work, output: Path | None) -> None:
        self._worker = Worker(work, self)
        self._worker_output = output
        self._links.connect(self._worker.finished, self._on_job_finished)
        self._links.connect(self._worker.failed, self._on_job_failed)
        self._refresh_states()
        self._worker.start()

    def _preview_work(self) -> Work:
        project, options, atlas, dpi = self._project, self.options(), self.atlas_kind(), self._preview_dpi()
        content = self._contents.get(options["privacy"])

        def work(_progress, cancelled):
            try:
                loaded = content or load_content(project, options["privacy"])
                if cancelled():
                    return None
                pages = len(atlas_pages(loaded, atlas)) + 1 if atlas else 1
                return _Preview(render_preview(project, dpi=dpi, content=loaded, **options), loaded, pages)
            finally:
                project.close()  # this thread's connection

        return work

    def _output_work(self, path: Path) -> Work:
        project, options, atlas = self._project, self.options(), self.atlas_kind()

        def work(progress, cancelled):
            try:
                if atlas is None:
                    return print_map(project, path, **options)
                return print_atlas(project, path, by=atlas, progress=progress, cancelled=cancelled,
                                   **{k: v for k, v in options.items() if k != "extent"})
            finally:
                project.close()

        return work

    @Slot(object)
    def _on_job_finished(self, result) -> None:
        stale, output = self._drop_worker()
        if output is not None:
            self._settings.setValue(_PRINT_FOLDER_KEY, str(output.parent))
            self.saved_note.show_saved(output)
            self.exported.emit(output)
        elif not stale and result is not None:
            self._show_preview(result)
        self._start_next()

    @Slot(object)
    def _on_job_failed(self, error: Exception) -> None:
        stale, output = self._drop_worker()
        if output is not None:
            self.message.show_message(_describe(error, self.tr("The map could not be written.")))
        elif not stale:
            self.preview.set_busy(self._preview_due)
            self.message.show_message(_describe(error, self.tr("The preview could not be drawn.")))
        self._start_next()

    def _drop_worker(self) -> tuple[bool, Path | None]:
        """Forget the finished job; return whether it was cancelled and the file it wrote (if any)."""
        stale, output = self._worker.cancelled(), self._worker_output
        self._links.clear()
        self._worker.deleteLater()
        self._worker, self._worker_output = None, None
        self._refresh_states()
        return stale, output

    def _show_preview(self, preview: _Preview) -> None:
        self._contents[preview.content.privacy] = preview.content
        image = QImage.fromData(preview.png, "PNG")
        self.preview.set_page(QPixmap.fromImage(image), image.width() / (self._page_mm()[0] / 25.4))
        self.preview.set_busy(self._preview_due)
        self.message.show_message("")
        self.preview_caption.setText(self._caption(preview.pages))
        self.previewUpdated.emit()

    def _caption(self, pages: int) -> str:
        width, height = self._page_mm()
        text = f"{self.paper_combo.currentText()} · {width:g} × {height:g} mm"
        if self.atlas_kind() is not None:
            text += " · " + self.tr("Atlas of {pages} pages; shown: the county map of its cover").format(pages=pages)
        return text

    def _preview_dpi(self) -> float:
        """The resolution at which the page just fills the preview pane."""
        width_mm, height_mm = self._page_mm()
        area = self.preview.page_area()
        ratio = self.preview.devicePixelRatioF()
        dpi = min(area.width() * ratio / (width_mm / 25.4), area.height() * ratio / (height_mm / 25.4))
        return max(_PREVIEW_DPI[0], min(_PREVIEW_DPI[1], dpi))

    def done(self, result: int) -> None:
        """Close, after any running job has ended (its outcome is then ignored)."""
        self._unsubscribe()
        self._debounce.stop()
        self._pending_output = None
        if self._worker is not None:
            self._links.clear()
            self._worker.stop()
            self._worker.deleteLater()
            self._worker, self._worker_output = None, None
        super().done(result)


class PagePreview(QWidget):
    """The previewed page, scaled to fit on a grey desk with a shadow, marked while it is being redrawn."""

    resized = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pixmap = QPixmap()
        self._dpi = 0.0
        self._busy = False
        self.setMinimumSize(360, 360)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(640, 700)

    def pixmap(self) -> QPixmap:
        """The page as last drawn (null before the first preview)."""
        return self._pixmap

    def dpi(self) -> float:
        """The resolution the shown page was drawn at (0 before the first preview)."""
        return self._dpi

    def set_page(self, pixmap: QPixmap, dpi: float) -> None:
        self._pixmap, self._dpi = pixmap, dpi
        self.update()

    def set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.update()

    def page_area(self) -> QRectF:
        """Where the page may be drawn: the widget less a margin."""
        return QRectF(self.rect()).adjusted(12, 12, -12, -12)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.resized.emit()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), _DESK)
        if not self._pixmap.isNull():
            target = self._fitted(self._pixmap.size())
            painter.fillRect(target.translated(3, 3), QColor(0, 0, 0, 70))
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        if self._busy or self._pixmap.isNull():
            text = self.tr("Updating the preview…")
            badge = QRectF(0, 0, painter.fontMetrics().horizontalAdvance(text) + 24, 26)
            badge.moveCenter(QRectF(self.rect()).center())
            badge.moveTop(18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(30, 30, 30, 190))
            painter.drawRoundedRect(badge, 13, 13)
            painter.setPen(QColor("white"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def _fitted(self, size: QSize) -> QRectF:
        area = self.page_area()
        scale = min(area.width() / size.width(), area.height() / size.height())
        target = QRectF(0, 0, size.width() * scale, size.height() * scale)
        target.moveCenter(area.center())
        return target


class ExportDialog(QDialog):
    """Export the project as an Excel report, GeoJSON, KML, a GeoPackage copy or an interactive HTML map.

    ``exported(path)`` is emitted when a file has been written.
    """

    exported = Signal(object)

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export Data"))
        self._project = project
        self._settings = QSettings()
        self._worker: Worker | None = None
        self._links = Connections()
        lang = ui_language()
        labels = {
            "xlsx": self.tr("Excel briefing report (.xlsx)"),
            "geojson": self.tr("GeoJSON, one layer (.geojson)"),
            "kml": self.tr("KML for Google Earth and map apps (.kml)"),
            "gpkg": self.tr("GeoPackage copy of the project (.gpkg)"),
            "html": self.tr("Interactive HTML map, works offline (.html)"),
        }
        self.format_combo = QComboBox()
        for fmt in EXPORT_FORMATS:
            self.format_combo.addItem(labels[fmt], fmt)
        self.layer_list = QListWidget()
        for name in SPATIAL_LAYERS:
            spec = layer_spec(name)
            item = QListWidgetItem(spec.zh if lang == "zh" else spec.en.capitalize())
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in DEFAULT_LAYERS else Qt.CheckState.Unchecked)
            self.layer_list.addItem(item)
        rows = self.layer_list.count()
        self.layer_list.setFixedHeight(self.layer_list.sizeHintForRow(0) * rows + 2 * self.layer_list.frameWidth() + 4)
        self.format_hint = QLabel()
        self.format_hint.setStyleSheet(_HINT_STYLE)
        self.format_hint.setWordWrap(True)
        self.gcj02_check = QCheckBox(self.tr("Shift coordinates to GCJ-02"))
        self.gcj02_hint = QLabel(self.tr("Map apps based on AutoNavi (Gaode) need GCJ-02. Leave it off for GIS "
                                         "software, which expects WGS84."))
        self.gcj02_hint.setStyleSheet(_HINT_STYLE)
        self.gcj02_hint.setWordWrap(True)
        self.path_edit = QLineEdit()
        browse = QPushButton(self.tr("Browse…"))
        self.message = MessageLabel()
        self.saved_note = SavedNote()
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setDefault(True)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = _form()
        form.addRow(self.tr("Format:"), self.format_combo)
        form.addRow("", self.format_hint)
        form.addRow(self.tr("Layers:"), self.layer_list)
        form.addRow("", self.gcj02_check)
        form.addRow("", self.gcj02_hint)
        form.addRow(self.tr("Save as:"), path_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        root = QVBoxLayout(self)
        root.addLayout(form)
        root.addWidget(self.message)
        root.addStretch(1)
        root.addWidget(self.saved_note)
        root.addWidget(buttons)

        self.path_edit.setText(str(self._default_path()))
        self._on_format_changed()
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.layer_list.itemChanged.connect(self._on_layer_changed)
        self.path_edit.textChanged.connect(self._refresh_states)
        browse.clicked.connect(self._on_browse_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.setMinimumWidth(600)

    def export_format(self) -> str:
        """The chosen format, one of :data:`data.exports.EXPORT_FORMATS`."""
        return self.format_combo.currentData()

    def layers(self) -> list[str]:
        """The checked layers, in the list's order."""
        items = (self.layer_list.item(row) for row in range(self.layer_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    @Slot()
    def _on_format_changed(self) -> None:
        fmt = self.export_format()
        path = Path(self.path_edit.text().strip() or self._default_path())
        self.path_edit.setText(str(path.with_suffix("." + fmt)))
        if fmt == "geojson":
            self._keep_one_layer(next(iter(self.layers()), DEFAULT_LAYERS[0]))
        per_layer = fmt in ("geojson", "kml")
        for widget in (self.layer_list, self.gcj02_check, self.gcj02_hint):
            widget.setEnabled(per_layer)
        self.format_hint.setText({
            "xlsx": self.tr("The morning briefing workbook: zones with their countdowns, villages by tier, "
                            "isolation sites, cases per grid and follow-up tests due."),
            "geojson": self.tr("One layer per file, in WGS84 longitude/latitude unless shifted to GCJ-02. "
                               "Names, ID numbers and phone numbers are left out."),
            "kml": self.tr("The checked layers, one folder each, with Chinese names and the map's colours. "
                           "Names, ID numbers and phone numbers are left out."),
            "gpkg": self.tr("A copy of the whole project file."),
            "html": self.tr("A map page that opens in any browser, offline, with the project's layers."),
        }[fmt])
        self._refresh_states()

    @Slot(QListWidgetItem)
    def _on_layer_changed(self, item: QListWidgetItem) -> None:
        if self.export_format() == "geojson" and item.checkState() == Qt.CheckState.Checked:
            self._keep_one_layer(item.data(Qt.ItemDataRole.UserRole))
        self._refresh_states()

    @Slot()
    def _on_browse_clicked(self) -> None:
        fmt = self.export_format()
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export Data"), self.path_edit.text(),
                                              f"{self.format_combo.currentText()} (*.{fmt})")
        if path:
            self.path_edit.setText(str(Path(path).with_suffix("." + fmt)))

    @Slot()
    def _on_export_clicked(self) -> None:
        path = Path(self.path_edit.text().strip())
        project, fmt, layers, gcj02 = self._project, self.export_format(), self.layers(), self.gcj02_check.isChecked()
        per_layer = fmt in ("geojson", "kml")

        def work(_progress, _cancelled):
            try:
                return export(project, fmt, path, gcj02=gcj02 and per_layer, layers=layers if per_layer else None)
            finally:
                project.close()  # this thread's connection

        self.message.show_message("")
        self.saved_note.clear()
        self._worker = Worker(work, self)
        self._links.connect(self._worker.finished, self._on_export_finished)
        self._links.connect(self._worker.failed, self._on_export_failed)
        _output_dialog(self._worker, self.tr("Writing {file}…").format(file=path.name), self, stoppable=False)
        self._refresh_states()
        self._worker.start()

    @Slot(object)
    def _on_export_finished(self, path: Path) -> None:
        self._drop_worker()
        self._settings.setValue(_EXPORT_FOLDER_KEY, str(path.parent))
        self.saved_note.show_saved(path)
        self.exported.emit(path)

    @Slot(object)
    def _on_export_failed(self, error: Exception) -> None:
        self._drop_worker()
        self.message.show_message(_describe(error, self.tr("The export failed; nothing was written.")))

    @Slot()
    def _refresh_states(self) -> None:
        needs_layers = self.export_format() in ("geojson", "kml")
        ready = bool(self.path_edit.text().strip()) and (bool(self.layers()) or not needs_layers)
        self.export_button.setEnabled(ready and self._worker is None)

    def _keep_one_layer(self, name: str) -> None:
        """Check ``name`` only (GeoJSON holds one layer)."""
        blocker = self.layer_list.blockSignals(True)
        for row in range(self.layer_list.count()):
            item = self.layer_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) == name
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.layer_list.blockSignals(blocker)

    def _default_path(self) -> Path:
        folder = Path(self._settings.value(_EXPORT_FOLDER_KEY, str(Path.home()), str))
        place = place_name(str(self._project.metadata.get("name", ""))) or self._project.path.stem
        return folder / f"{place}_{dt.date.today():%Y%m%d}.{self.format_combo.currentData() or 'xlsx'}"

    def _drop_worker(self) -> None:
        self._links.clear()
        self._worker.deleteLater()
        self._worker = None
        self._refresh_states()

    def done(self, result: int) -> None:
        """Close, after a running export has ended."""
        if self._worker is not None:
            self._links.clear()
            self._worker.stop()
            self._worker.deleteLater()
            self._worker = None
        super().done(result)


class SavedNote(QWidget):
    """"Saved: name" with a button opening the folder, hidden until a file has been written."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._folder: Path | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton(self.tr("Open Folder"))
        self.open_button.clicked.connect(self._on_open_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.open_button)
        self.hide()

    def show_saved(self, path: Path) -> None:
        self._folder = path.parent
        self.label.setText(self.tr("Saved: {file}").format(file=path.name))
        self.label.setToolTip(str(path))
        self.show()

    def clear(self) -> None:
        self._folder = None
        self.hide()

    @Slot()
    def _on_open_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder)))




def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def _align_labels(*forms: QFormLayout) -> None:
    """Give the label columns of ``forms`` one width, so that fields line up from group to group."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None and item.widget()]
    width = max(label.sizeHint().width() for label in labels)
    for label in labels:
        label.setMinimumWidth(width)


def _group(title: str, layout) -> QGroupBox:
    group = QGroupBox(title)
    group.setLayout(layout)
    return group


def _output_dialog(worker: Worker, title: str, parent: QWidget, *, stoppable: bool) -> None:
    """A progress dialog while a file is written: an atlas reports its pages and can be cancelled; a single
    page (drawn in one go) just shows that it is busy."""
    dialog = ProgressDialog(worker, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if not stoppable:
        dialog.setRange(0, 0)
        dialog.setCancelButton(None)
    dialog.setValue(0)  # starts the clock that shows the dialog after its minimum duration


def _describe(error: Exception, unexpected: str) -> str:
    """A UserError's message in the UI language; anything else is logged and reported as unexpected."""
    if isinstance(error, UserError):
        return error.message(ui_language())
    _log.error("unexpected error while printing or exporting", exc_info=error)
    return f"{unexpected}\n({type(error).__name__}: {error})"
