"""The main window: the map in the centre, docks around it, menus, the zone toolbar and the status bar.

Every edit goes through the undo stack into the project file at once (each step audited)."""

from __future__ import annotations

import json

import pyproj
import shapely
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
)

from data import zone_store
from data.basemaps import BASEMAPS
from data.importers.layer_guess import guess_layer
from data.project import Project, now_iso
from data.schema import SPATIAL_LAYERS
from data.web_map import project_extent, tier_styles, view_bounds
from desktop.attribute_dock import AttributeDock
from desktop.change_feed import ChangeFeed
from desktop.dashboard import CapacityDock
from desktop.layer_dock import LayerDock
from desktop.map_widget import MapWidget, page_to_storage
from desktop.preferences import tianditu_keys
from desktop.project_claim import ProjectClaim
from desktop.settings_dialog import SettingsDialog
from desktop.start_checklist import STEPS, StartChecklist
from desktop.store_command import StoreCommand
from desktop.zone_panel import ZonePanel
from gis.crs import metric_crs_for
from gis.errors import UserError, ui_language
from gis.glossary import UnitLevel, ZoneKind
from gis.zoning.shapes import circle_polygon, unit_outline

ZONE_TOOLS = ("select_zone", "edit", "delete")  # tools that stay on after use; their clicks hit zones first

MAX_RECENT = 8
FIT_PADDING_PX = 40  # room around imported features, so markers at the edge show whole
SELECTABLE_LEVELS = (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)
GEOMETRY_KEY, STATE_KEY, VIEWS_KEY = "window/geometry", "window/state", "window/map_views"
TABLE_LAYER_KEY = "window/table_layer"  # the layer the attribute table showed
LAYOUT_VERSION = 2  # of saveState: a layout saved by an older window (other docks) is not restored
MAX_VIEWS = 20  # map views remembered, one per project file, the most recent kept
SIDE_SHARE, SIDE_MIN, SIDE_MAX = 0.25, 340, 420  # width of the zone panel / dashboard tabs (px)
LAYERS_SHARE, LAYERS_MIN, LAYERS_MAX = 0.11, 160, 220  # width of the layer dock (px)
TABLE_SHARE, TABLE_MAX = 0.25, 240  # height of the attribute table when it opens (px)
REFIT_DELAY_MS = 1000  # a resized map refits once the page reports its new size, or after this at the latest
SETTLE_MS = 700  # view changes reported this long after a refit are the refit's, not the user's
MAX_REFITS = 3  # refits after one resize, until the page shows the extent snugly at its new size
SNUG = 1.25  # a view shows an extent snugly when it holds it and is at most this much wider or taller


class MainWindow(QMainWindow):
    """Cordon's main window over one open project."""

    projectWaiting = Signal(float)  # seconds waited for another user or program to release the project

    def __init__(self, project: Project):
        """The window over ``project`` in its default layout; :meth:`show_window` puts back the size, docks
        and map view the user left."""
        super().__init__()
        self.project = project
        self.lang = ui_language()
        self.settings = QSettings()
        self.undo_stack = QUndoStack(self)
        self.feed = ChangeFeed.for_project(project, self)  # every changeset of the project, here and at other desks
        self.map = MapWidget(self)
        self.setCentralWidget(self.map)
        self.checklist = StartChecklist(self.map)
        self.import_wizard = None  # the import wizard while it is open
        self.layer_dock = LayerDock(self.map, self)
        self.attribute_dock = AttributeDock(project, self.undo_stack, self)
        self.capacity_dock = CapacityDock(project, self.map, self.undo_stack, self)
        self.zone_panel = ZonePanel(project, self.map, self.undo_stack, self)
        self.docks: list[QDockWidget] = [self.layer_dock, self.zone_panel, self.capacity_dock, self.attribute_dock]
        self._arrange_docks()
        self.remember_views = False  # put back each project's map view (set by restore_layout)
        self._extent: list[float] | None = None  # the view extent chosen (page coordinates), kept over resizes
        self._settling = False  # a resize or refit is under way: reported views are not the user's choice
        self._padding = 0  # pixels to spare around the extent shown
        self._refits_left = 0
        self._refit_timer = QTimer(self, singleShot=True, interval=REFIT_DELAY_MS, timeout=self._on_refit_due)
        self._settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS, timeout=self._on_settled)
        self._shown_before = False
        self._restored = False  # the size and dock layout were put back (no default dock widths then)
        self._hidden_for_map: list[QDockWidget] = []
        self.selection: tuple[str, list[int]] = ("", [])
        self._metric = None
        self.claim = ProjectClaim(self)  # the lock record on a GeoPackage this window edits
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.projectWaiting.connect(self._on_project_waiting)
        self._connect_map()
        self.resize(1400, 900)
        self.open_project(project)

    # -- layout: docks, size, view --------------------------------------------------------------------

    def _arrange_docks(self) -> None:
        """The default layout: layers on the left, zone panel and dashboard as tabs on the right, the attribute
        table (closed until asked for) below the map."""
        for dock in self.docks:
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            if dock.isFloating():
                dock.setFloating(False)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layer_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attribute_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.zone_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.capacity_dock)
        self.tabifyDockWidget(self.zone_panel, self.capacity_dock)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        for dock in self.docks:
            dock.setVisible(dock is not self.attribute_dock)
        self.zone_panel.raise_()

    def _fit_docks(self) -> None:
        """Give the docks their default widths for the window's width; the map gets the rest."""
        width = self.width()
        side = min(max(round(width * SIDE_SHARE), SIDE_MIN), SIDE_MAX)
        layers = min(max(round(width * LAYERS_SHARE), LAYERS_MIN), LAYERS_MAX)
        self.resizeDocks([self.layer_dock, self.zone_panel], [layers, side], Qt.Orientation.Horizontal)
        self._fit_table()

    def _fit_table(self) -> None:
        height = min(round(self.height() * TABLE_SHARE), TABLE_MAX)
        self.resizeDocks([self.attribute_dock], [height], Qt.Orientation.Vertical)

    def restore_layout(self) -> bool:
        """Put back the window's size and dock layout as last left, and from now on each project's map view;
        False (default layout kept) the first time."""
        self.remember_views = True
        geometry, state = self.settings.value(GEOMETRY_KEY), self.settings.value(STATE_KEY)
        if geometry is None:
            return False
        self._restored = self._shown_before = self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
        self.attribute_dock.show_layer(self.settings.value(TABLE_LAYER_KEY, "", str))
        return self._restored

    def save_layout(self) -> None:
        """Remember the window's size, dock layout and this project's map view for the next start."""
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState(LAYOUT_VERSION))
        self.settings.setValue(TABLE_LAYER_KEY, self.attribute_dock.current_layer())
        self._save_view()

    def _saved_views(self) -> dict:
        try:
            views = json.loads(self.settings.value(VIEWS_KEY, "{}", str))
        except ValueError:
            return {}
        return views if isinstance(views, dict) else {}

    def _save_view(self) -> None:
        if self._extent is None:
            return
        west, south, east, north = self._extent
        xs, ys = page_to_storage([west, east], [south, north], self.map.datum)
        views = {path: view for path, view in self._saved_views().items() if path != str(self.project.path)}
        views[str(self.project.path)] = {"bounds": [float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1])]}
        self.settings.setValue(VIEWS_KEY, json.dumps(dict(list(views.items())[-MAX_VIEWS:])))

    def _restore_view(self) -> None:
        view = self._saved_views().get(str(self.project.path)) if self.remember_views else None
        bounds = view.get("bounds") if isinstance(view, dict) else None
        if isinstance(bounds, list) and len(bounds) == 4:
            self._extent = [float(b) for b in bounds]
            self._refits_left = MAX_REFITS
            self._refit()

    def show_extent(self, bounds, padding: int = 0) -> None:
        """Show ``bounds`` (storage lon/lat) and keep them shown while the map's size settles (docks filling
        in, the window resizing): a later resize refits to them, not to the view before."""
        self._extent, self._padding = [float(b) for b in bounds], padding
        self._refits_left = MAX_REFITS
        self._refit()

    def _refit(self) -> None:
        """Show the extent chosen before, whatever the map's size now."""
        self._settling = True
        self._refits_left -= 1
        self.map.fit_bounds(self._extent, padding=self._padding)
        self._settle_timer.start()

    def _shows_extent(self, bounds) -> bool:
        """Whether a view of ``bounds`` shows the chosen extent whole and snugly."""
        west, south, east, north = bounds
        w, s, e, n = self._extent
        whole = west <= w + 1e-9 and south <= s + 1e-9 and east >= e - 1e-9 and north >= n - 1e-9
        return whole and (east - west <= (e - w) * SNUG or north - south <= (n - s) * SNUG)

    def _on_refit_due(self) -> None:
        if self._extent is not None:
            self._refit()

    def _on_settled(self) -> None:
        self._settling = False

    def view_settled(self) -> bool:
        """Whether the map shows its extent for good: no resize refit pending or settling."""
        return not (self._settling or self._refit_timer.isActive())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.map and event.type() == QEvent.Type.Resize and self._extent is not None:
            self._settling = True
            self._refits_left = MAX_REFITS
            self._refit_timer.start()
        return super().eventFilter(watched, event)

    def show_window(self) -> None:
        """Show the window as it was left; maximised the first time."""
        if self.restore_layout():
            self.show()
        else:
            self.showMaximized()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_before:  # default dock widths once the window has its size
            self._shown_before = True
            QTimer.singleShot(0, self._fit_docks)

    @Slot(str)
    def _on_attributes_requested(self, layer: str) -> None:
        opening = self.attribute_dock.isHidden()
        self.attribute_dock.show_layer(layer)
        self.attribute_dock.show()
        self.attribute_dock.raise_()
        if opening:
            QTimer.singleShot(0, self._fit_table)

    @Slot(bool)
    def _on_map_only(self, checked: bool) -> None:
        if checked:
            self._hidden_for_map = [dock for dock in self.docks if dock.toggleViewAction().isChecked()]
            raised = [dock for dock in self._hidden_for_map if not dock.visibleRegion().isEmpty()]  # tabs on top
            for dock in self._hidden_for_map:
                dock.hide()
            self._hidden_for_map += raised  # shown again last, so that tabbed docks come back on the same tab
        else:
            for dock in self._hidden_for_map:
                dock.show()
                dock.raise_()
            self._hidden_for_map = []

    @Slot()
    def _on_reset_layout(self) -> None:
        self.map_only_action.setChecked(False)
        self._arrange_docks()
        QTimer.singleShot(0, self._fit_docks)

    def open_settings(self, tab: int = SettingsDialog.BASEMAP) -> None:
        """Open 编辑 → 设置 on ``tab``; what is saved takes effect at once."""
        dialog = SettingsDialog(self.project, self, tab)
        dialog.schemeChanged.connect(self._on_scheme_saved)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.capacity_dock.apply_settings()
            if self.map.basemap_key.startswith("tianditu"):
                self._on_basemap(self.map.basemap_key)

    def _on_scheme_saved(self) -> None:
        self.zone_panel.set_project(self.project)
        self.map.set_tiers(tier_styles(self.project, self.lang))
        self._load_tiers()

    # -- building the window ------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(self.tr("&New Project…"), self._on_new, QKeySequence.StandardKey.New)
        self.open_action = self._action(self.tr("&Open Project…"), self._on_open, QKeySequence.StandardKey.Open)
        self.connect_action = self._action(self.tr("&Connect to Database…"), self._on_connect_database)
        self.save_as_action = self._action(self.tr("Save &As…"), self._on_save_as, QKeySequence.StandardKey.SaveAs)
        self.import_action = self._action(self.tr("&Import Data…"), self._on_import, "Ctrl+I")
        self.print_action = self._action(self.tr("&Print Map…"), self._on_print, QKeySequence.StandardKey.Print)
        self.export_action = self._action(self.tr("&Export Data…"), self._on_export, "Ctrl+E")
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence.StandardKey.Redo])
        self.zoom_county_action = self._action(self.tr("Zoom to &County"), self._on_zoom_county, "Ctrl+0")
        self.settings_action = self._action(self.tr("&Settings…"), lambda: self.open_settings(), "Ctrl+,")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.map_only_action = self._action(self.tr("&Map Only"), self._on_map_only, "Ctrl+Shift+M", checkable=True)
        self.map_only_action.setToolTip(self.tr("Fold all panels away; again to bring them back"))
        self.reset_layout_action = self._action(self.tr("&Reset Layout"), self._on_reset_layout)

        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        tools = [
            ("polygon", self.tr("Draw &Polygon"), "P"), ("rectangle", self.tr("Draw &Rectangle"), "R"),
            ("circle", self.tr("Draw &Circle"), "C"), ("fixed_circle", self.tr("Circle with Typed &Radius"), "Shift+C"),
            ("select_zone", self.tr("Pick &Zone"), "Z"), ("edit", self.tr("&Edit Vertices"), "E"),
            ("delete", self.tr("&Delete Zone"), "D"),
            ("select_units", self.tr("Select &Villages/Communities"), "S"), ("select_grids", self.tr("Select &Grids"), "G"),
            ("lasso", self.tr("&Lasso Select"), "L"),
        ]
        self.tools: dict[str, QAction] = {}
        for key, text, shortcut in tools:
            action = self._action(text, lambda checked, k=key: self._on_tool(k, checked), shortcut, checkable=True)
            self.tool_group.addAction(action)
            self.tools[key] = action
        self.assign_action = self._action(self.tr("&Assign Tier to Selection"), self._on_assign_tier, "Ctrl+T")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addActions([self.new_action, self.open_action, self.connect_action, self.save_as_action])
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addActions([self.print_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)

        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.zoom_county_action)
        view_menu.addSeparator()
        view_menu.addActions([dock.toggleViewAction() for dock in self.docks])
        view_menu.addActions([self.map_only_action, self.reset_layout_action])
        view_menu.addSeparator()
        language_menu = view_menu.addMenu(self.tr("&Language"))
        for code, name in (("zh", "简体中文"), ("en", "English")):
            action = language_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == self.lang)
            action.triggered.connect(lambda _c=False, c=code: self._on_language(c))

        map_menu = bar.addMenu(self.tr("&Map"))
        basemap_menu = map_menu.addMenu(self.tr("&Basemap"))
        self.basemap_group = QActionGroup(self)
        for key, basemap in BASEMAPS.items():
            action = basemap_menu.addAction(basemap.zh if self.lang == "zh" else basemap.en)
            action.setCheckable(True)
            action.setChecked(key == "offline")
            action.setData(key)
            self.basemap_group.addAction(action)
            action.triggered.connect(lambda _c=False, k=key: self._on_basemap(k))
        mbtiles = basemap_menu.addAction(self.tr("Local MBTiles File…"))
        mbtiles.setCheckable(True)
        self.basemap_group.addAction(mbtiles)
        mbtiles.triggered.connect(self._on_mbtiles)
        map_menu.addAction(self._action(self.tr("Tianditu &Keys…"), lambda: self.open_settings(SettingsDialog.BASEMAP)))

        zone_menu = bar.addMenu(self.tr("&Zones"))
        zone_menu.addActions(list(self.tools.values()))
        zone_menu.addSeparator()
        zone_menu.addAction(self.assign_action)

        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About Cordon"), self._on_about))

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Zones"), self)
        bar.setObjectName("zone_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        bar.addWidget(QLabel(self.tr("Tier:") + " "))
        self.tier_combo = QComboBox(self)
        bar.addWidget(self.tier_combo)
        bar.addSeparator()
        for key in ("polygon", "rectangle", "circle", "fixed_circle"):
            bar.addAction(self.tools[key])
        self.radius_spin = QDoubleSpinBox(self)
        self.radius_spin.setRange(10, 50_000)
        self.radius_spin.setDecimals(0)
        self.radius_spin.setSingleStep(100)
        self.radius_spin.setValue(500)
        self.radius_spin.setSuffix(self.tr(" m"))
        self.radius_spin.setToolTip(self.tr("Radius of a circle placed with one click"))
        bar.addWidget(self.radius_spin)
        bar.addSeparator()
        for key in ("select_zone", "edit", "delete", "select_units", "select_grids", "lasso"):
            bar.addAction(self.tools[key])
        bar.addAction(self.assign_action)
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.sample_label = QLabel(self.tr("Sample data"))
        self.sample_label.setStyleSheet("color: white; background: #b22222; padding: 1px 8px; font-weight: bold;")
        self.cursor_label = QLabel()
        self.scale_label = QLabel()
        for label, widest in ((self.cursor_label, "180.000000°E 90.000000°N   X 99,999,999.9 m  Y 9,999,999.9 m"),
                              (self.scale_label, self.tr("Scale 1:%1").replace("%1", "99,999,999"))):
            # fixed widths: text changing as the pointer moves must never resize the map (which would refit it)
            label.setFixedWidth(label.fontMetrics().horizontalAdvance(widest) + 8)
        self.role_label = QLabel()
        self.role_label.setStyleSheet("color: white; background: #5a6470; padding: 1px 8px;")
        status.addPermanentWidget(self.sample_label)
        status.addPermanentWidget(self.role_label)
        status.addPermanentWidget(self.cursor_label)
        status.addPermanentWidget(self.scale_label)

    def _connect_map(self) -> None:
        self.map.circleDrawn.connect(self._on_circle_drawn)
        self.map.polygonDrawn.connect(self._on_polygon_drawn)
        self.map.zoneEdited.connect(self._on_zone_edited)
        self.map.zoneDeleteRequested.connect(self._on_zone_delete_requested)
        self.map.zoneChosen.connect(lambda fid: self.zone_panel.select_zone(fid, fit=False))
        self.map.toolMissed.connect(self._on_tool_missed)
        self.map.popup_date = self.zone_panel.as_of
        self.zone_panel.table.selectionModel().selectionChanged.connect(self._on_zone_panel_selection)
        self.map.lassoDrawn.connect(self._on_lasso)
        self.map.selectionChanged.connect(self._on_selection_changed)
        self.map.featureClicked.connect(self.attribute_dock.show_feature)
        self.attribute_dock.featuresSelected.connect(self.zone_panel.set_case_selection)
        self.zone_panel.schemeChanged.connect(self._load_tiers)
        self.map.cursorMoved.connect(self._on_cursor_moved)
        self.map.viewChanged.connect(self._on_view_changed)
        self.map.fileDropped.connect(self._on_file_dropped)
        self.map.layersChanged.connect(self._on_layers_changed)
        self.checklist.importRequested.connect(lambda layer: self.open_import_wizard(layer=layer))
        self.layer_dock.attributesRequested.connect(self._on_attributes_requested)
        self.map.installEventFilter(self)  # a resized map refits to the extent shown before

    # -- project --------------------------------------------------------------------------------------

    def open_project(self, project: Project) -> None:
        """Show ``project`` in this window (read-only, or not at all, if another window edits it and the user
        says so)."""
        if not self.claim.claim(project, may_cancel=project is not self.project):
            return
        if project is not self.project:
            self._save_view()
            self.feed.close()
            self.feed = ChangeFeed.for_project(project, self)
        self.project = project
        self._extent = None
        project.on_wait = self.projectWaiting.emit  # from any thread; shown on the UI thread
        self.undo_stack.clear()
        for dock in (self.attribute_dock, self.capacity_dock, self.zone_panel):
            # built on this project already: no second read at start-up, unless the claim made it read-only
            if dock.project is not project or project.read_only:
                dock.set_project(project)
        meta = project.metadata
        self.setWindowTitle(f"{meta.get('name', project.path.stem)} — Cordon")
        self.sample_label.setVisible(bool(meta.get("is_sample")))
        self._show_role(project)
        self._load_tiers()
        west, _, east, _ = view_bounds(project)
        self._metric = pyproj.Transformer.from_crs(4490, metric_crs_for((west + east) / 2), always_xy=True)
        self.map.set_project(project)
        if project_extent(project) is None:
            self.checklist.offer(self._layers_with_features())
        else:
            self.checklist.hide()
        self.map.layersDrawn.connect(self._on_first_draw, Qt.ConnectionType.SingleShotConnection)
        self._remember_recent(str(project.path))

    def _show_role(self, project: Project) -> None:
        """Grey out what the user's role may not do (the database refuses it anyway) and say why."""
        for action in (self.import_action, self.assign_action,
                       *(self.tools[key] for key in ("polygon", "rectangle", "circle", "fixed_circle", "edit", "delete"))):
            action.setEnabled(project.can_edit)
        self.role_label.setText(self.tr("Read-only: another window edits this project") if project.read_only else
                                self.tr("Read-only: %1 role").replace("%1", str(project.role)))
        self.role_label.setVisible(not project.can_edit)

    @Slot(float)
    def _on_project_waiting(self, seconds: float) -> None:
        message = self.tr("The project is in use by another user or program; waiting… (%1 s)")
        self.statusBar().showMessage(message.replace("%1", str(round(seconds))), 3000)
        self.statusBar().repaint()  # also while the UI thread itself is the one waiting

    def _load_tiers(self) -> None:
        """Fill the tier choice from the project's tier scheme (again after it changes)."""
        current = self.tier_combo.currentData()
        self.tiers = tier_styles(self.project, self.lang)
        self.tier_combo.clear()
        for tier in self.tiers:
            self.tier_combo.addItem(tier["label"], tier["key"])
        self.tier_combo.setCurrentIndex(max(0, self.tier_combo.findData(current)))

    def _on_first_draw(self, _info: dict) -> None:
        self.layer_dock.restore(self.layer_dock.state())
        if not self._restored:
            self._fit_docks()  # again: a window shown while busy may have laid its docks out after the first fit
        self._restore_view()

    def _remember_recent(self, path: str) -> None:
        recent = [p for p in self.settings.value("recent", [], list) if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self.recent_menu.clear()
        for item in recent[:MAX_RECENT]:
            self.recent_menu.addAction(item, lambda p=item: self._open_path(p))

    def _open_path(self, path: str) -> None:
        try:
            self.open_project(Project.open(path))
        except UserError as error:
            self._error(error)

    @Slot()
    def _on_new(self) -> None:
        from desktop.new_project_dialog import NewProjectDialog

        dialog = NewProjectDialog(self)
        if dialog.exec() == NewProjectDialog.DialogCode.Accepted:
            self.open_project(dialog.project)

    @Slot()
    def _on_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Project"), "", self.tr("GeoPackage (*.gpkg)"))
        if path:
            self._open_path(path)

    @Slot()
    def _on_connect_database(self) -> None:
        from desktop.connect_dialog import ConnectDialog

        dialog = ConnectDialog(self)
        if dialog.exec() == ConnectDialog.DialogCode.Accepted:
            self.open_project(dialog.project)

    @Slot()
    def _on_save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save Project As"), "", self.tr("GeoPackage (*.gpkg)"))
        if path:
            try:
                self.open_project(self.project.save_as(path))
            except (UserError, OSError) as error:
                self._error(error)

    @Slot()
    def _on_import(self) -> None:
        self.open_import_wizard()

    def open_import_wizard(self, path: str | None = None, layer: str | None = None) -> None:
        """Open the import wizard (on ``path`` into ``layer`` when given); the map then fits what it imported."""
        from desktop.import_wizard import ImportWizard

        if not self.project.can_edit:  # a file dropped on a viewer's map
            self.statusBar().showMessage(self.role_label.text(), 5000)
            return
        before = {name: self.project.last_fid(name) for name in SPATIAL_LAYERS}
        wizard = ImportWizard(self.project, self, path=path, layer=layer)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.finished.connect(lambda _result: self._after_import(wizard, before))
        self.import_wizard = wizard
        wizard.open()

    def _after_import(self, wizard, before: dict[str, int]) -> None:
        self.import_wizard = None
        report = wizard.report
        if report is not None and report.imported:
            self.fit_imported(report.layer, before.get(report.layer, 0))

    def fit_imported(self, layer: str, after_fid: int) -> None:
        """Fit the view to the features of ``layer`` added after ``after_fid`` (what an import brought)."""
        bounds = self.project.extent(layer, after_fid=after_fid)
        if bounds is not None:
            self.show_extent(bounds, padding=FIT_PADDING_PX)

    @Slot(str)
    def _on_file_dropped(self, path: str) -> None:
        from data.importers.tables import read_header

        columns = None
        if path.lower().endswith((".csv", ".xlsx")):
            try:
                columns = read_header(path)
            except (UserError, OSError, ValueError):
                columns = None  # the wizard will say what is wrong with the file
        self.open_import_wizard(path, guess_layer(path, columns))

    def _layers_with_features(self) -> set[str]:
        return {name for name in STEPS if self.project.count(name)}

    def _on_layers_changed(self, layers: set) -> None:
        if self.checklist.isVisible() and layers & set(STEPS):
            self.checklist.mark_done(self._layers_with_features())

    @Slot()
    def _on_print(self) -> None:
        self.map.call("view", callback=self._open_print_dialog)

    def _open_print_dialog(self, view: dict | None) -> None:
        from desktop.print_dialog import PrintDialog

        bounds = None
        if view:
            west, south, east, north = view["bounds"]
            xs, ys = page_to_storage([west, east], [south, north], self.map.datum)
            bounds = (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
        PrintDialog(self.project, self, view_bounds=bounds).exec()

    @Slot()
    def _on_export(self) -> None:
        from desktop.print_dialog import ExportDialog

        ExportDialog(self.project, self).exec()

    # -- map tools ----------------------------------------------------------------------------------

    def _on_tool(self, key: str, checked: bool) -> None:
        self.map.stop_drawing()
        self.map.set_select_mode(None)
        if not checked:
            return
        if key in ("polygon", "rectangle", "circle"):
            self.map.start_drawing(key.capitalize())
        elif key == "fixed_circle":
            self.map.call("startFixedCircle", self.radius_spin.value())
        elif key == "edit":
            self.map.set_edit_mode(True, self.zone_panel.selected_fid())
            self.statusBar().showMessage(self.tr("Click the zone whose vertices to edit."), 6000)
        elif key == "delete":
            self.map.set_zone_tool("delete")
            self.statusBar().showMessage(self.tr("Click the zone to delete; you will be asked first."), 6000)
        elif key == "select_zone":
            self.map.set_zone_tool("zone")
        elif key in ("select_units", "select_grids"):
            self.map.set_select_mode("admin_units" if key == "select_units" else "grids")
        elif key == "lasso":
            layer = self.selection[0] or "admin_units"
            self.map.set_select_mode(layer)
            self.map.start_drawing("Lasso")

    def _finish_tool(self) -> None:
        checked = self.tool_group.checkedAction()
        if checked is not None and checked not in [self.tools[key] for key in ZONE_TOOLS]:
            checked.setChecked(False)

    def current_tier(self) -> str:
        """The tier chosen in the toolbar for new zones and assignments."""
        return self.tier_combo.currentData()

    def _tier_label(self, key: str) -> str:
        return next((t["label"] for t in self.tiers if t["key"] == key), key)

    @Slot(float, float, float)
    def _on_circle_drawn(self, lon: float, lat: float, radius_m: float) -> None:
        radius_m = round(radius_m)  # the page shows and sends whole metres: stored as shown
        self.create_zone(circle_polygon(lon, lat, radius_m), kind=ZoneKind.CIRCLE.value, radius_m=radius_m)
        self._finish_tool()

    @Slot(object)
    def _on_polygon_drawn(self, polygon) -> None:
        self.create_zone(polygon, kind=ZoneKind.DRAWN.value)
        self._finish_tool()

    def create_zone(self, geometry, *, kind: str, tier: str | None = None, radius_m: float | None = None,
                    unit_codes: list[str] | None = None) -> zone_store.NewZone | None:
        """Create a zone of ``tier`` (the toolbar's) through the store's checked action, as one undoable step:
        it is named, selected in the zone panel, and any overlap with a zone of another tier is shown."""
        tier = tier or self.current_tier()
        created: list[zone_store.NewZone] = []

        def create() -> list[int]:
            created.append(zone_store.create_zone(self.project, geometry, tier=tier, kind=kind, radius_m=radius_m,
                                                  unit_codes=unit_codes))
            return created

        command = StoreCommand(self.project, self.tr("Add zone"), create)
        self.undo_stack.push(command)
        if command.error is not None:
            self._error(command.error)
            return None
        zone = created[0]
        command.setText(self.tr("Add “%1”").replace("%1", zone.name))
        self.statusBar().showMessage(self.tr("Added “%1” (%2); rename it in the zone panel if need be.")
                                     .replace("%1", zone.name).replace("%2", self._tier_label(tier)), 10_000)
        self.zone_panel.reload()
        self.zone_panel.select_zone(int(zone), fit=False)
        if zone.warnings:
            self._show_overlaps(zone.warnings)
        return zone

    def _show_overlaps(self, warnings) -> None:
        """Say which zones of another tier the new zone overlaps and which tier applies there (not blocking)."""
        text = "\n".join(warning.message(self.lang) for warning in warnings)
        self.statusBar().showMessage(text.splitlines()[0], 15_000)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Zones Overlap"), text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.overlap_box = box

    @Slot(int, object)
    def _on_zone_edited(self, fid: int, polygon) -> None:
        name = self._zone_name(fid)
        expected = self.zone_panel.shown_version(fid)
        self._push_zone_edit(StoreCommand.edit(self.project, self.tr("Edit the outline of “%1”").replace("%1", name),
                                               lambda edit: edit.update("control_zones", fid, {"updated_at": now_iso()},
                                                                        geometry=polygon, expected_version=expected)))

    @Slot(int)
    def _on_zone_delete_requested(self, fid: int) -> None:
        """The delete tool hit zone ``fid``: name it and ask; only a yes deletes it (undoable)."""
        name = self._zone_name(fid)
        answer = QMessageBox.question(self, self.tr("Delete Zone"), self.tr("Delete zone “%1”?").replace("%1", name),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        version = self.zone_panel.shown_version(fid)
        expected = {fid: version} if version is not None else None
        if self._push_zone_edit(StoreCommand.edit(self.project, self.tr("Delete “%1”").replace("%1", name),
                                                  lambda edit: edit.delete("control_zones", [fid],
                                                                           expected_versions=expected))):
            self.statusBar().showMessage(self.tr("Deleted “%1” (Ctrl+Z brings it back).").replace("%1", name), 8000)

    def _push_zone_edit(self, command) -> bool:
        """Push an edit of a zone drawn on the map; when another desk changed the zone since it was listed, say
        who and when, and redraw the zones and the list as they are now (False: nothing was stored)."""
        self.undo_stack.push(command)
        if command.error is None:
            return True
        self._error(command.error)
        self.zone_panel.reload()
        self.map.refresh_layers(["control_zones"])
        return False

    def _zone_name(self, fid: int) -> str:
        zone = self.project.read_layer("control_zones", where="fid = ?", params=(int(fid),))
        return zone_store.zone_title(zone.iloc[0], zone_store.load_scheme(self.project)) if len(zone) else str(fid)

    @Slot(str)
    def _on_tool_missed(self, reason: str) -> None:
        message = (self.tr("The control zone layer is hidden: show it in the layer list to pick zones.")
                   if reason == "zonesHidden" else self.tr("No control zone here."))
        self.statusBar().showMessage(message, 5000)

    def _on_zone_panel_selection(self, _selected=None, _deselected=None) -> None:
        """With the edit tool on, the zone chosen in the zone panel is the one whose vertices are edited."""
        fid = self.zone_panel.selected_fid()
        if self.tools["edit"].isChecked() and fid is not None:
            self.map.set_edit_mode(True, fid)

    @Slot(str, object)
    def _on_lasso(self, layer: str, polygon) -> None:
        layer = layer or "admin_units"
        units = self._selectable(layer)
        inside = units[shapely.contains(polygon, shapely.point_on_surface(units.geometry.values))]
        fids = set(inside.index.tolist()) | (set(self.selection[1]) if self.selection[0] == layer else set())
        self.tools["lasso"].setChecked(False)
        self.map.set_select_mode(layer)
        self.map.set_selection(layer, sorted(fids))

    def _selectable(self, layer: str):
        frame = self.project.read_layer(layer)
        return frame[frame["level"].isin(SELECTABLE_LEVELS)] if layer == "admin_units" else frame

    @Slot(str, list)
    def _on_selection_changed(self, layer: str, fids: list) -> None:
        self.selection = (layer, [int(f) for f in fids])
        self.statusBar().showMessage(self.tr("%1 selected").replace("%1", str(len(fids))), 4000)

    @Slot()
    def _on_assign_tier(self) -> None:
        layer, fids = self.selection
        if not fids:
            QMessageBox.information(self, "Cordon", self.tr("Select villages, communities or grids first."))
            return
        self.assign_tier(layer, fids, self.current_tier())

    def assign_tier(self, layer: str, fids: list[int], tier: str) -> None:
        """Make a unit zone of ``tier`` whose outline follows the chosen units' boundaries."""
        units = self.project.read_layer(layer).loc[fids]
        if self.create_zone(unit_outline(units.geometry.values), kind=ZoneKind.UNIT.value, tier=tier,
                            unit_codes=units["code"].astype(str).tolist()) is not None:
            self.map.set_selection(layer, [])

    # -- view ---------------------------------------------------------------------------------------

    @Slot()
    def _on_zoom_county(self) -> None:
        self.show_extent(view_bounds(self.project))

    def _on_basemap(self, key: str, mbtiles: str | None = None) -> None:
        try:
            self.map.set_basemap(key, tianditu_keys=tianditu_keys(), mbtiles=mbtiles)
        except UserError as error:
            self._error(error)
            self.basemap_group.actions()[0].setChecked(True)

    @Slot()
    def _on_mbtiles(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open MBTiles"), "", self.tr("MBTiles (*.mbtiles)"))
        if path:
            self._on_basemap("mbtiles", path)

    def _on_language(self, code: str) -> None:
        self.settings.setValue("language", code)
        QMessageBox.information(self, "Cordon", self.tr("The language changes the next time Cordon starts."))

    @Slot(float, float)
    def _on_cursor_moved(self, lon: float, lat: float) -> None:
        x, y = self._metric.transform(lon, lat)
        self.cursor_label.setText(f"{lon:.6f}°E {lat:.6f}°N   X {x:,.1f} m  Y {y:,.1f} m")

    @Slot(dict)
    def _on_view_changed(self, view: dict) -> None:
        denominator = view["metresPerPixel"] * 96 / 0.0254  # a 96 dpi screen
        bounds = [float(b) for b in view["bounds"]]
        if self._refit_timer.isActive() or (self._settling and self._refits_left > 0
                                            and not self._shows_extent(bounds)):
            self._refit_timer.stop()  # the page has taken the map's new size: show the same extent again
            self._refit()
        elif not self._settling:
            self._extent, self._padding = bounds, 0
        self.scale_label.setText(self.tr("Scale 1:%1").replace("%1", f"{denominator:,.0f}"))

    @Slot()
    def _on_about(self) -> None:
        QMessageBox.about(self, self.tr("About Cordon"), self.tr("Cordon — one map for county epidemic control.")
                          + "\n\n" + self.project.metadata.get("attribution", ""))

    def _error(self, error: Exception) -> None:
        QMessageBox.warning(self, "Cordon", error.message() if isinstance(error, UserError) else str(error))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.claim.release()
        self.save_layout()
        self._refit_timer.stop()  # no refit of a map that is going away
        for view in (self.capacity_dock, self.zone_panel, self.attribute_dock, self.map):  # each stops following
            view.close()
        self.feed.close()
        super().closeEvent(event)
