"""The attribute table: one layer's features as rows, filtered, edited in place and deleted, every change
checked like an import and written to the project file through the undo stack.

:class:`LayerTableModel` reads cells straight from the layer's DataFrame when the view asks for them, so a
layer of 100,000 cases opens as fast as it is read; it knows nothing of the project or the undo stack and
reports valid edits with ``valueEdited`` for :class:`AttributeDock` to carry out. The dock follows the
project's change feed (:mod:`desktop.change_feed`): a changeset's rows are updated, inserted or removed in
the model one by one (a cell edited here or at another desk re-reads nothing); only a bulk change (an import)
or a long changeset reads the layer again.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from data.changes import DELETED, INSERTED, Change, Changeset
from data.importers.fields import convert_value
from data.project import Project
from data.schema import SPATIAL_LAYERS, Field, LayerSpec, layer_spec
from data.zone_store import load_scheme
from desktop.change_feed import follow
from desktop.store_command import StoreCommand
from desktop.widgets import ERROR_STYLE
from gis.errors import UserError, ui_language
from gis.glossary import term_key

_RESIZE_PRECISION = 200  # rows sampled when fitting column widths (all 100k would take seconds)
_MAX_COLUMN_WIDTH = 280
_COLUMN_PADDING = 12  # px added to fitted column widths so text does not touch the grid
_NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_ROOT = QModelIndex()
ROWS_APPLIED = 200  # a changeset touching more rows of the layer shown than this reads the layer again


def _layer_title(spec: LayerSpec) -> str:
    return spec.zh if ui_language() == "zh" else spec.en[:1].upper() + spec.en[1:]


def _field_title(field: Field) -> str:
    return field.zh if ui_language() == "zh" else field.name


Choice = tuple[str, str, tuple[str, ...]]
"""A value a coded field may hold: (stored value, label shown, other words accepted for it)."""


def glossary_choices(field: Field) -> list[Choice] | None:
    """The values of a glossary field, labelled in the UI language (None for a field that is not coded)."""
    if field.choices is None:
        return None
    return [(m.value, m.label(ui_language()), (m.zh, m.en, *m.aliases)) for m in field.choices]


def tier_choices(project: Project) -> list[Choice]:
    """The tiers of the project's tier scheme, top first, labelled in the UI language."""
    return [(t.key, t.label(ui_language()), (t.zh, t.en)) for t in load_scheme(project).tiers]


def parse_choice(text, field: Field, choices: list[Choice]):
    """The stored value that ``text`` (a value, label or alias, compared by :func:`gis.glossary.term_key`) names;
    a UserError naming the allowed values when it names none. Glossary fields go through the importers'
    conversion, so the table accepts exactly the words an import accepts."""
    if field.choices is not None:
        return convert_value(text, field)
    if text is None or not str(text).strip():
        if field.required:
            raise UserError(f"{field.zh}：为空（必填）", f"{field.name}: is empty (required)")
        return None
    key = term_key(text)
    for value, _label, words in choices:
        if key in {term_key(word) for word in (value, *words)}:
            return value
    allowed_zh = "、".join(f"{label}/{value}" for value, label, _ in choices)
    raise UserError(f"{field.zh}：“{text}”不是可用的取值（可用：{allowed_zh}）",
                    f"{field.name}: '{text}' is not allowed (use one of: {', '.join(v for v, _, _ in choices)})")


class LayerTableModel(QAbstractTableModel):
    """One layer's features read from its DataFrame on demand: fids as row headers, field labels as column
    headers, glossary values shown by their labels. Personal fields are left out unless asked for.

    Edits are converted with :func:`data.importers.fields.convert_value` (coded fields with
    :func:`parse_choice`, which maps labels and aliases as the importers do): a refused edit emits
    ``editRefused(message)``, a valid change emits ``valueEdited(fid, field name, value)``; the model itself
    changes only when given a new frame.
    """

    editRefused = Signal(str)
    valueEdited = Signal(int, str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.spec: LayerSpec | None = None
        self._frame = pd.DataFrame()
        self._extra_choices: dict[str, list[Choice]] = {}
        self._show_personal = False
        self._filter = ""
        self._fields: list[Field] = []
        self._arrays: list = []  # the frame's column arrays, in the order of _fields
        self._choices: list[list[Choice] | None] = []  # per column: the values a coded field may hold
        self._labels: list[dict | None] = []  # per column: stored coded value -> label
        self._rows = np.zeros(0, dtype=np.int64)  # frame positions of the rows shown
        self._search_text: list[str] | None = None  # lower-cased text of each row, built when first filtered

    # -- what is shown ----------------------------------------------------------------------------

    def set_frame(self, spec: LayerSpec, frame: pd.DataFrame,
                  choices: dict[str, list[Choice]] | None = None) -> None:
        """Show ``frame`` (as read by ``Project.read_layer``) as the features of layer ``spec``. Glossary fields
        are coded by their glossary; ``choices`` codes other fields (field name -> values, e.g. the tiers of
        the project's scheme)."""
        self.beginResetModel()
        self.spec, self._frame, self._extra_choices = spec, frame, dict(choices or {})
        self._rebuild()
        self.endResetModel()

    def set_show_personal(self, on: bool) -> None:
        """Show or hide the personal fields (names, ID numbers, phones)."""
        if on != self._show_personal:
            self.beginResetModel()
            self._show_personal = on
            self._rebuild()
            self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show only rows whose shown text contains ``text`` (ignoring case)."""
        text = text.strip().lower()
        if text != self._filter:
            self.beginResetModel()
            self._filter = text
            self._select_rows()
            self.endResetModel()

    def apply_changes(self, changes: list[Change]) -> None:
        """Take row changes of the layer shown (:class:`data.changes.Change` with the rows' states): changed rows
        are redrawn, new rows put in their place, deleted rows removed, without resetting the model (a filter
        shown is applied again to the changed rows alone)."""
        if self._filter:
            self.beginResetModel()
        for change in changes:
            position = int(self._frame.index.get_indexer([change.fid])[0])
            if change.kind == DELETED or change.after is None:
                if position >= 0:
                    self._remove(position)
            elif position >= 0:
                self._update(position, change.after)
            else:
                self._insert(change.fid, change.after)
        if self._filter:
            self.endResetModel()

    def _update(self, position: int, state: dict) -> None:
        for name, value in state.items():
            if name in self._frame.columns:
                self._frame.iat[position, self._frame.columns.get_loc(name)] = value
        self._took_frame()
        if self._filter:
            self._refilter(position)
        else:
            self.dataChanged.emit(self.index(position, 0), self.index(position, max(0, len(self._fields) - 1)))

    def _insert(self, fid: int, state: dict) -> None:
        position = int(np.searchsorted(self._frame.index.to_numpy(), fid))
        row = self._row_frame(fid, state)
        if not self._filter:
            self.beginInsertRows(_ROOT, position, position)
        self._frame = pd.concat([self._frame.iloc[:position], row, self._frame.iloc[position:]])
        self._took_frame()
        if self._filter:
            self._search_text.insert(position, "")
            self._rows[self._rows >= position] += 1
            self._refilter(position)
        else:
            self.endInsertRows()

    def _remove(self, position: int) -> None:
        if not self._filter:
            self.beginRemoveRows(_ROOT, position, position)
        self._frame = pd.concat([self._frame.iloc[:position], self._frame.iloc[position + 1:]])
        self._took_frame()
        if self._filter:
            del self._search_text[position]
            self._rows = self._rows[self._rows != position]
            self._rows[self._rows > position] -= 1
        else:
            self.endRemoveRows()

    def _took_frame(self) -> None:
        """The frame changed in place: read its columns again (rows a filter shows are the caller's to update)."""
        self._arrays = [self._frame[f.name].array for f in self._fields]
        if not self._filter:
            self._rows = np.arange(len(self._frame))
            self._search_text = None  # made again for the next filter

    def _refilter(self, position: int) -> None:
        """Show the row at frame ``position`` or not, by the filter and its text as it is now."""
        self._search_text[position] = self._row_texts([position])[0]
        at = int(np.searchsorted(self._rows, position))
        held = at < len(self._rows) and self._rows[at] == position
        if self._filter in self._search_text[position]:
            if not held:
                self._rows = np.insert(self._rows, at, position)
        elif held:
            self._rows = np.delete(self._rows, at)

    def _row_frame(self, fid: int, state: dict) -> pd.DataFrame:
        """One row state as a frame shaped like the layer's (its columns and their kinds)."""
        values = {name: [state.get(name)] for name in self._frame.columns if name != "geometry"}
        row = pd.DataFrame(values, index=pd.Index([fid], name=self._frame.index.name))
        for field in self.spec.fields:
            if field.name in row.columns and field.kind in ("INTEGER", "REAL"):
                row[field.name] = row[field.name].astype("Int64" if field.kind == "INTEGER" else "float64")
        if isinstance(self._frame, gpd.GeoDataFrame):
            return gpd.GeoDataFrame(row, geometry=[state.get("geometry")], crs=self._frame.crs)[self._frame.columns]
        return row

    def holds(self, fid: int) -> bool:
        """Whether feature ``fid`` is in the layer as the model has it (shown or filtered out)."""
        return int(fid) in self._frame.index

    def total_count(self) -> int:
        """Number of features in the layer, filtered out or not."""
        return len(self._frame)

    def field(self, column: int) -> Field:
        return self._fields[column]

    def choices(self, column: int) -> list[Choice] | None:
        """The values a coded column may hold (None for a column edited as text)."""
        return self._choices[column]

    def column_of(self, field_name: str) -> int | None:
        return next((c for c, f in enumerate(self._fields) if f.name == field_name), None)

    def fid(self, row: int) -> int:
        return int(self._frame.index[self._rows[row]])

    def row_of(self, fid: int) -> int | None:
        """The row showing feature ``fid``, or None if it is filtered out or absent."""
        position = self._frame.index.get_indexer([fid])[0]
        row = int(np.searchsorted(self._rows, position))  # shown rows keep the frame's order
        return row if position >= 0 and row < len(self._rows) and self._rows[row] == position else None

    def stored_value(self, index: QModelIndex):
        """The value in the frame behind a cell (None when missing)."""
        value = self._arrays[index.column()][int(self._rows[index.row()])]
        return None if pd.isna(value) else value

    def _rebuild(self) -> None:
        self._fields = [f for f in self.spec.fields if self._show_personal or not f.personal]
        self._arrays = [self._frame[f.name].array for f in self._fields]
        self._choices = [self._extra_choices.get(f.name) or glossary_choices(f) for f in self._fields]
        self._labels = [{value: label for value, label, _ in choices} if choices else None
                        for choices in self._choices]
        self._search_text = None
        self._select_rows()

    def _select_rows(self) -> None:
        if not self._filter:
            self._rows = np.arange(len(self._frame))
            return
        if self._search_text is None:
            self._search_text = self._row_texts()
        found = (self._filter in text for text in self._search_text)
        self._rows = np.flatnonzero(np.fromiter(found, dtype=bool, count=len(self._search_text)))

    def _row_texts(self, positions: list[int] | None = None) -> list[str]:
        """The lower-cased shown text of every row (or of the rows at ``positions``), as the filter searches it."""
        columns = [self._column_text(c, positions).tolist() for c in range(len(self._fields))]
        return ["\t".join(row).lower() for row in zip(*columns, strict=True)]

    def _column_text(self, column: int, positions: list[int] | None = None) -> pd.Series:
        """The shown text of a whole column at once, or of its rows at ``positions`` (for filtering)."""
        field, series = self._fields[column], self._frame[self._fields[column].name]
        if positions is not None:
            series = series.iloc[positions]
        if self._labels[column]:
            series = series.map(self._labels[column]).fillna(series)
        text = series.astype(object).where(series.notna(), "").astype(str)
        return text.str.replace("T", " ", n=1) if field.kind == "DATETIME" else text

    # -- Qt model interface -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._fields)

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if not index.isValid():
            return None
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _NUMBER_ALIGNMENT if self._fields[column].numeric else None
        if role not in (_DISPLAY, _EDIT):
            return None
        value = self.stored_value(index)
        labels = self._labels[column]
        if value is None:
            return None if role == _EDIT and labels else ""
        if labels:
            return str(value) if role == _EDIT else labels.get(value, str(value))
        if self._fields[column].kind == "INTEGER":
            return str(int(value))
        if self._fields[column].kind == "REAL":
            return f"{value:.10g}"
        if self._fields[column].kind == "DATETIME":
            return str(value).replace("T", " ", 1)
        return str(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Vertical:
            return self.fid(section) if role == _DISPLAY else None
        if role == _DISPLAY:
            return _field_title(self._fields[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._fields[section].name
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: QModelIndex, value, role: int = _EDIT) -> bool:  # noqa: N802 (Qt override)
        """Check an edit; report a change with ``valueEdited`` (or why not with ``editRefused``). Nothing is
        stored here. An editor left as it was, or a value equal to the stored one, is no edit."""
        if role != _EDIT or not index.isValid() or value == self.data(index, _EDIT):
            return False
        field, choices = self._fields[index.column()], self._choices[index.column()]
        try:
            converted = parse_choice(value, field, choices) if choices else convert_value(value, field)
        except UserError as exc:
            self.editRefused.emit(exc.message())
            return False
        if converted == self.stored_value(index):
            return False
        self.valueEdited.emit(self.fid(index.row()), field.name, converted)
        return True


class FieldDelegate(QStyledItemDelegate):
    """Edits coded fields with a drop-down of their labels (committed as soon as one is picked; a word typed
    into it is read like an imported value: a label or alias is taken, anything else refused with the allowed
    values), other fields as text."""

    def createEditor(self, parent: QWidget, option, index: QModelIndex) -> QWidget:  # noqa: N802 (Qt override)
        model = index.model()
        choices = model.choices(index.column())
        if choices is None:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        if not model.field(index.column()).required:
            combo.addItem("", None)
        for value, label, _words in choices:
            combo.addItem(label, value)
        combo.activated.connect(functools.partial(self._on_choice_activated, combo))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802 (Qt override)
        if not isinstance(editor, QComboBox):
            super().setEditorData(editor, index)
            return
        value = index.data(_EDIT)
        if editor.findData(value) < 0:  # a stored value outside the vocabulary stays until changed
            editor.addItem(str(value), value)
        editor.setCurrentIndex(editor.findData(value))

    def updateEditorGeometry(self, editor: QWidget, option, index: QModelIndex) -> None:  # noqa: N802 (Qt override)
        """A combo box may be wider than its cell, so that its labels can be read."""
        super().updateEditorGeometry(editor, option, index)
        if isinstance(editor, QComboBox):
            editor.resize(max(editor.width(), editor.sizeHint().width()), editor.height())

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: N802 (Qt override)
        if not isinstance(editor, QComboBox):
            super().setModelData(editor, model, index)
            return
        text = editor.currentText().strip()
        chosen = editor.findText(text, Qt.MatchFlag.MatchFixedString)  # a label as listed
        model.setData(index, editor.itemData(chosen) if chosen >= 0 else text, _EDIT)

    def _on_choice_activated(self, combo: QComboBox, _index: int) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo)


class AttributeDock(QDockWidget):
    """The attribute table of one spatial layer. Edits are validated and pushed onto ``undo_stack`` (which
    writes the project file); the table follows the project's changes and keeps its selection.

    ``featuresSelected(layer, fids)`` reports the selected rows, e.g. for the map to highlight them.
    """

    featuresSelected = Signal(str, list)

    def __init__(self, project: Project, undo_stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(self.tr("Attributes"), parent)
        self.setObjectName("AttributeDock")
        self.project = project
        self.undo_stack = undo_stack
        self._unsubscribe: Callable[[], None] | None = None
        self._selected: list[int] | None = []  # the fids last reported; None while the model resets
        self._versions: dict[int, int] = {}  # the version of each row shown, passed back with its edits
        self._reload_timer = QTimer(self)  # changes are re-read once control returns to the event loop:
        self._reload_timer.setSingleShot(True)  # never under an editor that is committing, and once for
        self._reload_timer.setInterval(0)  # a burst of changes (deleting many features)

        self.layer_combo = QComboBox()
        for name in SPATIAL_LAYERS:
            self.layer_combo.addItem(_layer_title(layer_spec(name)), name)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter rows…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.personal_check = QCheckBox(self.tr("Show personal information"))
        self.personal_check.setToolTip(self.tr("Names, ID numbers and phone numbers are hidden unless ticked."))
        self.delete_action = QAction(self.style().standardIcon(QStyle.StandardPixmap.SP_TrashIcon),
                                     self.tr("Delete feature"), self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # not while a cell is edited
        self.delete_action.setEnabled(False)
        delete_button = QToolButton()
        delete_button.setDefaultAction(self.delete_action)
        delete_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

        self.model = LayerTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(FieldDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # One row at a time: with many rows selected Qt's header asks the model about every selected cell
        # (isColumnSelected), which freezes the view for seconds on a layer of 100k features.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.addAction(self.delete_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(_RESIZE_PRECISION)
        header.setMaximumSectionSize(_MAX_COLUMN_WIDTH)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.status_label.hide()

        top = QHBoxLayout()
        top.addWidget(self.layer_combo)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        options = QHBoxLayout()
        options.addWidget(self.personal_check)
        options.addStretch(1)
        options.addWidget(delete_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addLayout(options)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        self.setWidget(body)

        self.layer_combo.currentIndexChanged.connect(self._on_layer_changed)
        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.personal_check.toggled.connect(self._on_personal_toggled)
        self.delete_action.triggered.connect(self._on_delete_triggered)
        self._reload_timer.timeout.connect(self._load)
        self.model.editRefused.connect(self._on_edit_refused)
        self.model.valueEdited.connect(self._on_value_edited)
        self.model.modelReset.connect(self._on_model_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.set_project(project)

    # -- public API -------------------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Show the features of ``project`` (and follow its changes instead of the previous project's)."""
        self._stop_following()
        self.project = project
        triggers = QAbstractItemView.EditTrigger
        self.table.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed | triggers.AnyKeyPressed
                                   if project.can_edit else triggers.NoEditTriggers)  # a viewer's table is read-only
        self._unsubscribe = follow(project, self._on_changes)
        self._load(fit_columns=True)

    def show_layer(self, layer: str) -> None:
        """Show the features of ``layer``."""
        index = self.layer_combo.findData(layer)
        if index >= 0:
            self.layer_combo.setCurrentIndex(index)

    def show_feature(self, layer: str, fid: int) -> None:
        """Switch to ``layer``, then select feature ``fid`` and scroll to it (clearing a filter hiding it)."""
        index = self.layer_combo.findData(layer)
        if index < 0:
            return
        self.layer_combo.setCurrentIndex(index)
        if self._reload_timer.isActive():
            self._load()  # the feature may have just been added
        elif not self.model.holds(fid):  # added so recently that its changeset is still on its way
            state = self.project.states(layer, [fid]).get(int(fid))
            if state is not None:
                self.model.apply_changes([Change(layer, int(fid), INSERTED, after=state)])
        if self.model.row_of(fid) is None and self.filter_edit.text():
            self.filter_edit.clear()
        if self._select_fid(fid):
            self.table.scrollTo(self.table.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)

    def current_layer(self) -> str:
        return self.layer_combo.currentData()

    def selected_fids(self) -> list[int]:
        """The selected feature, as a list (empty when none is)."""
        return [self.model.fid(index.row()) for index in self.table.selectionModel().selectedRows()]

    # -- loading and keeping the selection --------------------------------------------------------

    def _load(self, *, fit_columns: bool = False) -> None:
        self._reload_timer.stop()
        layer = self.current_layer()
        choices = {"tier": tier_choices(self.project)} if layer == "control_zones" else None
        with self._keeping_selection():
            self._versions = self.project.versions(layer)  # first: a row changed after it is then refused
            self.model.set_frame(layer_spec(layer), self.project.read_layer(layer), choices)
        if fit_columns:
            self._fit_columns()

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(header.count()):
            header.resizeSection(column, min(header.sectionSize(column) + _COLUMN_PADDING, _MAX_COLUMN_WIDTH))

    @contextlib.contextmanager
    def _keeping_selection(self) -> Iterator[None]:
        """Around a model reset: select the same feature (if still shown) in the same column, keep the
        scroll position, and report the selection only if it changed."""
        before = self._selected or []
        current = self.table.currentIndex()
        field = self.model.field(current.column()).name if current.isValid() else None
        scroll = self.table.verticalScrollBar().value()
        self._selected = None  # while None, _on_selection_changed ignores the reset and the reselection
        try:
            yield
        finally:
            column = self.model.column_of(field) if field else None
            if before and not self._select_fid(before[0], column=column or 0):
                self.table.selectionModel().clear()  # the feature is gone: no neighbour takes its place
            self.table.verticalScrollBar().setValue(scroll)
            self._selected = before
            self._report_selection()

    def _select_fid(self, fid: int, *, column: int = 0) -> bool:
        """Select the row of ``fid`` (with ``column`` current); False if it is not shown."""
        row = self.model.row_of(fid)
        if row is None:
            return False
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(self.model.index(row, column), flags)
        return True

    def _stop_following(self) -> None:
        self._reload_timer.stop()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    # -- slots ------------------------------------------------------------------------------------

    def _on_changes(self, changeset: Changeset) -> None:
        """Take a changeset to the layer shown row by row (see the module docstring)."""
        layer = self.current_layer()
        changes = changeset.of(layer)
        if not changes:
            return
        if changeset.bulk or len(changes) > ROWS_APPLIED or self._reload_timer.isActive():
            self._reload_timer.start()
            return
        with self._keeping_selection():
            self.model.apply_changes(changes)
        for change in changes:
            if change.after is None:
                self._versions.pop(change.fid, None)
            elif change.version() is not None:
                self._versions[change.fid] = change.version()
        self._on_model_reset()

    def _on_layer_changed(self, _index: int) -> None:
        self.status_label.hide()
        self._selected = []
        self._load(fit_columns=True)

    def _on_filter_changed(self, text: str) -> None:
        with self._keeping_selection():
            self.model.set_filter(text)

    def _on_personal_toggled(self, on: bool) -> None:
        with self._keeping_selection():
            self.model.set_show_personal(on)
        self._fit_columns()

    def _on_model_reset(self) -> None:
        shown, total = self.model.rowCount(), self.model.total_count()
        text = self.tr("{shown} of {total} features") if shown != total else self.tr("{total} features")
        self.count_label.setText(text.format(shown=shown, total=total))

    def _on_selection_changed(self, _selected, _deselected) -> None:
        if self._selected is not None:
            self._report_selection()

    def _report_selection(self) -> None:
        fids = self.selected_fids()
        self.delete_action.setEnabled(bool(fids) and self.project.can_edit)
        if fids != self._selected:
            self._selected = fids
            self.featuresSelected.emit(self.current_layer(), fids)

    def _on_edit_refused(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.show()

    def _on_value_edited(self, fid: int, field_name: str, value) -> None:
        self.status_label.hide()
        spec = layer_spec(self.current_layer())
        text = self.tr("Edit {field} of feature {fid}").format(field=_field_title(spec.field(field_name)), fid=fid)
        expected = self._versions.get(fid)
        self._push(StoreCommand.edit(self.project, text, lambda edit: edit.update(
            spec.name, fid, {field_name: value}, expected_version=expected)))

    def _on_delete_triggered(self) -> None:
        for fid in self.selected_fids():
            layer = self.current_layer()
            text = self.tr("Delete feature {fid} from {layer}").format(fid=fid, layer=_layer_title(layer_spec(layer)))
            expected = {fid: self._versions[fid]} if fid in self._versions else None
            delete = functools.partial(_delete_row, layer=layer, fid=fid, expected=expected)
            if not self._push(StoreCommand.edit(self.project, text, delete)):
                break

    def _push(self, command) -> bool:
        """Push an edit of the rows shown; when another desk changed the row since they were read, show who
        and when, re-read the layer and return False (nothing was stored)."""
        self.undo_stack.push(command)
        if command.error is None:
            command.report_error = self._on_refused  # an undo or redo refused later
            return True
        self._on_refused(command.error)
        return False

    def _on_refused(self, error: UserError) -> None:
        """Show why an edit, undo or redo was refused (another desk changed the row) and re-read the layer."""
        self._on_edit_refused(error.message())
        self._load()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Shown again after being closed: follow the project again, re-reading what changed meanwhile."""
        if self._unsubscribe is None:
            self._unsubscribe = follow(self.project, self._on_changes)
            self._load()
        super().showEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._stop_following()
        super().closeEvent(event)


def _delete_row(edit, *, layer: str, fid: int, expected: dict[int, int] | None) -> None:
    edit.delete(layer, [fid], expected_versions=expected)
