"""The import wizard: choose a file and a layer, check the field mapping on a preview, run the import.

The work is done by :mod:`data.importers.pipeline`; this module only collects the choices, shows what
the pipeline would store, and runs the import in a :class:`desktop.workers.Worker`. When villages or grids
of the file are already in the project, :class:`DuplicatesMessageBox` asks whether to update them, skip them
or cancel, and the import runs again with that choice (the first run wrote nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtGui import QColor, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from data.importers.base import SourceTable
from data.importers.duplicates import DuplicatesFound
from data.importers.fields import ValueMap, convert_values, guess_mapping, merge_value_maps, unmatched_values
from data.importers.pipeline import VECTOR_SUFFIXES, ImportCancelled, ImportReport, import_file, read_source
from data.importers.tables import read_header
from data.project import Project
from data.schema import SPATIAL_LAYERS, Field, LayerSpec, layer_spec
from desktop.widgets import MessageLabel
from desktop.workers import Connections, Work, Worker
from gis.crs import parse_crs
from gis.errors import UserError, ui_language

PREVIEW_ROWS = 20
_TABLES = {".csv", ".xlsx"}  # the table formats read_table accepts
_SHAPEFILES = {".shp", ".zip"}
_ENCODINGS = ("GBK", "UTF-8", "GB18030", "Big5")
_OTHER_CRS = "other"
_WRITE_PERCENT = 85
"""import_file's progress when it starts writing: a cancel after this would come after the commit."""
_PROBLEM_BACKGROUND = QColor("#fde2e1")
_PROBLEM_TEXT = QColor("#9b1c1c")
_HINT_STYLE = "color: #555555;"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportSettings:
    """What the file page chose: the file, the target layer and how to read the file."""

    path: Path
    layer: str
    crs: str | None = None
    encoding: str | None = None
    lon_col: str | None = None
    lat_col: str | None = None

    def source_options(self) -> dict:
        """Keyword arguments for ``read_source`` and ``import_file``."""
        return {"crs": self.crs, "encoding": self.encoding, "lon_col": self.lon_col, "lat_col": self.lat_col}


class ImportWizard(QWizard):
    """Import a file into a layer of ``project``; ``report`` holds the :class:`ImportReport` once the
    import has succeeded (None before, and after a failed or cancelled import)."""

    def __init__(self, project: Project, parent: QWidget | None = None, *, path=None, layer: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import features"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.file_page = FilePage(path=path, layer=layer)
        self.mapping_page = MappingPage(project)
        self.report_page = ReportPage(project)
        for page in (self.file_page, self.mapping_page, self.report_page):
            self.addPage(page)
        self.resize(900, 720)

    @property
    def report(self) -> ImportReport | None:
        return self.report_page.report

    def settings(self) -> ImportSettings:
        return self.file_page.settings()

    def mapping(self) -> dict[str, str]:
        return self.mapping_page.mapping()

    def value_map(self) -> ValueMap:
        return self.mapping_page.value_map()

    def reject(self) -> None:
        """While an import runs, Cancel cancels it; the wizard closes on the next Cancel."""
        if self.report_page.is_running():
            self.report_page.cancel()
            return
        super().reject()

    def done(self, result: int) -> None:
        self.mapping_page.stop()
        self.report_page.stop()
        super().done(result)


class FilePage(QWizardPage):
    """Choose the file, the target layer and, where the file needs it, its CRS, coordinate columns
    or text encoding."""

    def __init__(self, parent: QWidget | None = None, *, path=None, layer: str | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Choose a file"))
        self.setSubTitle(self.tr("Pick the file to import and the layer its features go into."))
        lang = ui_language()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Shapefile, GeoJSON, KML/KMZ, GeoPackage, CSV or Excel file"))
        browse = QPushButton(self.tr("Browse…"))
        self.layer_combo = QComboBox()
        for name in SPATIAL_LAYERS:
            spec = layer_spec(name)
            self.layer_combo.addItem(spec.zh if lang == "zh" else spec.en.capitalize(), name)
        self.crs_combo = QComboBox()
        self.crs_combo.setPlaceholderText(self.tr("Choose the coordinate system"))
        self.epsg_edit = QLineEdit()
        self.epsg_edit.setPlaceholderText("EPSG:4547")
        self.crs_hint = QLabel(self.tr("Points picked on AutoNavi (Gaode) or Tencent maps are GCJ-02, on Baidu maps "
                                       "BD-09; GPS devices give WGS84; surveyed coordinates are usually CGCS2000."))
        self.crs_hint.setWordWrap(True)
        self.crs_hint.setStyleSheet(_HINT_STYLE)
        self.lon_combo = QComboBox()
        self.lat_combo = QComboBox()
        self.encoding_combo = QComboBox()
        self.encoding_combo.addItem(self.tr("Detect automatically"), None)
        for name in _ENCODINGS:
            self.encoding_combo.addItem(name, name)
        self.message = MessageLabel()

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        crs_row = QHBoxLayout()
        crs_row.addWidget(self.crs_combo, 1)
        crs_row.addWidget(self.epsg_edit, 1)
        self._form = QFormLayout(self)
        self._form.addRow(self.tr("File:"), path_row)
        self._form.addRow(self.tr("Import into layer:"), self.layer_combo)
        crs_box = QVBoxLayout()
        crs_box.addLayout(crs_row)
        crs_box.addWidget(self.crs_hint)
        self._form.addRow(self.tr("Coordinate system:"), crs_box)
        self._form.addRow(self.tr("Longitude column:"), self.lon_combo)
        self._form.addRow(self.tr("Latitude column:"), self.lat_combo)
        self._form.addRow(self.tr("Text encoding:"), self.encoding_combo)
        self._form.addRow(self.message)

        if layer in SPATIAL_LAYERS:
            self.layer_combo.setCurrentIndex(self.layer_combo.findData(layer))
        self.path_edit.setText(str(path) if path else "")
        self._on_path_changed(self.path_edit.text())
        browse.clicked.connect(self._on_browse_clicked)
        self.path_edit.textChanged.connect(self._on_path_changed)
        self.crs_combo.currentIndexChanged.connect(self._on_crs_changed)
        self.epsg_edit.textChanged.connect(self.completeChanged)

    def settings(self) -> ImportSettings:
        path = self._path()
        table = path.suffix.lower() in _TABLES
        return ImportSettings(path, self.layer_combo.currentData(), crs=self._crs(),
                              encoding=self.encoding_combo.currentData() if path.suffix.lower() in _SHAPEFILES else None,
                              lon_col=self.lon_combo.currentData() if table else None,
                              lat_col=self.lat_combo.currentData() if table else None)

    def isComplete(self) -> bool:
        path = self._path()
        if not path.is_file() or path.suffix.lower() not in _TABLES | VECTOR_SUFFIXES:
            return False
        if self.crs_combo.currentData() == _OTHER_CRS:
            return bool(self.epsg_edit.text().strip())
        return self.crs_combo.currentIndex() >= 0

    def validatePage(self) -> bool:
        crs = self._crs()
        try:
            if crs:
                parse_crs(crs)
        except UserError as exc:
            self.message.show_message(exc.message())
            return False
        return True

    def _path(self) -> Path:
        return Path(self.path_edit.text().strip())

    def _crs(self) -> str | None:
        chosen = self.crs_combo.currentData()
        return self.epsg_edit.text().strip() if chosen == _OTHER_CRS else chosen or None

    @Slot()
    def _on_browse_clicked(self) -> None:
        filters = ";;".join([
            self.tr("All supported files") + " (*.shp *.zip *.geojson *.json *.kml *.kmz *.gpkg *.csv *.xlsx)",
            self.tr("Shapefile") + " (*.shp *.zip)",
            "GeoJSON (*.geojson *.json)",
            "KML/KMZ (*.kml *.kmz)",
            "GeoPackage (*.gpkg)",
            "CSV (*.csv)",
            self.tr("Excel workbook") + " (*.xlsx)",
        ])
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a file to import"), str(self._path().parent), filters)
        if chosen:
            self.path_edit.setText(chosen)

    @Slot(str)
    def _on_path_changed(self, _text: str) -> None:
        path = self._path()
        suffix = path.suffix.lower()
        table = suffix in _TABLES
        self._fill_crs_combo(table)
        header = _table_header(path) if table and path.is_file() else []
        for combo in (self.lon_combo, self.lat_combo):
            combo.clear()
            combo.addItem(self.tr("Detect automatically"), None)
            for column in header:
                combo.addItem(column, column)
        self.crs_hint.setVisible(table)
        self._form.setRowVisible(self.lon_combo, table)
        self._form.setRowVisible(self.lat_combo, table)
        self._form.setRowVisible(self.encoding_combo, suffix in _SHAPEFILES)
        if not self.path_edit.text().strip() or path.is_file() and suffix in _TABLES | VECTOR_SUFFIXES:
            self.message.show_message("")
        elif not path.is_file():
            self.message.show_message(self.tr("File not found."))
        else:
            self.message.show_message(self.tr("This kind of file cannot be imported. Choose a Shapefile, GeoJSON, "
                                              "KML/KMZ, GeoPackage, CSV or Excel (.xlsx) file."))
        self.completeChanged.emit()

    @Slot(int)
    def _on_crs_changed(self, _index: int) -> None:
        self.epsg_edit.setVisible(self.crs_combo.currentData() == _OTHER_CRS)
        self.completeChanged.emit()

    def _fill_crs_combo(self, table: bool) -> None:
        """Tables must be told their CRS; vector files normally say it themselves."""
        kept = self.crs_combo.currentData()
        with QSignalBlocker(self.crs_combo):
            self.crs_combo.clear()
            if not table:
                self.crs_combo.addItem(self.tr("As stated in the file"), "")
            for text, code in ((self.tr("WGS84 (GPS)"), "wgs84"), (self.tr("GCJ-02 (AutoNavi, Tencent)"), "gcj02"),
                               (self.tr("BD-09 (Baidu)"), "bd09"), (self.tr("CGCS2000"), "cgcs2000"),
                               (self.tr("Other EPSG code…"), _OTHER_CRS)):
                self.crs_combo.addItem(text, code)
            index = self.crs_combo.findData(kept) if kept is not None else -1
            self.crs_combo.setCurrentIndex(index if index >= 0 or table else 0)
        self._on_crs_changed(self.crs_combo.currentIndex())


class MappingPage(QWizardPage):
    """Which field each source column fills, what the values no term matches mean, and a preview of the
    first rows as they will be stored. Values mapped on an earlier import into the layer (remembered in
    ``project``) apply without being asked again."""

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self._project = project
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Choose the field each column of the file fills. The preview shows the first rows "
                                 "as they will be stored; values that cannot be imported are marked in red."))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.message = MessageLabel()
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels([self.tr("Column in file"), self.tr("Example value"),
                                                      self.tr("Import as")])
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping_table.verticalHeader().hide()
        _compact_rows(self.mapping_table)
        self.values_table = QTableWidget(0, 4)
        self.values_table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value in file"), self.tr("Rows"),
                                                     self.tr("Import as")])
        self.values_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.values_table.horizontalHeader().setStretchLastSection(True)
        self.values_table.verticalHeader().hide()
        _compact_rows(self.values_table)
        values_title = QLabel(self.tr("Values not recognised"))
        values_title.setFont(_bold(values_title.font()))
        values_hint = QLabel(self.tr("These values match no entry of their field. Choose what each one means: the "
                                     "choice is remembered in the project for later imports. Rows of a value left "
                                     "unmatched are not imported and are listed in the report."))
        values_hint.setWordWrap(True)
        values_hint.setStyleSheet(_HINT_STYLE)
        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview_table.setWordWrap(False)
        self.preview_table.horizontalHeader().setStretchLastSection(True)
        _compact_rows(self.preview_table)
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        preview_title = QLabel(self.tr("Preview"))
        preview_title.setFont(_bold(preview_title.font()))

        preview_box = QWidget()
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(preview_title)
        preview_layout.addWidget(self.preview_table, 1)
        preview_layout.addWidget(self.preview_note)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        self.values_box = QWidget()
        values_layout = QVBoxLayout(self.values_box)
        values_layout.setContentsMargins(0, 0, 0, 0)
        values_layout.addWidget(values_title)
        values_layout.addWidget(values_hint)
        values_layout.addWidget(self.values_table, 1)
        self.values_box.hide()
        splitter.addWidget(self.mapping_table)
        splitter.addWidget(self.values_box)
        splitter.addWidget(preview_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self._source: SourceTable | None = None
        self._spec: LayerSpec | None = None
        self._blocking: str | None = None
        self._worker: Worker | None = None
        self._links = Connections()
        self._combo_links = Connections()
        self._value_links = Connections()

    def mapping(self) -> dict[str, str]:
        """``{source column: field name}`` as chosen in the table."""
        chosen = {}
        for row in range(self.mapping_table.rowCount()):
            field_name = self.mapping_table.cellWidget(row, 2).currentData()
            if field_name:
                chosen[self.mapping_table.item(row, 0).text()] = field_name
        return chosen

    def value_map(self) -> ValueMap:
        """``{field: {value as written: code}}`` as chosen in the table of values not recognised."""
        chosen: ValueMap = {}
        for row in range(self.values_table.rowCount()):
            field_name, raw = self.values_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            code = self.values_table.cellWidget(row, 3).currentData()
            if code:
                chosen.setdefault(field_name, {})[raw] = code
        return chosen

    def unmatched(self) -> dict[str, dict[str, int]]:
        """The values listed as not recognised: ``{field: {value as written: rows}}``."""
        listed: dict[str, dict[str, int]] = {}
        for row in range(self.values_table.rowCount()):
            field_name, raw = self.values_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            listed.setdefault(field_name, {})[raw] = int(self.values_table.item(row, 2).text())
        return listed

    def value_combo(self, field_name: str, raw: str) -> QComboBox:
        """The "import as" combo of value ``raw`` of field ``field_name``."""
        for row in range(self.values_table.rowCount()):
            if self.values_table.item(row, 0).data(Qt.ItemDataRole.UserRole) == (field_name, raw):
                return self.values_table.cellWidget(row, 3)
        raise KeyError((field_name, raw))

    def mapping_combo(self, column: str) -> QComboBox:
        """The "import as" combo of source column ``column``."""
        rows = [r for r in range(self.mapping_table.rowCount()) if self.mapping_table.item(r, 0).text() == column]
        if not rows:
            raise KeyError(column)
        return self.mapping_table.cellWidget(rows[0], 2)

    def is_loaded(self) -> bool:
        return self._source is not None

    def initializePage(self) -> None:
        settings = self.wizard().settings()
        self._spec = layer_spec(settings.layer)
        self._reset()
        self.status.setText(self.tr("Reading {name}…").format(name=settings.path.name))
        self._worker = Worker(lambda _progress, _cancelled: read_source(settings.path, **settings.source_options()), self)
        self._links.connect(self._worker.finished, self._on_read)
        self._links.connect(self._worker.failed, self._on_read_failed)
        self._worker.start()

    def cleanupPage(self) -> None:
        self.stop()
        self._reset()

    def isComplete(self) -> bool:
        return self._source is not None and self._blocking is None and bool(self.mapping())

    def stop(self) -> None:
        """Wait for a read in progress to end."""
        if self._worker is not None:
            self._worker.stop()

    @Slot(object)
    def _on_read(self, source: SourceTable) -> None:
        self._drop_worker()
        self._source = source
        lang = ui_language()
        lines = [zh if lang == "zh" else en for zh, en in source.notes]
        if source.rejected:
            lines.append(self.tr("{count} rows could not be read; the report will list them.")
                         .format(count=len(source.rejected)))
        self.status.setText("\n".join(lines))
        self._fill_mapping_table()
        self._fill_values_table()
        self._refresh_preview()

    @Slot(object)
    def _on_read_failed(self, error: Exception) -> None:
        self._drop_worker()
        self.status.clear()
        self.message.show_message(_describe(error, self.tr("The file could not be read.")))
        self.completeChanged.emit()

    def _on_mapping_changed(self, row: int, _index: int) -> None:
        """Each field is filled from one column at most: a field chosen here is taken from other rows."""
        chosen = self.mapping_table.cellWidget(row, 2).currentData()
        for other in range(self.mapping_table.rowCount()):
            combo = self.mapping_table.cellWidget(other, 2)
            if other != row and chosen and combo.currentData() == chosen:
                with QSignalBlocker(combo):
                    combo.setCurrentIndex(0)
        self._fill_values_table()
        self._refresh_preview()

    def _on_value_chosen(self, _index: int) -> None:
        self._refresh_preview()

    def _fill_mapping_table(self) -> None:
        columns = [str(c) for c in self._source.frame.columns if c != "geometry"]
        guessed = guess_mapping(columns, self._spec)
        head = self._source.frame.head(PREVIEW_ROWS)
        lang = ui_language()
        self.mapping_table.setRowCount(len(columns))
        for row, column in enumerate(columns):
            self.mapping_table.setItem(row, 0, _read_only_item(column))
            self.mapping_table.setItem(row, 1, _read_only_item(_first_value(head[column])))
            combo = QComboBox()
            combo.addItem(self.tr("(do not import)"), "")
            for field in self._spec.fields:
                combo.addItem(_field_label(field, lang), field.name)
            combo.setCurrentIndex(max(combo.findData(guessed.get(column, "")), 0))
            self.mapping_table.setCellWidget(row, 2, combo)
            self._combo_links.connect(combo.currentIndexChanged, partial(self._on_mapping_changed, row))

    def _remembered(self) -> ValueMap:
        return self._project.metadata.get("value_maps", {}).get(self._spec.name, {})

    def _fill_values_table(self) -> None:
        """List the values of coded fields that match no term and no remembered mapping, keeping choices made."""
        chosen = self.value_map()
        unmatched = unmatched_values(self._source.frame, self._spec, self.mapping(), self._remembered())
        self._value_links.clear()
        lang = ui_language()
        rows = [(field_name, raw, count) for field_name, counts in unmatched.items() for raw, count in counts.items()]
        self.values_table.setRowCount(len(rows))
        for row, (field_name, raw, count) in enumerate(rows):
            field = self._spec.field(field_name)
            label = _read_only_item(_field_label(field, lang))
            label.setData(Qt.ItemDataRole.UserRole, (field_name, raw))
            self.values_table.setItem(row, 0, label)
            self.values_table.setItem(row, 1, _read_only_item(raw))
            self.values_table.setItem(row, 2, _read_only_item(str(count)))
            combo = QComboBox()
            combo.addItem(self.tr("(leave these rows out)"), "")
            for member in field.choices:
                combo.addItem(member.label(lang), member.value)
            combo.setCurrentIndex(max(combo.findData(chosen.get(field_name, {}).get(raw, "")), 0))
            self.values_table.setCellWidget(row, 3, combo)
            self._value_links.connect(combo.currentIndexChanged, self._on_value_chosen)
        self.values_box.setVisible(bool(rows))

    def _refresh_preview(self) -> None:
        """Show the head as it would be stored; mark each value that would be refused."""
        mapping = self.mapping()
        value_map = merge_value_maps(self._remembered(), self.value_map())
        head = self._source.frame.head(PREVIEW_ROWS).drop(columns="geometry")
        lang = ui_language()
        self._blocking = None
        if self._source.crs is None:
            self._blocking = self.tr("The file does not say its coordinate system: go Back and choose one.")
        try:
            convert_values(head, self._spec, mapping, value_map)
        except UserError as exc:
            self._blocking = exc.message(lang)
        fields = [self._spec.field(name) for name in mapping.values()]
        table = self.preview_table
        table.clear()
        table.setRowCount(len(head))
        table.setColumnCount(len(fields))
        table.setHorizontalHeaderLabels([_field_label(f, lang) for f in fields])
        table.setVerticalHeaderLabels([str(row) for row in head.index])
        problems = 0
        for col, (column, field) in enumerate(zip(mapping, fields, strict=True)):
            converted = convert_values(head[[column]], replace(self._spec, fields=(field,)), {column: field.name},
                                       value_map)
            refused = {p.row: (p.zh if lang == "zh" else p.en) for p in converted.rejected}
            for row, source_row in enumerate(head.index):
                if source_row in refused:
                    table.setItem(row, col, self._problem_item(head.at[source_row, column], refused[source_row]))
                    problems += 1
                else:
                    table.setItem(row, col, QTableWidgetItem(_shown(converted.frame.at[source_row, field.name], field, lang)))
        table.resizeColumnsToContents()
        self.preview_note.setText(self._preview_summary(len(head), problems))
        self.message.show_message(self._blocking or "")
        self.completeChanged.emit()

    def _problem_item(self, raw, problem: str) -> QTableWidgetItem:
        item = QTableWidgetItem(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), _shown(raw))
        item.setBackground(_PROBLEM_BACKGROUND)
        item.setForeground(_PROBLEM_TEXT)
        item.setToolTip(problem)
        return item

    def _preview_summary(self, shown: int, problems: int) -> str:
        total = len(self._source.frame)
        text = self.tr("Showing {shown} of {total} rows.").format(shown=shown, total=total)
        if problems:
            text += " " + self.tr("{count} values cannot be imported (marked red; point at one to see why). "
                                  "Their rows will be left out and listed in the report.").format(count=problems)
        return text

    def _reset(self) -> None:
        self._source = None
        self._blocking = None
        self._combo_links.clear()
        self._value_links.clear()
        self.mapping_table.setRowCount(0)
        self.values_table.setRowCount(0)
        self.values_box.hide()
        self.preview_table.clear()
        self.preview_table.setRowCount(0)
        self.preview_table.setColumnCount(0)
        self.status.clear()
        self.preview_note.clear()
        self.message.show_message("")

    def _drop_worker(self) -> None:
        self._links.clear()
        self._worker.deleteLater()
        self._worker = None


class ReportPage(QWizardPage):
    """Runs the import with progress and Cancel, then shows the report or what went wrong."""

    def __init__(self, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Import"))
        self._project = project
        self.report: ImportReport | None = None
        self.stage = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.cancel_button = QPushButton(self.tr("Cancel import"))
        self.message = MessageLabel()
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.copy_button = QPushButton(self.tr("Copy report"))

        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.cancel_button)
        copy_row = QHBoxLayout()
        copy_row.addStretch(1)
        copy_row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stage)
        layout.addLayout(progress_row)
        layout.addWidget(self.message)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(copy_row)
        layout.addStretch(0)  # keeps the rows at the top while the report is hidden

        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self._worker: Worker | None = None
        self._links = Connections()

    def initializePage(self) -> None:
        self.report = None
        self.setSubTitle(self.tr("Importing {name}…").format(name=self.wizard().settings().path.name))
        self._lock_back(True)
        self._start(None)

    def _start(self, on_duplicate: str | None) -> None:
        """Run the import; ``on_duplicate`` says what to do with features already in the project."""
        wizard = self.wizard()
        self._show_running(True)
        work = _import_work(self._project, wizard.settings(), wizard.mapping(), wizard.value_map(), on_duplicate)
        self._worker = Worker(work, self)
        self._links.connect(self._worker.progress, self._on_progress)
        self._links.connect(self._worker.finished, self._on_finished)
        self._links.connect(self._worker.failed, self._on_failed)
        self._worker.start()

    def cleanupPage(self) -> None:
        self.stop()
        self.report = None

    def isComplete(self) -> bool:
        return self.report is not None

    def is_running(self) -> bool:
        return self._worker is not None

    def cancel(self) -> None:
        """Ask the running import to stop; nothing is written once it has stopped."""
        if self._worker is not None and self.cancel_button.isEnabled():
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.stage.setText(self.tr("Cancelling…"))

    def stop(self) -> None:
        """Cancel a running import and wait for it to end."""
        if self._worker is not None:
            self._worker.stop()

    @Slot(int, str)
    def _on_progress(self, percent: int, label: str) -> None:
        if self._worker is None:  # queued before an outcome that stop() delivered at once
            return
        self.bar.setValue(percent)
        if percent >= _WRITE_PERCENT:
            self.cancel_button.setEnabled(False)
        if not self._worker.cancelled():
            self.stage.setText(self._stage_text(percent, label))

    @Slot(object)
    def _on_finished(self, report: ImportReport) -> None:
        self._drop_worker()
        self.report = report
        self.setSubTitle(self.tr("The import is complete. Click Finish to close."))
        self.report_view.setPlainText(self._report_text(report))
        self._show_running(False)
        self.completeChanged.emit()

    @Slot(object)
    def _on_failed(self, error: Exception) -> None:
        self._drop_worker()
        if isinstance(error, DuplicatesFound):
            choice = DuplicatesMessageBox(error, self.wizard().settings().path.name, self).choice()
            if choice is not None:
                self._start(choice)
                return
            error = ImportCancelled()
        self.setSubTitle(self.tr("Nothing was imported. Go Back to change the settings, or Cancel to close."))
        self.message.show_message(_describe(error, self.tr("The import failed unexpectedly; nothing was imported.")))
        self._show_running(False)
        self._lock_back(False)

    @Slot()
    def _on_cancel_clicked(self) -> None:
        self.cancel()

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report_view.toPlainText())

    def _report_text(self, report: ImportReport) -> str:
        """Summary and notes, then the rejected rows under a heading of their own."""
        lines = report.lines(ui_language())
        rejected = len(report.rejected)
        text = "\n".join(lines[:len(lines) - rejected])
        if rejected:
            text += "\n\n" + self.tr("Rows not imported:") + "\n" + "\n".join(lines[-rejected:])
        return text

    def _stage_text(self, percent: int, label: str) -> str:
        """The pipeline's step, in the UI language (its own labels are Chinese)."""
        return {5: self.tr("Reading the file…"), 25: self.tr("Checking values…"),
                45: self.tr("Checking and repairing geometries…"), 65: self.tr("Converting coordinates…"),
                85: self.tr("Writing to the project…"), 100: self.tr("Done")}.get(percent, label)

    def _show_running(self, running: bool) -> None:
        self.bar.setValue(0)
        self.stage.setText(self.tr("Starting…") if running else "")
        for widget in (self.stage, self.bar, self.cancel_button):
            widget.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.report_view.setVisible(not running and self.report is not None)
        self.copy_button.setVisible(not running and self.report is not None)
        if running:
            self.report_view.clear()
            self.message.show_message("")

    def _lock_back(self, locked: bool) -> None:
        """No Back while an import runs (QWizard disables Back after a commit page)."""
        self.wizard().mapping_page.setCommitPage(locked)
        self.completeChanged.emit()

    def _drop_worker(self) -> None:
        self._links.clear()
        self._worker.deleteLater()
        self._worker = None




class DuplicatesMessageBox(QMessageBox):
    """Asks what to do with the file's features already in the project: update them, skip them, or cancel."""

    def __init__(self, found: DuplicatesFound, file_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle(self.tr("Features Already in the Project"))
        self.setText(self.tr("{count} features of {file} are already in the project (e.g. {names}).")
                     .format(count=found.count, file=file_name, names=found.examples(ui_language())))
        self.setInformativeText(self.tr("Update them from the file (their ids and codes stay), or skip them and "
                                        "import only the others? Cancel changes nothing."))
        self.choices = {"update": self.addButton(self.tr("Update existing features"), QMessageBox.ButtonRole.AcceptRole),
                        "skip": self.addButton(self.tr("Skip existing features"), QMessageBox.ButtonRole.AcceptRole),
                        None: self.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)}
        self.setDefaultButton(self.choices["skip"])
        self.setEscapeButton(self.choices[None])

    def choice(self) -> str | None:
        """Ask; "update", "skip", or None to cancel."""
        self.exec()
        return next((choice for choice, button in self.choices.items() if button is self.clickedButton()), None)


def _import_work(project: Project, settings: ImportSettings, mapping: dict[str, str],
                 value_map: ValueMap | None = None, on_duplicate: str | None = None) -> Work:
    """``import_file`` into ``project`` as a work function; a cancel is no longer honoured once writing has begun.

    It writes through the worker thread's own connection to the project; the views hear of the import through
    the project's change feed (:mod:`desktop.change_feed`), on the UI thread.
    """

    def work(progress, cancelled):
        writing = False

        def step(percent: int, label: str) -> None:
            nonlocal writing
            writing = percent >= _WRITE_PERCENT
            progress(percent, label)

        try:
            return import_file(project, settings.layer, settings.path, mapping=mapping, value_map=value_map,
                               on_duplicate=on_duplicate, progress=step, cancelled=lambda: not writing and cancelled(),
                               **settings.source_options())
        finally:
            project.close()  # the worker thread's connection

    return work


def _table_header(path: Path) -> list[str]:
    """The table's column names as the importer reads them; [] if the file cannot be read (yet)."""
    try:
        return read_header(path)
    except UserError:
        return []


def _describe(error: Exception, unexpected: str) -> str:
    """A UserError's message in the UI language; anything else is logged and reported as unexpected."""
    if isinstance(error, UserError):
        return error.message(ui_language())
    _log.error("unexpected error in the import wizard", exc_info=error)
    return f"{unexpected}\n({type(error).__name__}: {error})"


def _field_label(field: Field, lang: str) -> str:
    return field.zh if lang == "zh" and field.zh else field.name.replace("_", " ")


def _shown(value, field: Field | None = None, lang: str = "zh") -> str:
    """A value as the preview shows it: blank for missing, a glossary term by its label."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if field is not None and field.choices is not None:
        return field.choices(value).label(lang)
    return str(value)


def _first_value(series: pd.Series) -> str:
    return next((_shown(value) for value in series if _shown(value).strip()), "")


def _read_only_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _compact_rows(table: QTableWidget) -> None:
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


def _bold(font: QFont) -> QFont:
    font.setBold(True)
    return font
